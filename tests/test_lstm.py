"""Recurrent PPO2: the LSTM policies, their states through predict, training on whole sequences, SB2's layout."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
import torch
from gymnasium import spaces

from sb_ppo2 import PPO2
from sb_ppo2.common.evaluation import evaluate_policy
from sb_ppo2.common.lstm_policies import SB2LSTM
from sb_ppo2.common.policies import (
    ActorCriticPolicy,
    CnnLnLstmPolicy,
    CnnLstmPolicy,
    LstmPolicy,
    MlpLnLstmPolicy,
    MlpLstmPolicy,
    MlpPolicy,
    get_policy_from_name,
)
from sb_ppo2.common.vec_env import DummyVecEnv


class CueMemoryEnv(gym.Env):
    """
    A memory task: the cue (one of two) is shown only at the first step, the last step asks for it.

    Observation ``[cue_a, cue_b, is_last]``; reward 1 when the action at the last step names the cue, 0 otherwise
    (the other steps' actions do not matter).  Optimum 1 per episode; without memory the last observation is the
    same for both cues, so a feed-forward policy is at chance (0.5).

    :param episode_length: (int) steps per episode (>= 2)
    """

    def __init__(self, episode_length: int = 4):
        self.episode_length = episode_length
        self.observation_space = spaces.Box(0.0, 1.0, (3,), np.float32)
        self.action_space = spaces.Discrete(2)
        self.cue, self.t = 0, 0

    def _obs(self) -> np.ndarray:
        obs = np.zeros(3, dtype=np.float32)
        if self.t == 0:
            obs[self.cue] = 1.0
        if self.t == self.episode_length - 1:
            obs[2] = 1.0
        return obs

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        self.cue, self.t = int(self.np_random.integers(2)), 0
        return self._obs(), {}

    def step(self, action):
        last = self.t == self.episode_length - 1
        reward = float(int(action) == self.cue) if last else 0.0
        self.t += 1
        return self._obs(), reward, last, False, {}


def _memory_env(n_envs: int, episode_length: int = 4) -> DummyVecEnv:
    return DummyVecEnv([lambda: CueMemoryEnv(episode_length) for _ in range(n_envs)])


def _mean_episode_reward(model, n_envs: int, n_episodes: int = 200) -> float:
    """SB2's documented loop: ``predict(obs, state=state, mask=done)``, counting finished episodes."""
    env = _memory_env(n_envs)
    env.seed(123)
    obs = env.reset()
    state = None
    done = [False for _ in range(env.num_envs)]
    total, episodes = 0.0, 0
    while episodes < n_episodes:
        action, state = model.predict(obs, state=state, mask=done, deterministic=True)
        obs, reward, done, _ = env.step(action)
        total += float(np.sum(reward))
        episodes += int(np.sum(done))
    return total / episodes


@pytest.mark.slow
def test_lstm_learns_memory_task_that_mlp_cannot():
    n_envs, timesteps = 8, 8192
    kwargs = dict(nminibatches=1, n_steps=32, learning_rate=1e-3, ent_coef=0.01, seed=0)
    lstm = PPO2(MlpLstmPolicy, _memory_env(n_envs), policy_kwargs=dict(n_lstm=32), **kwargs).learn(timesteps)
    mlp = PPO2(MlpPolicy, _memory_env(n_envs), **kwargs).learn(timesteps)
    lstm_reward, mlp_reward = _mean_episode_reward(lstm, n_envs), _mean_episode_reward(mlp, n_envs)
    print(f"memory task mean reward (optimum 1.0, chance 0.5): MlpLstmPolicy {lstm_reward:.3f}, "
          f"MlpPolicy {mlp_reward:.3f}")
    assert lstm_reward >= 0.9
    assert 0.35 <= mlp_reward <= 0.65


def test_registry_and_classes():
    for name, cls in (("MlpLstmPolicy", MlpLstmPolicy), ("MlpLnLstmPolicy", MlpLnLstmPolicy),
                      ("CnnLstmPolicy", CnnLstmPolicy), ("CnnLnLstmPolicy", CnnLnLstmPolicy)):
        assert get_policy_from_name(ActorCriticPolicy, name) is cls
        assert cls.recurrent and issubclass(cls, LstmPolicy)


def test_constructor_asserts_nminibatches_divides_n_envs():
    with pytest.raises(AssertionError, match="multiple of nminibatches"):
        PPO2("MlpLstmPolicy", "CartPole-v1")  # one env, default nminibatches=4 (SB2 asserted too)


def test_state_shapes_through_predict():
    n_envs, n_lstm = 3, 8
    model = PPO2(MlpLstmPolicy, _memory_env(n_envs), nminibatches=1, n_steps=4, policy_kwargs=dict(n_lstm=n_lstm))
    assert model.initial_state.shape == (n_envs, 2 * n_lstm) and model.initial_state.dtype == np.float32
    assert not model.initial_state.any()
    obs = model.get_env().reset()
    action, state = model.predict(obs)
    assert action.shape == (n_envs,) and state.shape == (n_envs, 2 * n_lstm) and state.dtype == np.float32
    action, state2 = model.predict(obs, state=state, mask=[False] * n_envs)
    assert state2.shape == state.shape and not np.array_equal(state2, state)
    proba = model.action_probability(obs, state=state, mask=[False] * n_envs)
    assert proba.shape == (n_envs, 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-5)
    assert model.action_probability(obs, state=state, actions=np.zeros(n_envs, dtype=int)).shape == (n_envs, 1)


def test_predict_needs_n_envs_observations_with_a_clear_error():
    model = PPO2(MlpLstmPolicy, _memory_env(2), nminibatches=1, n_steps=4, policy_kwargs=dict(n_lstm=4))
    with pytest.raises(ValueError, match=r"exactly n_envs=2 .*pad"):
        model.predict(np.zeros((1, 3), dtype=np.float32))
    with pytest.raises(ValueError, match=r"exactly n_envs=2"):
        model.predict(np.zeros(3, dtype=np.float32))  # a single observation
    with pytest.raises(ValueError, match=r"state of shape \(2, 4\)"):
        model.predict(np.zeros((2, 3), dtype=np.float32), state=np.zeros((2, 4), dtype=np.float32))
    with pytest.raises(ValueError, match="mask of shape"):
        model.predict(np.zeros((2, 3), dtype=np.float32), mask=[False] * 3)
    with pytest.raises(ValueError, match=r"exactly n_envs=2"):
        model.action_probability(np.zeros((5, 3), dtype=np.float32))
    one_env = PPO2(MlpLstmPolicy, _memory_env(1), nminibatches=1, n_steps=4, policy_kwargs=dict(n_lstm=4))
    with pytest.raises(ValueError, match="must be vectorized"):  # SB2's error for a single observation
        one_env.predict(np.zeros(3, dtype=np.float32))


def test_documented_padding_for_one_env():
    model = PPO2(MlpLstmPolicy, _memory_env(4), nminibatches=2, n_steps=4, policy_kwargs=dict(n_lstm=4))
    mean_reward, _ = evaluate_policy(model, CueMemoryEnv(), n_eval_episodes=3)
    assert 0.0 <= mean_reward <= 1.0


def test_mask_resets_the_state():
    model = PPO2(MlpLstmPolicy, _memory_env(2), nminibatches=1, n_steps=4, policy_kwargs=dict(n_lstm=8))
    obs = np.array([[1, 0, 0], [0, 1, 0]], dtype=np.float32)
    _, state = model.predict(obs, deterministic=True)
    _, state = model.predict(obs, state=state, deterministic=True)
    assert np.abs(state).min() > 0
    reset_env0 = model.step(obs, state, np.array([True, False]), deterministic=True)
    fresh = model.step(obs, model.initial_state, np.array([False, False]), deterministic=True)
    carried = model.step(obs, state, np.array([False, False]), deterministic=True)
    for got, want_fresh, want_carried in zip(reset_env0, fresh, carried):
        np.testing.assert_array_equal(got[0], want_fresh[0])  # env 0 starts from zeros
        np.testing.assert_array_equal(got[1], want_carried[1])  # env 1 keeps its state
    assert not np.array_equal(carried[2][0], fresh[2][0])


def test_training_re_evaluates_the_rollout_as_acting_saw_it():
    """The update re-runs the LSTM from the rollout's initial states with the stored masks: same values."""
    n_envs = 4
    model = PPO2(MlpLnLstmPolicy, _memory_env(n_envs, episode_length=3), nminibatches=2, n_steps=7,
                 policy_kwargs=dict(n_lstm=8), seed=1)
    model.learn(n_envs * 7 * 2)  # the second rollout starts from non-zero states
    obs, _, masks, actions, values, neglogpacs, states, _, _ = model.runner.run()
    assert np.abs(states).sum() > 0 and masks.any()
    policy = model.train_model
    with torch.no_grad():
        dist, values_pred, _ = policy.evaluate_sequences(torch.as_tensor(obs), torch.as_tensor(states),
                                                         torch.as_tensor(masks))
        neglogp = dist.neglogp(torch.as_tensor(actions))
    np.testing.assert_allclose(values_pred.numpy(), values, atol=1e-5)
    np.testing.assert_allclose(neglogp.numpy(), neglogpacs, atol=1e-5)
    # One sequence alone (a minibatch of 1 env) gives the same rows as in the whole batch.
    with torch.no_grad():
        _, values_env2, _ = policy.evaluate_sequences(torch.as_tensor(obs[14:21]), torch.as_tensor(states[2:3]),
                                                      torch.as_tensor(masks[14:21]))
    np.testing.assert_allclose(values_env2.numpy(), values[14:21], atol=1e-5)


def test_recurrent_minibatches_are_whole_env_sequences(monkeypatch):
    n_envs, n_steps = 4, 5
    model = PPO2(MlpLstmPolicy, _memory_env(n_envs), nminibatches=2, n_steps=n_steps, noptepochs=3,
                 policy_kwargs=dict(n_lstm=4))
    seen = []
    original = model._train_step

    def spy(*args, states=None, **kwargs):
        obs = args[2]
        seen.append((obs.shape[0], None if states is None else tuple(states.shape)))
        return original(*args, states=states, **kwargs)

    monkeypatch.setattr(model, "_train_step", spy)
    model.learn(n_envs * n_steps)
    assert seen == [(2 * n_steps, (2, 8))] * 6  # noptepochs * nminibatches steps of 2 envs


def _rollout_actions(model, n_steps: int = 12):
    env = _memory_env(model.n_envs)
    env.seed(7)
    obs = env.reset()
    state, done = None, [False] * model.n_envs
    actions, states = [], []
    for _ in range(n_steps):
        action, state = model.predict(obs, state=state, mask=done, deterministic=True)
        actions.append(action)
        states.append(state)
        obs, _, done, _ = env.step(action)
    return np.array(actions), np.array(states)


@pytest.mark.parametrize("policy", [MlpLstmPolicy, MlpLnLstmPolicy])
def test_save_load_gives_identical_actions_and_states(tmp_path, policy):
    model = PPO2(policy, _memory_env(2), nminibatches=1, n_steps=8, policy_kwargs=dict(n_lstm=6), seed=3)
    model.learn(64)
    model.save(tmp_path / "lstm")
    loaded = PPO2.load(tmp_path / "lstm.zip")
    assert loaded.policy is policy and loaded.initial_state.shape == (2, 12)
    params = model.get_parameters()
    assert list(loaded.get_parameters()) == list(params)
    for name, value in loaded.get_parameters().items():
        np.testing.assert_array_equal(value, params[name])
    actions, states = _rollout_actions(model)
    loaded_actions, loaded_states = _rollout_actions(loaded)
    np.testing.assert_array_equal(actions, loaded_actions)
    np.testing.assert_array_equal(states, loaded_states)


def test_sb2_parameter_names_legacy_mode():
    model = PPO2(MlpLnLstmPolicy, DummyVecEnv([lambda: gym.make("Pendulum-v1")]), nminibatches=1,
                 policy_kwargs=dict(n_lstm=5))
    shapes = [(name, value.shape) for name, value in model.get_parameters().items()]
    assert shapes == [
        ("model/pi_fc0/w:0", (3, 64)), ("model/pi_fc0/b:0", (64,)),
        ("model/pi_fc1/w:0", (64, 64)), ("model/pi_fc1/b:0", (64,)),
        ("model/lstm1/wx:0", (64, 20)), ("model/lstm1/wh:0", (5, 20)), ("model/lstm1/b:0", (20,)),
        ("model/lstm1/gx:0", (20,)), ("model/lstm1/bx:0", (20,)), ("model/lstm1/gh:0", (20,)),
        ("model/lstm1/bh:0", (20,)), ("model/lstm1/gc:0", (5,)), ("model/lstm1/bc:0", (5,)),
        ("model/vf/w:0", (5, 1)), ("model/vf/b:0", (1,)), ("model/pi/w:0", (5, 1)), ("model/pi/b:0", (1,)),
        ("model/pi/logstd:0", (1, 1)), ("model/q/w:0", (5, 1)), ("model/q/b:0", (1,)),
    ]


def test_sb2_parameter_names_net_arch_mode():
    policy = MlpLstmPolicy(None, spaces.Box(-1, 1, (4,)), spaces.Discrete(2), 2, 1, 2, n_lstm=3,
                           net_arch=[8, "lstm", 6, dict(pi=[5, 4], vf=[7])])
    names = [(p.name, tuple(p.tensor.shape)) for p in policy.sb2_parameters()]
    assert [n for n, _ in names] == [
        "model/shared_fc0/w:0", "model/shared_fc0/b:0", "model/lstm1/wx:0", "model/lstm1/wh:0", "model/lstm1/b:0",
        "model/shared_fc2/w:0", "model/shared_fc2/b:0", "model/pi_fc0/w:0", "model/pi_fc0/b:0", "model/pi_fc1/w:0",
        "model/pi_fc1/b:0", "model/vf_fc0/w:0", "model/vf_fc0/b:0", "model/vf/w:0", "model/vf/b:0", "model/pi/w:0",
        "model/pi/b:0", "model/q/w:0", "model/q/b:0"]
    assert dict(names)["model/lstm1/wx:0"] == (8, 12) and dict(names)["model/pi/w:0"] == (2, 4)
    assert dict(names)["model/q/w:0"] == (2, 7)  # q reads the value latent
    dist, values = policy(torch.zeros(2, 4))
    assert values.shape == (2,) and dist.proba().shape == (2, 2)


@pytest.mark.parametrize("net_arch, error", [
    ([8, dict(pi=[4])], ValueError), ([8, "lstm", "lstm"], ValueError), (["lstm", dict(pi=["lstm"])], NotImplementedError),
    (["lstm", dict(vf=["lstm"])], NotImplementedError), (["lstm", 2.5], AssertionError),
])
def test_net_arch_errors(net_arch, error):
    with pytest.raises(error):
        MlpLstmPolicy(None, spaces.Box(-1, 1, (4,)), spaces.Discrete(2), 1, 1, 1, net_arch=net_arch)


def test_cnn_lstm_policies_and_their_errors():
    ob_space = spaces.Box(0, 255, (36, 36, 1), np.uint8)
    for cls in (CnnLstmPolicy, CnnLnLstmPolicy):
        policy = cls(None, ob_space, spaces.Discrete(3), 2, 1, 2, n_lstm=4)
        actions, values, state, neglogp = policy.step(np.zeros((2, 36, 36, 1), np.uint8))
        assert actions.shape == (2,) and values.shape == (2,) and state.shape == (2, 8) and neglogp.shape == (2,)
        assert [p.name for p in policy.sb2_parameters()][:8] == [
            "model/c1/w:0", "model/c1/b:0", "model/c2/w:0", "model/c2/b:0", "model/c3/w:0", "model/c3/b:0",
            "model/fc1/w:0", "model/fc1/b:0"]
    with pytest.raises(NotImplementedError):
        LstmPolicy(None, ob_space, spaces.Discrete(3), 1, 1, 1, net_arch=["lstm"], feature_extraction="cnn")
    with pytest.raises(ValueError, match="image observations"):
        CnnLstmPolicy(None, spaces.Box(-1, 1, (4,)), spaces.Discrete(2), 1, 1, 1)
    with pytest.raises(ValueError, match="Unknown keywords"):
        MlpLstmPolicy(None, spaces.Box(-1, 1, (4,)), spaces.Discrete(2), 1, 1, 1, foo=1)
    with pytest.warns(DeprecationWarning):
        MlpLstmPolicy(None, spaces.Box(-1, 1, (4,)), spaces.Discrete(2), 1, 1, 1, layers=[8])


def test_set_env_keeps_the_number_of_envs():
    model = PPO2(MlpLstmPolicy, _memory_env(2), nminibatches=1, n_steps=4, policy_kwargs=dict(n_lstm=4))
    with pytest.raises(AssertionError, match="same number of environments"):
        model.set_env(_memory_env(3))


# --- SB2 layout: a NumPy re-statement of SB2's cell (stable_baselines.common.tf_layers.lstm) -------------------------
def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _np_ln(x, gain, bias, eps=1e-5):
    mean = x.mean(axis=1, keepdims=True)
    var = x.var(axis=1, keepdims=True)  # population variance, as tf.nn.moments
    return (x - mean) / np.sqrt(var + eps) * gain + bias


def _np_sb2_lstm_policy(params: dict, obs_seq, masks_seq, state, layer_norm: bool):
    """SB2's MlpLstmPolicy forward (legacy mode, tanh pi_fc layers) over time-major inputs, in float64."""
    p = {k.replace("model/", "").replace(":0", ""): np.asarray(v, np.float64) for k, v in params.items()}
    n = p["lstm1/wh"].shape[0]
    cell, hidden = state[:, :n].astype(np.float64), state[:, n:].astype(np.float64)
    logits, values = [], []
    for obs, mask in zip(obs_seq, masks_seq):
        x = np.tanh(np.tanh(obs @ p["pi_fc0/w"] + p["pi_fc0/b"]) @ p["pi_fc1/w"] + p["pi_fc1/b"])
        cell, hidden = cell * (1 - mask[:, None]), hidden * (1 - mask[:, None])
        if layer_norm:
            z = (_np_ln(x @ p["lstm1/wx"], p["lstm1/gx"], p["lstm1/bx"])
                 + _np_ln(hidden @ p["lstm1/wh"], p["lstm1/gh"], p["lstm1/bh"]) + p["lstm1/b"])
        else:
            z = x @ p["lstm1/wx"] + hidden @ p["lstm1/wh"] + p["lstm1/b"]
        i, f, o, u = np.split(z, 4, axis=1)  # SB2's gate order
        cell = _sigmoid(f) * cell + _sigmoid(i) * np.tanh(u)
        cell_out = _np_ln(cell, p["lstm1/gc"], p["lstm1/bc"]) if layer_norm else cell
        hidden = _sigmoid(o) * np.tanh(cell_out)
        logits.append(hidden @ p["pi/w"] + p["pi/b"])
        values.append((hidden @ p["vf/w"] + p["vf/b"])[:, 0])
    return np.array(logits), np.array(values), np.concatenate([cell, hidden], axis=1)


@pytest.mark.parametrize("policy_cls, layer_norm", [(MlpLstmPolicy, False), (MlpLnLstmPolicy, True)])
def test_sb2_lstm_weights_map_onto_the_policy(policy_cls, layer_norm):
    n_envs, n_lstm, n_steps = 3, 5, 6
    model = PPO2(policy_cls, _memory_env(n_envs), nminibatches=1, n_steps=n_steps, policy_kwargs=dict(n_lstm=n_lstm))
    rng = np.random.default_rng(0)
    # A hand-built SB2 parameter set: SB2's names and TF shapes, random values (LN gains away from 1).
    sb2_params = {name: rng.normal(0.0, 0.5, value.shape).astype(np.float32)
                  for name, value in model.get_parameters().items()}
    model.load_parameters(sb2_params)
    obs_seq = rng.normal(size=(n_steps, n_envs, 3)).astype(np.float32)
    masks_seq = np.zeros((n_steps, n_envs), dtype=np.float32)
    masks_seq[2, 0] = masks_seq[4, 1] = masks_seq[1, 2] = masks_seq[4, 2] = 1.0  # resets inside the sequence
    state0 = rng.normal(size=(n_envs, 2 * n_lstm)).astype(np.float32)
    want_logits, want_values, want_state = _np_sb2_lstm_policy(sb2_params, obs_seq, masks_seq, state0, layer_norm)

    # Acting: one step at a time through model.step / proba_step, threading the state.
    state = state0
    for t in range(n_steps):
        proba = model.proba_step(obs_seq[t], state, masks_seq[t])
        _, values, state, _ = model.step(obs_seq[t], state, masks_seq[t])
        np.testing.assert_allclose(values, want_values[t], atol=1e-5)
        want_proba = np.exp(want_logits[t]) / np.exp(want_logits[t]).sum(axis=1, keepdims=True)
        np.testing.assert_allclose(proba, want_proba, atol=1e-5)
    np.testing.assert_allclose(state, want_state, atol=1e-5)

    # Training: the whole batch of sequences at once (rows env-major).
    policy = model.train_model
    with torch.no_grad():
        dist, values, final = policy.evaluate_sequences(
            torch.as_tensor(obs_seq.swapaxes(0, 1).reshape(-1, 3)), torch.as_tensor(state0),
            torch.as_tensor(masks_seq.T.reshape(-1)))
    np.testing.assert_allclose(values.numpy(), want_values.T.reshape(-1), atol=1e-5)
    want_logits_rows = want_logits.swapaxes(0, 1).reshape(-1, 2)
    want_proba_rows = np.exp(want_logits_rows) / np.exp(want_logits_rows).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(dist.proba().numpy(), want_proba_rows, atol=1e-5)
    np.testing.assert_allclose(final.numpy(), want_state, atol=1e-5)
    assert model.get_parameters()["model/lstm1/wx:0"].shape == (64, 4 * n_lstm)
    np.testing.assert_array_equal(model.get_parameters()["model/lstm1/wx:0"], sb2_params["model/lstm1/wx:0"])


def test_wrong_gate_order_would_be_visible():
    """The comparison above is sensitive to the gate order (guards against a vacuous check)."""
    cell = SB2LSTM(2, 3)
    x, masks, state = torch.randn(4, 2, 2), torch.zeros(4, 2), torch.zeros(2, 6)
    out, _ = cell(x, masks, state)
    with torch.no_grad():  # swap the o and u blocks
        cell.wx.copy_(torch.cat([cell.wx[:, :6], cell.wx[:, 9:], cell.wx[:, 6:9]], dim=1))
        cell.wh.copy_(torch.cat([cell.wh[:, :6], cell.wh[:, 9:], cell.wh[:, 6:9]], dim=1))
    swapped, _ = cell(x, masks, state)
    assert (out - swapped).abs().max() > 1e-2
