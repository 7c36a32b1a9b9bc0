"""PPO2's loss on tiny batches, against numbers computed by hand, for each ``cliprange_vf`` mode."""

import math

import numpy as np
import pytest
import torch

from sb_ppo2 import PPO2
from sb_ppo2.common.identity_env import IdentityEnv
from sb_ppo2.common.vec_env import DummyVecEnv
from sb_ppo2.ppo2.loss import normalize_advantages, ppo2_loss


def test_normalize_advantages_population_std():
    adv = torch.tensor([1.0, 2.0, 3.0, 6.0])
    # mean 3, population variance (4 + 1 + 0 + 9) / 4 = 3.5
    expected = (np.array([1.0, 2.0, 3.0, 6.0]) - 3.0) / (math.sqrt(3.5) + 1e-8)
    np.testing.assert_allclose(normalize_advantages(adv).numpy(), expected, rtol=1e-6)


def test_ppo2_loss_by_hand():
    # Two samples. ratio = exp(old_neglogp - neglogp).
    neglogp = torch.tensor([0.5, 1.0])
    old_neglogp = torch.tensor([0.5 + math.log(1.5), 1.0 + math.log(0.5)])  # ratios 1.5 and 0.5
    adv = torch.tensor([1.0, -1.0])
    returns = torch.tensor([1.0, 0.0])
    values_pred = torch.tensor([0.5, 0.4])
    old_values = torch.tensor([0.0, 0.0])
    entropy = torch.tensor([0.6, 0.8])
    parts = ppo2_loss(neglogp, old_neglogp, adv, returns, values_pred, old_values, entropy, cliprange=0.2,
                      cliprange_vf=0.1, ent_coef=0.01, vf_coef=0.5)
    # pg: sample 0: max(-1*1.5, -1*1.2) = -1.2 ; sample 1: max(1*0.5, 1*0.8) = 0.8 -> mean -0.2
    assert parts.policy_loss.item() == pytest.approx(-0.2, abs=1e-6)
    # vf: clipped preds 0.1 and 0.1 ; sample 0: max(0.25, 0.81) = 0.81 ; sample 1: max(0.16, 0.01) = 0.16
    assert parts.value_loss.item() == pytest.approx(0.5 * (0.81 + 0.16) / 2, abs=1e-6)
    assert parts.policy_entropy.item() == pytest.approx(0.7, abs=1e-6)
    # approxkl = 0.5 * mean((neglogp - old)^2) = 0.5 * mean(log(1.5)^2, log(0.5)^2)
    assert parts.approxkl.item() == pytest.approx(0.25 * (math.log(1.5) ** 2 + math.log(0.5) ** 2), abs=1e-6)
    assert parts.clipfrac.item() == pytest.approx(1.0)  # both |ratio - 1| = 0.5 > 0.2
    assert parts.loss.item() == pytest.approx(-0.2 - 0.01 * 0.7 + 0.5 * 0.2425, abs=1e-6)
    no_clip = ppo2_loss(neglogp, old_neglogp, adv, returns, values_pred, old_values, entropy, 0.2, None, 0.01, 0.5)
    assert no_clip.value_loss.item() == pytest.approx(0.5 * (0.25 + 0.16) / 2, abs=1e-6)


def _tiny_batch(model):
    obs = torch.tensor([0, 1, 0, 1])
    actions = torch.tensor([0, 1, 1, 0])
    returns = torch.tensor([1.0, 0.0, 0.5, 2.0])
    old_values = torch.tensor([0.2, -0.3, 0.9, 1.0])
    with torch.no_grad():
        dist, _ = model.train_model(obs)
        old_neglogp = dist.neglogp(actions) + torch.tensor([0.1, -0.2, 0.05, 0.3])
    return obs, returns, actions, old_values, old_neglogp


def _expected_stats(model, batch, cliprange, cliprange_vf):
    obs, returns, actions, old_values, old_neglogp = (t.double() if t.is_floating_point() else t for t in batch)
    with torch.no_grad():
        dist, values_pred = model.train_model(obs.long())
        neglogp = dist.neglogp(actions).double().numpy()
        entropy = dist.entropy().double().numpy()
        values_pred = values_pred.double().numpy()
    returns, old_values, old_neglogp = returns.numpy(), old_values.numpy(), old_neglogp.numpy()
    adv = returns - old_values
    adv = (adv - adv.mean()) / (adv.std() + 1e-8)
    ratio = np.exp(old_neglogp - neglogp)
    pg = np.mean(np.maximum(-adv * ratio, -adv * np.clip(ratio, 1 - cliprange, 1 + cliprange)))
    clipped = values_pred if cliprange_vf is None else old_values + np.clip(values_pred - old_values, -cliprange_vf,
                                                                            cliprange_vf)
    vf = 0.5 * np.mean(np.maximum((values_pred - returns) ** 2, (clipped - returns) ** 2))
    kl = 0.5 * np.mean((neglogp - old_neglogp) ** 2)
    clipfrac = np.mean(np.abs(ratio - 1) > cliprange)
    return np.array([pg, vf, entropy.mean(), kl, clipfrac])


@pytest.mark.parametrize(("cliprange_vf", "expected_vf_clip"), [
    (None, 0.2),      # SB2 legacy: clip the value with cliprange
    (-1.0, None),     # negative: no value clipping
    (0.05, 0.05),     # separate range
    (lambda frac: 0.03 * frac, 0.03),  # callable of frac (frac = 1 in the first update)
])
def test_train_step_cliprange_vf_modes(cliprange_vf, expected_vf_clip):
    env = DummyVecEnv([lambda: IdentityEnv(2)])
    model = PPO2("MlpPolicy", env, cliprange=0.2, cliprange_vf=cliprange_vf, seed=0, n_steps=4, nminibatches=1)
    batch = _tiny_batch(model)
    expected = _expected_stats(model, batch, 0.2, expected_vf_clip)
    from sb_ppo2.common.schedules import get_schedule_fn

    vf_now = get_schedule_fn(model.cliprange_vf)(1.0)
    obs, returns, actions, old_values, old_neglogp = batch
    stats = model._train_step(0.0, 0.2, obs, returns, torch.zeros(4, dtype=torch.bool), actions, old_values,
                              old_neglogp, 1, None, cliprange_vf=vf_now)
    np.testing.assert_allclose(stats.numpy(), expected, rtol=1e-5, atol=1e-6)


def test_cliprange_vf_none_is_replaced_by_cliprange_at_setup():
    env = DummyVecEnv([lambda: IdentityEnv(2)])
    model = PPO2("MlpPolicy", env, cliprange=0.3)
    assert model.cliprange_vf == 0.3
    model = PPO2("MlpPolicy", env, cliprange=0.3, cliprange_vf=-1)
    assert model.cliprange_vf == -1


def test_global_grad_norm_clipping_matches_tensorflow():
    from sb_ppo2.ppo2.ppo2 import _clip_by_global_norm

    params = [torch.nn.Parameter(torch.zeros(2)), torch.nn.Parameter(torch.zeros(1))]
    params[0].grad = torch.tensor([3.0, 0.0])
    params[1].grad = torch.tensor([4.0])  # global norm 5
    _clip_by_global_norm(params, 0.5)
    np.testing.assert_allclose(params[0].grad.numpy(), [0.3, 0.0], rtol=1e-6)
    np.testing.assert_allclose(params[1].grad.numpy(), [0.4], rtol=1e-6)
    params[0].grad = torch.tensor([0.1, 0.0])
    params[1].grad = torch.tensor([0.0])
    _clip_by_global_norm(params, 0.5)  # below the threshold: untouched
    np.testing.assert_allclose(params[0].grad.numpy(), [0.1, 0.0])
