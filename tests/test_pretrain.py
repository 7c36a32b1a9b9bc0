"""Behaviour cloning: ``pretrain`` with ``ExpertDataset`` and ``generate_expert_traj`` (SB2's gail.dataset)."""

from __future__ import annotations

import pickle

import gymnasium as gym
import numpy as np
import pytest
import torch
from gymnasium import spaces

from sb_ppo2 import PPO2
from sb_ppo2.common.cmd_util import make_vec_env
from sb_ppo2.common.evaluation import evaluate_policy
from sb_ppo2.common.schedules import LinearFn
from sb_ppo2.common.vec_env import DummyVecEnv
from sb_ppo2.gail import DataLoader, ExpertDataset, generate_expert_traj


class LinearExpertEnv(gym.Env):
    """Box(2) observations; used only to give models spaces (Discrete or Box actions), 10-step episodes."""

    def __init__(self, action_space):
        self.observation_space = spaces.Box(-1.0, 1.0, (2,), np.float32)
        self.action_space = action_space
        self.t = 0

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        self.t = 0
        return self.observation_space.sample(), {}

    def step(self, action):
        self.t += 1
        return self.observation_space.sample(), 1.0, self.t >= 10, False, {}


def _traj_data(n_episodes: int = 20, episode_length: int = 10, continuous: bool = False, seed: int = 0) -> dict:
    """Synthetic expert: action = [obs0 > obs1] (Discrete) or 0.5 * obs0 - obs1 (Box)."""
    rng = np.random.default_rng(seed)
    n = n_episodes * episode_length
    obs = rng.uniform(-1, 1, size=(n, 2)).astype(np.float32)
    if continuous:
        actions = (0.5 * obs[:, :1] - obs[:, 1:]).astype(np.float32)
    else:
        actions = (obs[:, :1] > obs[:, 1:]).astype(np.int64)
    starts = np.zeros(n, dtype=bool)
    starts[::episode_length] = True
    return {"obs": obs, "actions": actions, "rewards": np.ones(n), "episode_returns": np.arange(n_episodes) + 1.0,
            "episode_starts": starts}


def test_expert_dataset_needs_exactly_one_source(tmp_path):
    with pytest.raises(ValueError, match="Cannot specify both"):
        ExpertDataset(expert_path=str(tmp_path / "x.npz"), traj_data=_traj_data(), verbose=0)
    with pytest.raises(ValueError, match="Must specify one"):
        ExpertDataset(verbose=0)


def test_expert_dataset_split_limitation_and_loaders(tmp_path):
    data = _traj_data(n_episodes=20, episode_length=10)
    np.savez(tmp_path / "expert.npz", **data)
    dataset = ExpertDataset(expert_path=str(tmp_path / "expert.npz"), traj_limitation=5, batch_size=8, verbose=0)
    assert dataset.num_traj == 5 and dataset.num_transition == 50
    np.testing.assert_array_equal(dataset.returns, [1, 2, 3, 4, 5])
    assert dataset.avg_ret == 3.0
    assert len(dataset.train_loader) == 5 and len(dataset.val_loader) == 2  # 35 and 15 samples, partial batches
    seen = [dataset.get_next_batch("train") for _ in range(len(dataset.train_loader))]
    assert [len(obs) for obs, _ in seen] == [8, 8, 8, 8, 3]
    assert sorted(map(tuple, np.concatenate([obs for obs, _ in seen]))) == sorted(
        map(tuple, dataset.observations[dataset.train_loader.original_indices]))
    obs, actions = dataset.get_next_batch("train")  # cycles forever
    assert obs.shape == (8, 2) and actions.shape == (8, 1)
    everything = ExpertDataset(traj_data=data, verbose=0)
    assert everything.num_traj == 20 and everything.num_transition == 200
    everything.init_dataloader(50)
    assert everything.get_next_batch()[0].shape == (50, 2)
    restored = pickle.loads(pickle.dumps(everything))
    assert restored.train_loader is None and restored.num_transition == 200
    loader = DataLoader(np.arange(10), data["obs"], data["actions"], 4, partial_minibatch=False)
    assert len(loader) == 2 and [len(o) for o, _ in loader] == [4, 4]


def test_pretrain_discrete_clones_the_expert_and_can_be_called_twice():
    model = PPO2("MlpPolicy", DummyVecEnv([lambda: LinearExpertEnv(spaces.Discrete(2))]), seed=0)
    dataset = ExpertDataset(traj_data=_traj_data(n_episodes=100), batch_size=32, verbose=0)
    assert model.pretrain(dataset, n_epochs=30, learning_rate=3e-3) is model
    weights = model.get_parameters()
    test = _traj_data(n_episodes=10, seed=1)
    accuracy = np.mean(model.predict(test["obs"], deterministic=True)[0] == test["actions"][:, 0])
    assert accuracy > 0.9
    # A second call continues from the cloned weights (no re-initialisation, unlike SB2).
    model.pretrain(dataset, n_epochs=1, learning_rate=1e-6)
    for name, value in model.get_parameters().items():
        np.testing.assert_allclose(value, weights[name], atol=1e-3)


def test_pretrain_box_fits_the_mean(capsys):
    model = PPO2("MlpPolicy", DummyVecEnv([lambda: LinearExpertEnv(spaces.Box(-2, 2, (1,), np.float32))]), seed=0,
                 verbose=1)
    dataset = ExpertDataset(traj_data=_traj_data(n_episodes=100, continuous=True), batch_size=32, verbose=0)
    model.pretrain(dataset, n_epochs=20, learning_rate=3e-3, val_interval=10)
    out = capsys.readouterr().out
    assert "Pretraining with Behavior Cloning..." in out and "Pretraining done." in out
    assert out.count("Training loss:") == 2 and "==== Training progress 100.00% ====" in out
    test = _traj_data(n_episodes=10, continuous=True, seed=1)
    mean = model.action_probability(test["obs"])[0]
    assert np.mean((mean - test["actions"]) ** 2) < 0.01


def test_pretrain_rejects_other_action_spaces_and_recurrent_policies():
    env = DummyVecEnv([lambda: LinearExpertEnv(spaces.MultiDiscrete([2, 3]))])
    dataset = ExpertDataset(traj_data=_traj_data(), verbose=0)
    with pytest.raises(AssertionError, match="Only Discrete and Box"):
        PPO2("MlpPolicy", env).pretrain(dataset)
    lstm = PPO2("MlpLstmPolicy", DummyVecEnv([lambda: LinearExpertEnv(spaces.Discrete(2))]), nminibatches=1)
    with pytest.raises(NotImplementedError, match="recurrent"):
        lstm.pretrain(dataset)


def test_generate_expert_traj_with_a_function_and_a_model(tmp_path):
    def expert(obs):
        return (obs[:, 0] > obs[:, 1]).astype(np.int64)

    data = generate_expert_traj(expert, str(tmp_path / "fn"), env=LinearExpertEnv(spaces.Discrete(2)), n_episodes=3)
    assert data["obs"].shape == (30, 2) and data["actions"].shape == (30, 1)
    assert data["episode_starts"].shape == (30,) and data["episode_starts"].sum() == 3 and data["episode_starts"][0]
    np.testing.assert_array_equal(data["episode_returns"], [10.0, 10.0, 10.0])
    np.testing.assert_array_equal(data["actions"][:, 0], expert(data["obs"]))
    dataset = ExpertDataset(expert_path=str(tmp_path / "fn.npz"), verbose=0)
    assert dataset.num_traj == 3 and dataset.num_transition == 30

    model = PPO2("MlpPolicy", DummyVecEnv([lambda: LinearExpertEnv(spaces.Box(-2, 2, (1,), np.float32))]))
    data = generate_expert_traj(model, n_episodes=2)
    assert data["actions"].shape == (20, 1) and data["actions"].dtype == np.float32
    lstm = PPO2("MlpLstmPolicy", make_vec_env(lambda: LinearExpertEnv(spaces.Discrete(2)), n_envs=2), nminibatches=2)
    data = generate_expert_traj(lstm, env=LinearExpertEnv(spaces.Discrete(2)), n_episodes=2)  # padded to 2 envs
    assert data["obs"].shape == (20, 2)


@pytest.mark.slow
def test_pretrain_from_a_trained_cartpole_expert(tmp_path):
    torch.manual_seed(0)
    expert = PPO2("MlpPolicy", make_vec_env("CartPole-v1", n_envs=8, seed=0), n_steps=32, nminibatches=1, lam=0.8,
                  gamma=0.98, noptepochs=20, ent_coef=0.0, learning_rate=LinearFn(1e-3), cliprange=LinearFn(0.2),
                  seed=0)
    expert.learn(100_000)
    expert_reward, _ = evaluate_policy(expert, gym.make("CartPole-v1"), n_eval_episodes=10)
    generate_expert_traj(expert, str(tmp_path / "expert_cartpole"), env=gym.make("CartPole-v1"), n_episodes=20)
    dataset = ExpertDataset(expert_path=str(tmp_path / "expert_cartpole.npz"), batch_size=64, verbose=0)

    student = PPO2("MlpPolicy", make_vec_env("CartPole-v1", n_envs=1, seed=1), seed=1)
    untrained_reward, _ = evaluate_policy(student, gym.make("CartPole-v1"), n_eval_episodes=10)
    student.pretrain(dataset, n_epochs=20, learning_rate=1e-3)
    cloned_reward, _ = evaluate_policy(student, gym.make("CartPole-v1"), n_eval_episodes=10)
    print(f"CartPole: expert {expert_reward:.1f} (avg recorded return {dataset.avg_ret:.1f}), untrained "
          f"{untrained_reward:.1f}, after pretrain {cloned_reward:.1f}")
    assert cloned_reward >= 400
