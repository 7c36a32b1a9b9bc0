"""PPO2's constructor, learn loop, schedules, logging, inference and errors, against SB2's behaviour."""

import inspect
import io
import os
from contextlib import redirect_stdout

import gymnasium as gym
import numpy as np
import pytest
import torch

from sb_ppo2 import PPO2, logger
from sb_ppo2.common.callbacks import BaseCallback
from sb_ppo2.common.identity_env import IdentityEnv, IdentityEnvBox, IdentityEnvMultiBinary, IdentityEnvMultiDiscrete
from sb_ppo2.common.policies import MlpPolicy
from sb_ppo2.common.vec_env import DummyVecEnv

SB2_SIGNATURE = [
    ("policy", inspect.Parameter.empty), ("env", inspect.Parameter.empty), ("gamma", 0.99), ("n_steps", 128),
    ("ent_coef", 0.01), ("learning_rate", 2.5e-4), ("vf_coef", 0.5), ("max_grad_norm", 0.5), ("lam", 0.95),
    ("nminibatches", 4), ("noptepochs", 4), ("cliprange", 0.2), ("cliprange_vf", None), ("verbose", 0),
    ("tensorboard_log", None), ("_init_setup_model", True), ("policy_kwargs", None),
    ("full_tensorboard_log", False), ("seed", None), ("n_cpu_tf_sess", None),
]


def identity_vec(dim=10):
    return DummyVecEnv([lambda: IdentityEnv(dim)])


def test_constructor_signature_is_sb2s():
    params = list(inspect.signature(PPO2.__init__).parameters.values())[1:]
    assert [(p.name, p.default) for p in params[: len(SB2_SIGNATURE)]] == SB2_SIGNATURE


def test_attributes_and_env_handling():
    model = PPO2(MlpPolicy, "CartPole-v1")
    assert model.policy is MlpPolicy and model.n_envs == 1 and model.n_batch == 128
    assert model.num_timesteps == 0 and model.policy_kwargs == {}
    assert model.observation_space.shape == (4,) and model.action_space.n == 2
    assert model.get_env() is model.env and model.initial_state is None
    assert model.ep_info_buf is None and model.episode_reward is None
    model = PPO2("MlpPolicy", gym.make("CartPole-v1"))  # a single env is wrapped in a DummyVecEnv
    assert isinstance(model.get_env(), DummyVecEnv)
    model = PPO2("MlpPolicy", None, _init_setup_model=False)
    assert model.env is None and model.n_envs is None


def test_env_is_not_reset_at_construction():
    env = IdentityEnv(10)
    PPO2("MlpPolicy", DummyVecEnv([lambda: env]))
    assert env.num_resets == 0


def test_learn_1000_steps_runs_7_updates_and_returns_self():
    fracs = []

    def lr(frac):
        fracs.append(frac)
        return 1e-3

    model = PPO2("MlpPolicy", identity_vec(), learning_rate=lr)
    assert model.learn(1000) is model
    assert model.num_timesteps == 896
    np.testing.assert_allclose(fracs, [1.0 - u / 7 for u in range(7)])
    # learning_rate and cliprange are replaced by schedule functions; cliprange_vf keeps its value
    assert callable(model.cliprange) and model.cliprange(0.3) == 0.2
    model.learn(100)  # fewer steps than one batch: no update, no env step
    assert model.num_timesteps == 0


def test_second_learn_continues_from_last_observation_and_anneals_again():
    env = IdentityEnv(10)
    model = PPO2("MlpPolicy", DummyVecEnv([lambda: env]), n_steps=16, nminibatches=1)
    model.learn(64)
    resets = env.num_resets
    model.learn(64, reset_num_timesteps=False)
    assert model.num_timesteps == 128
    assert env.num_resets == resets + 1  # one episode (100 steps) ended; the model never reset the env itself


def test_nminibatches_not_a_factor_is_assertion_at_learn():
    model = PPO2("MlpPolicy", identity_vec(), n_steps=10, nminibatches=4)
    with pytest.raises(AssertionError, match="nminibatches"):
        model.learn(100)


@pytest.mark.parametrize(("kwargs", "name"), [
    (dict(n_steps=0), "n_steps"), (dict(n_steps=2.5), "n_steps"), (dict(nminibatches=0), "nminibatches"),
    (dict(noptepochs=0), "noptepochs"), (dict(gamma=1.5), "gamma"), (dict(lam=-0.1), "lam"),
    (dict(vf_coef=-1.0), "vf_coef"), (dict(max_grad_norm=0.0), "max_grad_norm"),
    (dict(learning_rate=-1e-3), "learning_rate"), (dict(learning_rate="fast"), "learning_rate"),
    (dict(cliprange=0.0), "cliprange"), (dict(cliprange_vf="x"), "cliprange_vf"),
    (dict(n_cpu_tf_sess=0), "n_cpu_tf_sess"), (dict(ent_coef=float("nan")), "ent_coef"),
])
def test_bad_hyperparameters_name_the_parameter(kwargs, name):
    with pytest.raises(ValueError, match=name):
        PPO2("MlpPolicy", identity_vec(), **kwargs)


@pytest.mark.parametrize("kwargs", [
    dict(max_grad_norm=None), dict(cliprange_vf=-1), dict(cliprange_vf=0.5), dict(ent_coef=0.0), dict(gamma=1.0),
    dict(learning_rate=lambda f: f * 2.5e-4), dict(cliprange=lambda f: f * 0.1), dict(lam=0.0), dict(n_steps=1,
                                                                                                  nminibatches=1),
])
def test_sb2_values_still_accepted(kwargs):
    PPO2("MlpPolicy", identity_vec(), **kwargs)


def test_unknown_policy_name():
    with pytest.raises(ValueError, match="unknown policy type NotAPolicy"):
        PPO2("NotAPolicy", identity_vec())


def test_unsupported_spaces_are_clear_errors():
    class DictObsEnv(gym.Env):
        observation_space = gym.spaces.Dict({"a": gym.spaces.Box(-1, 1, (2,))})
        action_space = gym.spaces.Discrete(2)

    with pytest.raises(NotImplementedError, match="Dict"):
        PPO2("MlpPolicy", DictObsEnv())

    class TwoDimBoxActions(gym.Env):
        observation_space = gym.spaces.Box(-1, 1, (2,))
        action_space = gym.spaces.Box(-1, 1, (2, 2))

    with pytest.raises(AssertionError, match="must be a vector"):
        PPO2("MlpPolicy", TwoDimBoxActions())


def test_missing_env_for_learn():
    model = PPO2("MlpPolicy", identity_vec())
    model.env = None
    with pytest.raises(ValueError, match="cannot train the model without a valid environment"):
        model.learn(256)


def test_set_env_checks():
    model = PPO2("MlpPolicy", identity_vec(10))
    with pytest.raises(ValueError, match="replace the current environment with None"):
        model.set_env(None)
    with pytest.raises(AssertionError, match="observation space"):
        model.set_env(identity_vec(5))
    with pytest.raises(AssertionError, match="vectorized"):
        model.set_env(IdentityEnv(10))
    model.set_env(DummyVecEnv([lambda: IdentityEnv(10)] * 2))
    assert model.n_envs == 2 and model.ep_info_buf is None


class CountingCallback(BaseCallback):
    def __init__(self):
        super().__init__()
        self.events = []

    def _on_training_start(self):
        self.events.append("start")

    def _on_rollout_start(self):
        self.events.append("rollout_start")

    def _on_step(self):
        self.events.append("step")
        assert self.num_timesteps == self.model.num_timesteps
        return True

    def _on_rollout_end(self):
        self.events.append("rollout_end")

    def _on_training_end(self):
        self.events.append("end")


def test_callback_hook_order_and_counts():
    callback = CountingCallback()
    PPO2("MlpPolicy", identity_vec(), n_steps=8, nminibatches=1).learn(24, callback=callback)
    expected = ["start"] + (["rollout_start"] + ["step"] * 8 + ["rollout_end"]) * 3 + ["end"]
    assert callback.events == expected
    assert callback.n_calls == 24


def test_function_callback_sees_model_and_stops_training():
    seen = []

    def stop_after_first(_locals, _globals):
        seen.append(_locals["self"])
        return False

    model = PPO2("MlpPolicy", identity_vec(), n_steps=8, nminibatches=1)
    model.learn(800, callback=stop_after_first)
    assert seen == [model]
    assert model.num_timesteps == 1  # the step was counted, then training stopped

    def keep_going(_locals, _globals):
        return None  # None does not stop (SB2)

    model.learn(80, callback=keep_going)
    assert model.num_timesteps == 80


def test_verbose_1_prints_sb2_keys():
    from sb_ppo2.bench import Monitor

    env = DummyVecEnv([lambda: Monitor(IdentityEnv(10, ep_length=10), None)])
    buffer = io.StringIO()
    with redirect_stdout(buffer):
        PPO2("MlpPolicy", env, verbose=1, n_steps=32, nminibatches=1).learn(64)
    text = buffer.getvalue()
    for key in ["approxkl", "clipfrac", "explained_variance", "fps", "n_updates", "policy_entropy", "policy_loss",
                "serial_timesteps", "time_elapsed", "total_timesteps", "value_loss", "ep_reward_mean", "ep_len_mean"]:
        assert f"| {key}" in text, key
    buffer = io.StringIO()
    with redirect_stdout(buffer):
        PPO2("MlpPolicy", identity_vec(), verbose=0, n_steps=32, nminibatches=1).learn(64)
    assert buffer.getvalue() == ""


def test_csv_logger_receives_rows(tmp_path):
    logger.configure(str(tmp_path), ["csv"])
    try:
        PPO2("MlpPolicy", identity_vec(), verbose=1, n_steps=32, nminibatches=1).learn(96)
    finally:
        logger.reset()
    lines = (tmp_path / "progress.csv").read_text().strip().splitlines()
    assert len(lines) == 4 and "policy_entropy" in lines[0]


def test_tensorboard_run_numbering(tmp_path):
    pytest.importorskip("tensorboard")
    model = PPO2("MlpPolicy", identity_vec(), n_steps=32, nminibatches=1, tensorboard_log=str(tmp_path))
    model.learn(64)
    model.learn(64)
    model.learn(64, reset_num_timesteps=False)
    assert sorted(os.listdir(tmp_path)) == ["PPO2_1", "PPO2_2"]
    assert any(name.startswith("events") for name in os.listdir(tmp_path / "PPO2_2"))


def test_same_seed_gives_identical_parameters():
    def train():
        model = PPO2("MlpPolicy", "CartPole-v1", seed=3, n_steps=64, nminibatches=2)
        model.learn(256)
        return model.get_parameters()

    first, second = train(), train()
    for name in first:
        np.testing.assert_array_equal(first[name], second[name])


def test_n_cpu_tf_sess_sets_threads_during_learn_only():
    before = torch.get_num_threads()
    seen = []

    def record(_locals, _globals):
        seen.append(torch.get_num_threads())

    PPO2("MlpPolicy", identity_vec(), n_cpu_tf_sess=1, n_steps=8, nminibatches=1).learn(8, callback=record)
    assert seen and set(seen) == {1}
    assert torch.get_num_threads() == before


@pytest.mark.parametrize(("env_fn", "single_shape", "batch_shape"), [
    (lambda: IdentityEnv(10), (), (1,)),
    (lambda: IdentityEnvBox(eps=0.5), (1,), (1, 1)),
    (lambda: IdentityEnvMultiBinary(10), (10,), (1, 10)),
    (lambda: IdentityEnvMultiDiscrete(10), (2,), (1, 2)),
])
def test_predict_shapes_single_and_batch(env_fn, single_shape, batch_shape):
    env = env_fn()
    model = PPO2("MlpPolicy", DummyVecEnv([env_fn]), n_steps=16, nminibatches=1)
    obs = env.observation_space.sample()
    action, state = model.predict(obs)
    assert np.shape(action) == single_shape and state is None
    action, _ = model.predict(np.array([obs]))
    assert np.shape(action) == batch_shape


def test_predict_rejects_wrong_observation_shape():
    model = PPO2("MlpPolicy", "CartPole-v1")
    with pytest.raises(ValueError, match="Unexpected observation shape"):
        model.predict(np.zeros(5))
    with pytest.raises(ValueError, match="numeric"):
        model.predict(np.array(["a", "b", "c", "d"]))


def test_box_predict_clips_to_bounds():
    model = PPO2("MlpPolicy", DummyVecEnv([lambda: IdentityEnvBox(eps=0.5)]))
    with torch.no_grad():
        model.act_model.logstd.fill_(3.0)  # huge std: samples leave [-1, 1]
    actions, _ = model.predict(np.zeros((200, 1), dtype=np.float32))
    assert actions.min() >= -1.0 and actions.max() <= 1.0
    raw, _, _, _ = model.step(np.zeros((200, 1), dtype=np.float32))
    assert np.abs(raw).max() > 1.0  # the low-level step is unclipped, as in SB2


def test_action_probability_shapes_and_values():
    model = PPO2("MlpPolicy", "CartPole-v1")
    obs = np.zeros(4, dtype=np.float32)
    probs = model.action_probability(obs)
    assert probs.shape == (2,) and probs.sum() == pytest.approx(1.0, abs=1e-6)
    batch = model.action_probability(np.zeros((3, 4)))
    assert batch.shape == (3, 2)
    p_actions = model.action_probability(np.zeros((3, 4)), actions=[0, 1, 1])
    assert p_actions.shape == (3, 1)
    np.testing.assert_allclose(p_actions[:, 0], batch[[0, 1, 2], [0, 1, 1]], rtol=1e-6)
    logp = model.action_probability(np.zeros((3, 4)), actions=[0, 1, 1], logp=True)
    np.testing.assert_allclose(logp, np.log(p_actions), rtol=1e-5)
    with pytest.raises(AssertionError, match="batch sizes differ"):
        model.action_probability(np.zeros((3, 4)), actions=[0, 1])


def test_action_probability_multidiscrete_and_box_shapes():
    model = PPO2("MlpPolicy", DummyVecEnv([lambda: IdentityEnvMultiDiscrete(10)]))
    result = model.action_probability(np.array([[1, 2]]))
    assert np.array(result).shape == (2, 1, 10)
    model = PPO2("MlpPolicy", DummyVecEnv([lambda: IdentityEnvBox()]))
    mean, std = model.action_probability(np.zeros((2, 1)))
    assert mean.shape == (2, 1) and std.shape == (2, 1)


def test_action_probability_box_log_density_known_value():
    # SB2's test_log_prob: mean -0.4, std 0.1, two observations, action 0.2 -> log-density -16.616353440210627
    model = PPO2("MlpPolicy", DummyVecEnv([lambda: IdentityEnvBox()]))
    model.proba_step = lambda obs, state, mask: [np.array([[-0.4]]), np.array([[0.1]])]
    result = model.action_probability(np.array([[0.5], [0.5]]), actions=0.2, logp=True)
    assert result.shape == (1, 1)
    assert result[0, 0] == pytest.approx(-16.616353440210627)


def test_set_env_accepts_box_bounds_that_differ_with_a_warning():
    class Bounded(gym.Env):
        observation_space = gym.spaces.Box(-3.4e38, 3.4e38, (4,), np.float32)  # old gym's "unbounded"
        action_space = gym.spaces.Discrete(2)

    model = PPO2("MlpPolicy", Bounded())
    with pytest.warns(UserWarning, match="bounds differ"):
        model.set_env(DummyVecEnv([lambda: gym.make("CartPole-v1")]))
    with pytest.raises(AssertionError, match="observation space"):
        model.set_env(DummyVecEnv([lambda: gym.make("Acrobot-v1")]))  # 6-D: not the same network input


def test_sb2_names_exported_from_common():
    from sb_ppo2.common import ActorCriticRLModel, BaseRLModel, explained_variance, make_vec_env, set_global_seeds

    assert issubclass(PPO2, ActorCriticRLModel) and issubclass(PPO2, BaseRLModel)
    assert callable(make_vec_env) and callable(set_global_seeds) and callable(explained_variance)
