"""RunningMeanStd: parallel merge of moments, defaults, and pickle compatibility with SB2."""

import io
import os
import pickle

import numpy as np
import pytest

from sb_ppo2.common.running_mean_std import RunningMeanStd

SB2_OBS_RMS = "/work/shared/fixtures/sb2_zoo/Acrobot-v1/obs_rms.pkl"


def test_defaults():
    rms = RunningMeanStd(shape=(3,))
    assert rms.mean.dtype == np.float64 and rms.var.dtype == np.float64
    np.testing.assert_array_equal(rms.mean, np.zeros(3))
    np.testing.assert_array_equal(rms.var, np.ones(3))
    assert rms.count == 1e-4
    assert RunningMeanStd().mean.shape == ()


def test_epsilon_zero_matches_moments_of_concatenated_data():
    rng = np.random.default_rng(0)
    batches = [rng.normal(loc=3.0, scale=2.0, size=(n, 2)) for n in (5, 7, 11)]
    rms = RunningMeanStd(epsilon=0.0, shape=(2,))
    for batch in batches:
        rms.update(batch)
    data = np.concatenate(batches)
    np.testing.assert_allclose(rms.mean, data.mean(axis=0))
    np.testing.assert_allclose(rms.var, data.var(axis=0))
    assert rms.count == 23


def test_default_epsilon_hand_computed():
    rms = RunningMeanStd()
    rms.update(np.array([1.0, 3.0]))  # batch mean 2, var 1, count 2
    total = 2.0001
    assert rms.count == pytest.approx(total)
    assert rms.mean == pytest.approx(2 * 2 / total)
    # M2 = var*count + batch_var*batch_count + delta^2 * count * batch_count / total
    assert rms.var == pytest.approx((1e-4 + 2 + 4 * 1e-4 * 2 / total) / total)


def test_update_from_moments_equals_update():
    rng = np.random.default_rng(1)
    batch = rng.uniform(size=(6, 4)).astype(np.float32)
    by_update, by_moments = RunningMeanStd(shape=(4,)), RunningMeanStd(shape=(4,))
    by_update.update(batch)
    by_moments.update_from_moments(batch.mean(axis=0), batch.var(axis=0), 6)
    np.testing.assert_allclose(by_update.mean, by_moments.mean)
    np.testing.assert_allclose(by_update.var, by_moments.var)
    assert by_update.count == by_moments.count
    assert by_update.mean.dtype == np.float64  # float32 data does not downcast the statistics


def test_pickle_round_trip_holds_only_mean_var_count():
    rms = RunningMeanStd(shape=(2,))
    rms.update(np.array([[1.0, 2.0], [3.0, 5.0]]))
    assert set(vars(rms)) == {"mean", "var", "count"}
    restored = pickle.loads(pickle.dumps(rms))
    np.testing.assert_array_equal(restored.mean, rms.mean)
    np.testing.assert_array_equal(restored.var, rms.var)
    assert restored.count == rms.count


class _SB2Unpickler(pickle.Unpickler):
    """Map SB2's module path of the class onto ours (what the compat layer does for real)."""

    def find_class(self, module, name):
        if module == "stable_baselines.common.running_mean_std":
            return RunningMeanStd
        return super().find_class(module, name)


@pytest.mark.skipif(not os.path.exists(SB2_OBS_RMS), reason="SB2 zoo fixtures not available")
def test_sb2_pickle_loads_into_this_class():
    with open(SB2_OBS_RMS, "rb") as file_handler:
        rms = _SB2Unpickler(io.BytesIO(file_handler.read())).load()
    assert isinstance(rms, RunningMeanStd)
    assert rms.mean.shape == (6,) and rms.var.shape == (6,)  # Acrobot observations
    assert rms.count > 1
    # The loaded statistics keep updating: merging 4 zeros scales the mean by count / (count + 4).
    mean, count = rms.mean.copy(), rms.count
    rms.update(np.zeros((4, 6)))
    np.testing.assert_allclose(rms.mean, mean * count / (count + 4))
    assert rms.count == count + 4
