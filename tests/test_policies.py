"""Tests of sb_ppo2.common.policies / torch_layers / distributions: SB2's names, shapes, init and maths."""

from __future__ import annotations

import math
import types
import warnings

import gymnasium
import numpy as np
import pytest
import torch
from gymnasium import spaces
from torch import nn

from sb_ppo2 import PPO2
from sb_ppo2.common import policies as policies_module
from sb_ppo2.common.distributions import (
    BernoulliProbabilityDistribution,
    CategoricalProbabilityDistribution,
    DiagGaussianProbabilityDistribution,
    MultiCategoricalProbabilityDistribution,
    make_distribution,
)
from sb_ppo2.common.policies import (
    ActorCriticPolicy,
    BasePolicy,
    CnnPolicy,
    FeedForwardPolicy,
    MlpPolicy,
    get_policy_from_name,
    register_policy,
)
from sb_ppo2.common.torch_layers import get_activation
from sb_ppo2.common.vec_env import DummyVecEnv


class SpaceEnv(gymnasium.Env):
    """A do-nothing gymnasium env with the given spaces."""

    def __init__(self, observation_space, action_space):
        self.observation_space = observation_space
        self.action_space = action_space

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        return self.observation_space.sample(), {}

    def step(self, action):
        return self.observation_space.sample(), 0.0, False, False, {}


def make_model(ob_space, ac_space, policy="MlpPolicy", **policy_kwargs):
    venv = DummyVecEnv([lambda: SpaceEnv(ob_space, ac_space)])
    return PPO2(policy, venv, policy_kwargs=policy_kwargs or None)


def shapes_of(model):
    return [(name, tuple(value.shape)) for name, value in model.get_parameters().items()]


BOX4 = spaces.Box(-1.0, 1.0, (4,), np.float32)
IMG = spaces.Box(0, 255, (84, 84, 4), np.uint8)


@pytest.fixture(scope="module")
def cnn_model():
    return make_model(IMG, spaces.Discrete(6), policy="CnnPolicy")


# --------------------------------------------------------------------------------------------------------------
# Parameter names, order and shapes (spec 3.6 / file format 8.1-8.2)
# --------------------------------------------------------------------------------------------------------------
def test_mlp_cartpole_parameter_list():
    model = PPO2("MlpPolicy", "CartPole-v1")
    assert shapes_of(model) == [
        ("model/pi_fc0/w:0", (4, 64)), ("model/pi_fc0/b:0", (64,)),
        ("model/vf_fc0/w:0", (4, 64)), ("model/vf_fc0/b:0", (64,)),
        ("model/pi_fc1/w:0", (64, 64)), ("model/pi_fc1/b:0", (64,)),
        ("model/vf_fc1/w:0", (64, 64)), ("model/vf_fc1/b:0", (64,)),
        ("model/vf/w:0", (64, 1)), ("model/vf/b:0", (1,)),
        ("model/pi/w:0", (64, 2)), ("model/pi/b:0", (2,)),
        ("model/q/w:0", (64, 2)), ("model/q/b:0", (2,)),
    ]
    assert all(value.dtype == np.float32 for value in model.get_parameters().values())
    assert len(model.get_parameter_list()) == 14


def test_box_actions_logstd_after_pi_before_q():
    model = make_model(BOX4, spaces.Box(-2.0, 2.0, (3,), np.float32))
    names = shapes_of(model)
    assert [n for n, _ in names[-7:]] == ["model/vf/w:0", "model/vf/b:0", "model/pi/w:0", "model/pi/b:0",
                                          "model/pi/logstd:0", "model/q/w:0", "model/q/b:0"]
    assert dict(names)["model/pi/logstd:0"] == (1, 3)
    assert dict(names)["model/q/w:0"] == (64, 3)
    np.testing.assert_array_equal(model.get_parameters()["model/pi/logstd:0"], np.zeros((1, 3)))


def test_shared_then_split_net_arch():
    model = make_model(BOX4, spaces.Discrete(5), net_arch=[128, dict(pi=[64], vf=[32, 32])])
    assert shapes_of(model) == [
        ("model/shared_fc0/w:0", (4, 128)), ("model/shared_fc0/b:0", (128,)),
        ("model/pi_fc0/w:0", (128, 64)), ("model/pi_fc0/b:0", (64,)),
        ("model/vf_fc0/w:0", (128, 32)), ("model/vf_fc0/b:0", (32,)),
        ("model/vf_fc1/w:0", (32, 32)), ("model/vf_fc1/b:0", (32,)),
        ("model/vf/w:0", (32, 1)), ("model/vf/b:0", (1,)),
        ("model/pi/w:0", (64, 5)), ("model/pi/b:0", (5,)),
        ("model/q/w:0", (32, 5)), ("model/q/b:0", (5,)),  # q hangs on the value latent
    ]


def test_shared_index_is_position_in_net_arch_and_pi_deeper_than_vf():
    model = make_model(BOX4, spaces.Discrete(2), net_arch=[8, 16, dict(pi=[4, 4, 4], vf=[6])])
    assert [n for n, _ in shapes_of(model)][::2] == [
        "model/shared_fc0/w:0", "model/shared_fc1/w:0", "model/pi_fc0/w:0", "model/vf_fc0/w:0",
        "model/pi_fc1/w:0", "model/pi_fc2/w:0", "model/vf/w:0", "model/pi/w:0", "model/q/w:0"]


def test_fully_shared_net_arch_and_forward_by_hand():
    model = make_model(BOX4, spaces.Discrete(3), net_arch=[64, 64])
    assert shapes_of(model) == [
        ("model/shared_fc0/w:0", (4, 64)), ("model/shared_fc0/b:0", (64,)),
        ("model/shared_fc1/w:0", (64, 64)), ("model/shared_fc1/b:0", (64,)),
        ("model/vf/w:0", (64, 1)), ("model/vf/b:0", (1,)),
        ("model/pi/w:0", (64, 3)), ("model/pi/b:0", (3,)),
        ("model/q/w:0", (64, 3)), ("model/q/b:0", (3,)),
    ]
    params = model.get_parameters()
    obs = np.random.RandomState(0).uniform(-1, 1, (5, 4)).astype(np.float32)
    latent = np.tanh(np.tanh(obs @ params["model/shared_fc0/w:0"]) @ params["model/shared_fc1/w:0"])
    probs = model.act_model.proba_step(obs)
    logits = latent @ params["model/pi/w:0"]
    expected = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
    np.testing.assert_allclose(probs, expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(model.act_model.value(obs), (latent @ params["model/vf/w:0"])[:, 0], rtol=1e-4,
                               atol=1e-6)


def test_split_forward_by_hand_uses_the_right_towers():
    model = make_model(BOX4, spaces.Discrete(2), net_arch=[16, dict(pi=[8], vf=[12, 6])], act_fun=torch.relu)
    rng = np.random.RandomState(1)
    # Random non-zero biases, so that a bias mix-up would show.
    params = {k: rng.normal(size=v.shape).astype(np.float32) * 0.5 for k, v in model.get_parameters().items()}
    model.load_parameters(params)

    def dense(x, name, act=True):
        out = x @ params[f"model/{name}/w:0"] + params[f"model/{name}/b:0"]
        return np.maximum(out, 0) if act else out

    obs = rng.uniform(-1, 1, (7, 4)).astype(np.float32)
    shared = dense(obs, "shared_fc0")
    latent_pi = dense(shared, "pi_fc0")
    latent_vf = dense(dense(shared, "vf_fc0"), "vf_fc1")
    logits = dense(latent_pi, "pi", act=False)
    expected = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
    np.testing.assert_allclose(model.act_model.proba_step(obs), expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(model.act_model.value(obs), dense(latent_vf, "vf", act=False)[:, 0], rtol=1e-5,
                               atol=1e-5)


def test_cnn_parameter_list(cnn_model):
    assert shapes_of(cnn_model) == [
        ("model/c1/w:0", (8, 8, 4, 32)), ("model/c1/b:0", (1, 32, 1, 1)),
        ("model/c2/w:0", (4, 4, 32, 64)), ("model/c2/b:0", (1, 64, 1, 1)),
        ("model/c3/w:0", (3, 3, 64, 64)), ("model/c3/b:0", (1, 64, 1, 1)),
        ("model/fc1/w:0", (3136, 512)), ("model/fc1/b:0", (512,)),
        ("model/vf/w:0", (512, 1)), ("model/vf/b:0", (1,)),
        ("model/pi/w:0", (512, 6)), ("model/pi/b:0", (6,)),
        ("model/q/w:0", (512, 6)), ("model/q/b:0", (6,)),
    ]
    assert isinstance(cnn_model.act_model, CnnPolicy)


def test_cnn_scales_images_mlp_does_not(cnn_model):
    policy = cnn_model.act_model
    obs = torch.full((2, 84, 84, 4), 255, dtype=torch.uint8)
    processed = policy.preprocess(obs)
    assert processed.dtype == torch.float32
    torch.testing.assert_close(processed, torch.ones(2, 84, 84, 4))
    obs = torch.as_tensor(np.random.RandomState(0).randint(0, 256, (2, 84, 84, 4)), dtype=torch.uint8)
    torch.testing.assert_close(policy.preprocess(obs), obs.float() / 255.0)

    mlp = MlpPolicy(None, spaces.Box(0, 255, (3,), np.uint8), spaces.Discrete(2), 1, 1, 1)
    raw = torch.tensor([[0, 128, 255]], dtype=torch.uint8)
    torch.testing.assert_close(mlp.preprocess(raw), torch.tensor([[0.0, 128.0, 255.0]]))


def _conv_nhwc(x, w_hwio, b, stride):
    """TF's VALID conv2d in NHWC with HWIO weights, in numpy."""
    kh, kw = w_hwio.shape[:2]
    windows = np.lib.stride_tricks.sliding_window_view(x, (kh, kw), axis=(1, 2))[:, ::stride, ::stride]
    return np.einsum("nhwcij,ijco->nhwo", windows, w_hwio) + b.reshape(-1)


def test_cnn_forward_matches_tf_layout_by_hand():
    """Through get/load_parameters in SB2's layout: conv HWIO, bias [1,C,1,1], fc1 rows in (h, w, c) order."""
    ob_space = spaces.Box(0, 255, (44, 44, 2), np.uint8)  # 44 -> 10 -> 4 -> 2: fc1 takes 2*2*64 inputs
    # act_fun and net_arch do not apply to the CNN branch (SB2: ReLU in nature_cnn, net_arch ignored).
    model = make_model(ob_space, spaces.Discrete(3), policy="CnnPolicy", act_fun=torch.tanh, net_arch=[7])
    rng = np.random.RandomState(0)
    params = {}
    for name, value in model.get_parameters().items():
        scale = 1.0 / np.sqrt(np.prod(value.shape[:-1])) if value.ndim > 1 and "/b:" not in name else 0.1
        params[name] = (rng.normal(size=value.shape) * scale).astype(np.float32)
    assert params["model/fc1/w:0"].shape == (256, 512)
    model.load_parameters(params)
    obs = rng.randint(0, 256, (3, 44, 44, 2)).astype(np.uint8)
    x = obs.astype(np.float64) / 255.0
    for name, stride in (("c1", 4), ("c2", 2), ("c3", 1)):
        x = np.maximum(_conv_nhwc(x, params[f"model/{name}/w:0"], params[f"model/{name}/b:0"], stride), 0)
    latent = np.maximum(x.reshape(3, -1) @ params["model/fc1/w:0"] + params["model/fc1/b:0"], 0)
    logits = latent @ params["model/pi/w:0"] + params["model/pi/b:0"]
    np.testing.assert_allclose(model.act_model.proba_step(obs), _softmax(logits), rtol=1e-4, atol=1e-5)
    values = latent @ params["model/vf/w:0"] + params["model/vf/b:0"]
    np.testing.assert_allclose(model.act_model.value(obs), values[:, 0], rtol=1e-4, atol=1e-4)


def test_cnn_with_unbounded_box_is_not_scaled():
    policy = CnnPolicy(None, spaces.Box(-np.inf, np.inf, (36, 36, 1), np.float32), spaces.Discrete(2), 1, 1, 1)
    obs = torch.full((1, 36, 36, 1), 7.0)
    torch.testing.assert_close(policy.preprocess(obs), obs)


# --------------------------------------------------------------------------------------------------------------
# Initialisation
# --------------------------------------------------------------------------------------------------------------
def _assert_orthogonal(w_tf: np.ndarray, gain: float, atol: float):
    """``w_tf`` in TF layout (in, out): the smaller side is orthonormal up to ``gain``."""
    n_in, n_out = w_tf.shape
    gram = w_tf.T @ w_tf if n_in >= n_out else w_tf @ w_tf.T
    np.testing.assert_allclose(gram, gain**2 * np.eye(gram.shape[0]), atol=atol)


def test_mlp_initialisation():
    model = make_model(BOX4, spaces.Box(-1, 1, (2,), np.float32))
    params = model.get_parameters()
    for name, value in params.items():
        if name.endswith("/b:0") or name.endswith("logstd:0"):
            np.testing.assert_array_equal(value, 0.0, err_msg=name)
    square = params["model/pi_fc1/w:0"]
    np.testing.assert_allclose(square.T @ square, 2.0 * np.eye(64), atol=1e-4)
    np.testing.assert_allclose(params["model/vf_fc1/w:0"].T @ params["model/vf_fc1/w:0"], 2.0 * np.eye(64), atol=1e-4)
    _assert_orthogonal(params["model/pi_fc0/w:0"], math.sqrt(2), 1e-4)
    _assert_orthogonal(params["model/vf_fc0/w:0"], math.sqrt(2), 1e-4)
    _assert_orthogonal(params["model/pi/w:0"], 0.01, 1e-7)
    _assert_orthogonal(params["model/q/w:0"], 0.01, 1e-7)
    _assert_orthogonal(params["model/vf/w:0"], 1.0, 1e-5)
    assert np.abs(params["model/pi/w:0"]).max() < 0.01 and np.abs(params["model/q/w:0"]).max() < 0.01


def test_cnn_initialisation(cnn_model):
    params = cnn_model.get_parameters()
    for name in ("c1", "c2", "c3"):
        w = params[f"model/{name}/w:0"]
        _assert_orthogonal(w.reshape(-1, w.shape[-1]), math.sqrt(2), 1e-4)  # SB2's (H*W*in, out) layout
        np.testing.assert_array_equal(params[f"model/{name}/b:0"], 0.0)
    _assert_orthogonal(params["model/fc1/w:0"], math.sqrt(2), 1e-3)
    _assert_orthogonal(params["model/pi/w:0"], 0.01, 1e-7)


# --------------------------------------------------------------------------------------------------------------
# Constructor arguments and errors
# --------------------------------------------------------------------------------------------------------------
def test_layers_deprecated_gives_separate_towers():
    with pytest.warns(DeprecationWarning, match="layers"):
        model = make_model(BOX4, spaces.Discrete(2), layers=[16])
    assert shapes_of(model) == [
        ("model/pi_fc0/w:0", (4, 16)), ("model/pi_fc0/b:0", (16,)),
        ("model/vf_fc0/w:0", (4, 16)), ("model/vf_fc0/b:0", (16,)),
        ("model/vf/w:0", (16, 1)), ("model/vf/b:0", (1,)),
        ("model/pi/w:0", (16, 2)), ("model/pi/b:0", (2,)),
        ("model/q/w:0", (16, 2)), ("model/q/b:0", (2,)),
    ]


def test_layers_and_net_arch_net_arch_wins():
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        policy = MlpPolicy(None, BOX4, spaces.Discrete(2), 1, 1, 1, layers=[16], net_arch=[8])
    deprecations = [w for w in record if issubclass(w.category, DeprecationWarning)]
    assert len(deprecations) == 2
    assert [p.name for p in policy.sb2_parameters()][:2] == ["model/shared_fc0/w:0", "model/shared_fc0/b:0"]
    assert policy.pi.in_features == 8


def test_empty_layers_means_no_hidden_layer():
    with pytest.warns(DeprecationWarning):
        policy = MlpPolicy(None, BOX4, spaces.Discrete(2), 1, 1, 1, layers=[])
    assert [p.name for p in policy.sb2_parameters()] == [
        "model/vf/w:0", "model/vf/b:0", "model/pi/w:0", "model/pi/b:0", "model/q/w:0", "model/q/b:0"]
    assert policy.pi.in_features == 4


def test_default_net_arch_without_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        policy = MlpPolicy(None, BOX4, spaces.Discrete(2), 1, 1, 1)
    assert policy.net_arch == [dict(vf=[64, 64], pi=[64, 64])]


def test_unknown_policy_kwarg_with_mlp():
    with pytest.raises(ValueError, match="Unknown keywords for policy"):
        make_model(BOX4, spaces.Discrete(2), not_a_kwarg=3)
    with pytest.raises(ValueError, match="Unknown keywords for policy"):
        MlpPolicy(None, BOX4, spaces.Discrete(2), 1, 1, 1, n_lstm=4)


@pytest.mark.parametrize("net_arch", [["64"], [64, "lstm"], [dict(pi=64)], [dict(vf=[32, "a"])], [dict(pi=[1.5])]])
def test_invalid_net_arch_assertion(net_arch):
    with pytest.raises(AssertionError):
        MlpPolicy(None, BOX4, spaces.Discrete(2), 1, 1, 1, net_arch=net_arch)


def test_net_arch_entries_after_dict_ignored():
    policy = MlpPolicy(None, BOX4, spaces.Discrete(2), 1, 1, 1, net_arch=[dict(pi=[8]), 32, "junk"])
    assert [p.name for p in policy.sb2_parameters()][:2] == ["model/pi_fc0/w:0", "model/pi_fc0/b:0"]
    assert policy.vf.in_features == 4


@pytest.mark.parametrize("ob_space", [spaces.Dict({"a": BOX4}), spaces.Tuple((BOX4, spaces.Discrete(2)))])
def test_unsupported_observation_space(ob_space):
    with pytest.raises(NotImplementedError, match=type(ob_space).__name__):
        MlpPolicy(None, ob_space, spaces.Discrete(2), 1, 1, 1)
    with pytest.raises(NotImplementedError, match=type(ob_space).__name__):
        make_model(ob_space, spaces.Discrete(2))


def test_unsupported_action_spaces():
    with pytest.raises(AssertionError, match="vector"):
        MlpPolicy(None, BOX4, spaces.Box(-1, 1, (2, 2), np.float32), 1, 1, 1)
    with pytest.raises(NotImplementedError):
        MlpPolicy(None, BOX4, spaces.Tuple((spaces.Discrete(2),)), 1, 1, 1)


def test_positional_constructor_and_base_properties():
    policy = MlpPolicy(None, BOX4, spaces.Discrete(2), 4, 8, 32, False, net_arch=[8])
    assert isinstance(policy, FeedForwardPolicy) and isinstance(policy, ActorCriticPolicy)
    assert (policy.n_env, policy.n_steps, policy.n_batch) == (4, 8, 32)
    assert policy.is_discrete and policy.initial_state is None and not policy.recurrent
    actions, values, states, neglogp = policy.step(np.zeros((3, 4), np.float32))
    assert actions.shape == (3,) and values.shape == (3,) and states is None and neglogp.shape == (3,)


# --------------------------------------------------------------------------------------------------------------
# Observation preprocessing
# --------------------------------------------------------------------------------------------------------------
def test_discrete_observation_one_hot():
    policy = MlpPolicy(None, spaces.Discrete(5), spaces.Discrete(2), 1, 1, 1)
    out = policy.preprocess(torch.tensor([1, 4, 0]))
    torch.testing.assert_close(out, torch.eye(5)[[1, 4, 0]])
    assert policy.sb2_parameters()[0].tensor.shape == (64, 5)
    actions, *_ = policy.step(np.array([0, 3]))
    assert actions.shape == (2,)


def test_multidiscrete_observation_concatenated_one_hots():
    policy = MlpPolicy(None, spaces.MultiDiscrete([2, 3]), spaces.Discrete(2), 1, 1, 1)
    out = policy.preprocess(torch.tensor([[1, 2], [0, 0]]))
    torch.testing.assert_close(out, torch.tensor([[0.0, 1.0, 0.0, 0.0, 1.0], [1.0, 0.0, 1.0, 0.0, 0.0]]))
    assert policy.sb2_parameters()[0].tensor.shape == (64, 5)


def test_multibinary_observation_float():
    policy = MlpPolicy(None, spaces.MultiBinary(3), spaces.Discrete(2), 1, 1, 1)
    out = policy.preprocess(torch.tensor([[1, 0, 1]], dtype=torch.int8))
    assert out.dtype == torch.float32
    torch.testing.assert_close(out, torch.tensor([[1.0, 0.0, 1.0]]))


# --------------------------------------------------------------------------------------------------------------
# Distributions
# --------------------------------------------------------------------------------------------------------------
def _softmax(logits):
    exp = np.exp(logits - logits.max(-1, keepdims=True))
    return exp / exp.sum(-1, keepdims=True)


def test_categorical_formulas():
    logits = np.array([[1.0, 2.0, 3.0], [0.5, -1.0, 0.0]])
    dist = CategoricalProbabilityDistribution(torch.tensor(logits))
    probs = _softmax(logits)
    actions = np.array([2, 1])
    np.testing.assert_allclose(dist.neglogp(torch.tensor(actions)).numpy(), -np.log(probs[[0, 1], actions]))
    np.testing.assert_allclose(dist.entropy().numpy(), -(probs * np.log(probs)).sum(-1))
    np.testing.assert_allclose(dist.proba().numpy(), probs)
    np.testing.assert_array_equal(dist.mode().numpy(), [2, 0])
    np.testing.assert_allclose(dist.logp(torch.tensor(actions)).numpy(), np.log(probs[[0, 1], actions]))


def test_diag_gaussian_formulas():
    mean = np.array([[0.5, -1.0], [2.0, 0.0]])
    logstd = np.array([[0.3, -0.7]])
    dist = DiagGaussianProbabilityDistribution(torch.tensor(mean), torch.tensor(logstd))
    x = np.array([[1.0, 0.0], [1.5, -2.0]])
    std = np.exp(logstd)
    expected = 0.5 * (((x - mean) / std) ** 2).sum(-1) + 0.5 * 2 * np.log(2 * np.pi) + logstd.sum()
    np.testing.assert_allclose(dist.neglogp(torch.tensor(x)).numpy(), expected)
    # Same as the sum of per-dimension normal log-densities.
    ref = -torch.distributions.Normal(torch.tensor(mean), torch.tensor(std)).log_prob(torch.tensor(x)).sum(-1)
    np.testing.assert_allclose(dist.neglogp(torch.tensor(x)).numpy(), ref.numpy())
    np.testing.assert_allclose(dist.entropy().numpy(), [(logstd + 0.5 * np.log(2 * np.pi * np.e)).sum()] * 2)
    np.testing.assert_array_equal(dist.mode().numpy(), mean)
    proba_mean, proba_std = dist.proba()
    np.testing.assert_allclose(proba_std.numpy(), np.broadcast_to(std, (2, 2)))
    np.testing.assert_array_equal(proba_mean.numpy(), mean)


def test_multicategorical_formulas():
    nvec = [2, 3]
    flat = np.array([[0.1, 0.9, 1.0, -1.0, 0.5]])
    dist = MultiCategoricalProbabilityDistribution(nvec, torch.tensor(flat))
    p1, p2 = _softmax(flat[:, :2]), _softmax(flat[:, 2:])
    x = torch.tensor([[1, 2]])
    np.testing.assert_allclose(dist.neglogp(x).numpy(), -np.log(p1[0, 1]) - np.log(p2[0, 2]))
    np.testing.assert_allclose(dist.entropy().numpy(), -(p1 * np.log(p1)).sum() - (p2 * np.log(p2)).sum())
    np.testing.assert_array_equal(dist.mode().numpy(), [[1, 0]])
    proba = dist.proba()
    assert isinstance(proba, list) and [p.shape[-1] for p in proba] == nvec


def test_bernoulli_formulas():
    logits = np.array([[0.3, -2.0, 1.5]])
    dist = BernoulliProbabilityDistribution(torch.tensor(logits))
    p = 1 / (1 + np.exp(-logits))
    x = np.array([[1.0, 0.0, 0.0]])
    expected = -(x * np.log(p) + (1 - x) * np.log(1 - p)).sum(-1)
    np.testing.assert_allclose(dist.neglogp(torch.tensor(x)).numpy(), expected)
    np.testing.assert_allclose(dist.entropy().numpy(), -(p * np.log(p) + (1 - p) * np.log(1 - p)).sum(-1))
    np.testing.assert_array_equal(dist.mode().numpy(), [[1.0, 0.0, 1.0]])
    np.testing.assert_allclose(dist.proba().numpy(), p)


def test_sampling_frequencies():
    torch.manual_seed(0)
    n = 20000
    probs = np.array([0.2, 0.3, 0.5])
    cat = CategoricalProbabilityDistribution(torch.log(torch.tensor(probs)).expand(n, 3))
    counts = np.bincount(cat.sample().numpy(), minlength=3) / n
    np.testing.assert_allclose(counts, probs, atol=0.02)

    bern_p = np.array([0.1, 0.8])
    bern = BernoulliProbabilityDistribution(torch.logit(torch.tensor(bern_p)).expand(n, 2))
    sample = bern.sample()
    assert sample.dtype == torch.float64 and set(np.unique(sample.numpy())) <= {0.0, 1.0}
    np.testing.assert_allclose(sample.numpy().mean(0), bern_p, atol=0.02)

    gauss = DiagGaussianProbabilityDistribution(torch.tensor([[1.0, -3.0]]).expand(n, 2),
                                                torch.log(torch.tensor([[0.5, 2.0]])))
    draws = gauss.sample().numpy()
    np.testing.assert_allclose(draws.mean(0), [1.0, -3.0], atol=0.05)
    np.testing.assert_allclose(draws.std(0), [0.5, 2.0], rtol=0.05)

    multi = MultiCategoricalProbabilityDistribution([2, 3], torch.log(torch.tensor([0.9, 0.1, 0.1, 0.1, 0.8])).expand(n, 5))
    draws = multi.sample().numpy()
    assert draws.shape == (n, 2)
    np.testing.assert_allclose(np.bincount(draws[:, 0], minlength=2) / n, [0.9, 0.1], atol=0.02)
    np.testing.assert_allclose(np.bincount(draws[:, 1], minlength=3) / n, [0.1, 0.1, 0.8], atol=0.02)


def test_make_distribution_by_space_and_policy_step_dtypes():
    flat = torch.zeros(2, 3)
    assert isinstance(make_distribution(spaces.Discrete(3), flat), CategoricalProbabilityDistribution)
    assert isinstance(make_distribution(spaces.MultiBinary(3), flat), BernoulliProbabilityDistribution)
    assert isinstance(make_distribution(spaces.MultiDiscrete([1, 2]), flat), MultiCategoricalProbabilityDistribution)
    assert isinstance(make_distribution(spaces.Box(-1, 1, (3,)), flat, torch.zeros(1, 3)),
                      DiagGaussianProbabilityDistribution)
    obs = np.zeros((5, 4), np.float32)
    for ac_space, shape in [(spaces.Discrete(3), (5,)), (spaces.MultiDiscrete([2, 3]), (5, 2)),
                            (spaces.MultiBinary(4), (5, 4)), (spaces.Box(-1, 1, (2,), np.float32), (5, 2))]:
        policy = MlpPolicy(None, BOX4, ac_space, 1, 1, 1, net_arch=[8])
        actions, values, _, neglogp = policy.step(obs)
        assert actions.shape == shape and values.shape == (5,) and neglogp.shape == (5,)
        if isinstance(ac_space, spaces.Box | spaces.MultiBinary):
            assert actions.dtype == np.float32
        else:
            assert actions.dtype == np.int64
        det_actions, *_ = policy.step(obs, deterministic=True)
        det_again, *_ = policy.step(obs, deterministic=True)
        np.testing.assert_array_equal(det_actions, det_again)


# --------------------------------------------------------------------------------------------------------------
# Activations
# --------------------------------------------------------------------------------------------------------------
def _fake_tf_relu():
    fake_tf = types.ModuleType("tensorflow")
    exec("def relu(x):\n    raise RuntimeError('TensorFlow op called')\n", fake_tf.__dict__)
    assert fake_tf.relu.__module__ == "tensorflow"
    return fake_tf.relu


@pytest.mark.parametrize("act_fun", [torch.relu, nn.ReLU, nn.ReLU(), "relu", "ReLU", "fake_tf"],
                         ids=["torch.relu", "nn.ReLU", "nn.ReLU()", "str", "str-case", "tensorflow"])
def test_act_fun_relu_variants(act_fun):
    if act_fun == "fake_tf":
        act_fun = _fake_tf_relu()
    activation = get_activation(act_fun)
    torch.testing.assert_close(activation(torch.tensor([-1.0, 0.5])), torch.tensor([0.0, 0.5]))
    policy = MlpPolicy(None, BOX4, spaces.Discrete(2), 1, 1, 1, net_arch=[8], act_fun=act_fun)
    obs = torch.randn(3, 4)
    layer = policy.shared_net[0]
    torch.testing.assert_close(policy.extract_latent(obs)[0], torch.relu(layer(obs)))


def test_act_fun_tf_tanh_by_name_and_unknown_string():
    fake_tf = types.ModuleType("tensorflow")
    exec("def tanh(x):\n    raise RuntimeError('TensorFlow op called')\n", fake_tf.__dict__)
    torch.testing.assert_close(get_activation(fake_tf.tanh)(torch.tensor([0.5])), torch.tanh(torch.tensor([0.5])))
    with pytest.raises(ValueError):
        get_activation("not-an-activation")
    custom = get_activation(lambda x: x * 3)
    torch.testing.assert_close(custom(torch.tensor([1.0])), torch.tensor([3.0]))


def test_ppo2_with_fake_tf_activation():
    model = make_model(BOX4, spaces.Discrete(2), act_fun=_fake_tf_relu(), net_arch=[8])
    action, _ = model.predict(np.zeros(4, np.float32))
    assert action.shape == ()


# --------------------------------------------------------------------------------------------------------------
# Registry
# --------------------------------------------------------------------------------------------------------------
def test_register_policy_duplicate_raises_even_for_same_class():
    class CustomPolicy(FeedForwardPolicy):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs, net_arch=[dict(pi=[4], vf=[4])], feature_extraction="mlp")

    registry = policies_module._policy_registry[ActorCriticPolicy]
    try:
        register_policy("TestCustomPolicyXYZ", CustomPolicy)
        assert get_policy_from_name(ActorCriticPolicy, "TestCustomPolicyXYZ") is CustomPolicy
        with pytest.raises(ValueError, match="the name TestCustomPolicyXYZ is alreay registered"):
            register_policy("TestCustomPolicyXYZ", CustomPolicy)
        with pytest.raises(ValueError):
            register_policy("MlpPolicy", MlpPolicy)
        model = PPO2("TestCustomPolicyXYZ", DummyVecEnv([lambda: SpaceEnv(BOX4, spaces.Discrete(2))]))
        assert shapes_of(model)[0] == ("model/pi_fc0/w:0", (4, 4))
    finally:
        registry.pop("TestCustomPolicyXYZ", None)
    assert registry["MlpPolicy"] is MlpPolicy


def test_register_non_policy_raises():
    with pytest.raises(ValueError):
        register_policy("NotAPolicyXYZ", nn.Module)
    assert "NotAPolicyXYZ" not in policies_module._policy_registry[ActorCriticPolicy]


def test_get_policy_from_name():
    assert get_policy_from_name(ActorCriticPolicy, "MlpPolicy") is MlpPolicy
    assert get_policy_from_name(ActorCriticPolicy, "CnnPolicy") is CnnPolicy
    with pytest.raises(ValueError, match="unknown policy type NoSuchPolicy") as excinfo:
        get_policy_from_name(ActorCriticPolicy, "NoSuchPolicy")
    assert "MlpPolicy" in str(excinfo.value) and "CnnPolicy" in str(excinfo.value)
    with pytest.raises(ValueError, match="not registered"):
        get_policy_from_name(BasePolicy, "MlpPolicy")
    with pytest.raises(ValueError, match="unknown policy type"):
        PPO2("NoSuchPolicy", DummyVecEnv([lambda: SpaceEnv(BOX4, spaces.Discrete(2))]))
