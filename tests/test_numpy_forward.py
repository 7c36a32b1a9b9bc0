"""The NumPy acting path gives what the torch network gives, for every action space."""

import numpy as np
import pytest
import torch

from sb_ppo2 import PPO2
from sb_ppo2.common.identity_env import IdentityEnv, IdentityEnvBox, IdentityEnvMultiBinary, IdentityEnvMultiDiscrete
from sb_ppo2.common.vec_env import DummyVecEnv

ENVS = {
    "discrete": lambda: IdentityEnv(6),
    "box": lambda: IdentityEnvBox(),
    "multidiscrete": lambda: IdentityEnvMultiDiscrete(4),
    "multibinary": lambda: IdentityEnvMultiBinary(5),
}


@pytest.mark.parametrize("kind", list(ENVS))
@pytest.mark.parametrize("net_arch", [None, [16, dict(pi=[8], vf=[12, 4])]])
def test_numpy_actor_matches_torch(kind, net_arch):
    env_fn = ENVS[kind]
    kwargs = {} if net_arch is None else {"policy_kwargs": {"net_arch": net_arch, "act_fun": torch.relu}}
    model = PPO2("MlpPolicy", DummyVecEnv([env_fn]), seed=0, **kwargs)
    policy = model.act_model
    actor = policy.numpy_actor()
    assert actor is not None
    space = env_fn().observation_space
    space.seed(1)
    obs = np.array([space.sample() for _ in range(32)])
    with torch.no_grad():
        dist, values = policy(torch.as_tensor(obs))
        mode = dist.mode()
        expected_neglogp = dist.neglogp(mode).numpy()
    actions, np_values, np_neglogp = actor.step(obs, deterministic=True)
    np.testing.assert_allclose(np_values, values.numpy(), rtol=1e-5, atol=1e-6)
    if kind == "box":  # continuous means: equal up to float32 rounding
        np.testing.assert_allclose(actions, mode.numpy(), rtol=1e-5, atol=1e-7)
    else:
        np.testing.assert_array_equal(actions, mode.numpy())
    np.testing.assert_allclose(np_neglogp, expected_neglogp, rtol=1e-4, atol=1e-5)
    # sampled actions: their NumPy neglogp equals the torch distribution's
    actions, _, np_neglogp = actor.step(obs, deterministic=False)
    with torch.no_grad():
        torch_neglogp = dist.neglogp(torch.as_tensor(actions)).numpy()
    np.testing.assert_allclose(np_neglogp, torch_neglogp, rtol=1e-4, atol=1e-5)


def test_numpy_actor_sees_parameter_updates_and_is_rebuilt_after_to():
    model = PPO2("MlpPolicy", "CartPole-v1", seed=0)
    obs = np.ones((3, 4), dtype=np.float32)
    before = model.value(obs)
    with torch.no_grad():
        model.act_model.vf.bias.add_(1.0)
    np.testing.assert_allclose(model.value(obs), before + 1.0, rtol=1e-6)
    first = model.act_model.numpy_actor()
    model.act_model.to(torch.float32)
    assert model.act_model.numpy_actor() is not first


def test_cnn_policy_acts_with_torch():
    import gymnasium as gym

    class Images(gym.Env):
        observation_space = gym.spaces.Box(0, 255, (36, 36, 3), np.uint8)
        action_space = gym.spaces.Discrete(3)

    model = PPO2("CnnPolicy", Images())
    assert model.act_model.numpy_actor() is None
    actions, _ = model.predict(np.zeros((2, 36, 36, 3), dtype=np.uint8))
    assert actions.shape == (2,)
