"""Schedules: SB2's step-indexed Schedule classes, progress callables and the legacy A2C curves."""

import pickle

import cloudpickle
import numpy as np
import pytest

from sb_ppo2.common.schedules import (
    SCHEDULES,
    ConstantFn,
    ConstantSchedule,
    LinearFn,
    LinearSchedule,
    PiecewiseSchedule,
    Schedule,
    Scheduler,
    constant,
    constfn,
    double_linear_con,
    double_middle_drop,
    get_schedule_fn,
    linear_interpolation,
    linear_schedule,
    middle_drop,
)


# ---------------------------------------------------------------- get_schedule_fn / constfn

@pytest.mark.parametrize("value, expected", [(2.5e-4, 2.5e-4), (3, 3.0), (np.float64(0.2), 0.2), (True, 1.0)])
def test_get_schedule_fn_numbers_become_constant_floats(value, expected):
    fn = get_schedule_fn(value)
    assert isinstance(fn, ConstantFn)
    for progress in (1.0, 0.5, 0.0):
        out = fn(progress)
        assert out == expected
        assert type(out) is float


def test_get_schedule_fn_returns_callables_unchanged():
    def schedule(progress):
        return progress * 0.1

    assert get_schedule_fn(schedule) is schedule
    linear = LinearFn(0.3)
    assert get_schedule_fn(linear) is linear


@pytest.mark.parametrize("bad", [np.float32(0.1), "0.1", None, ConstantSchedule(0.1), [0.1]])
def test_get_schedule_fn_rejects_non_numbers_non_callables(bad):
    # As in SB2: numpy.float32 is not a Python float, and Schedule objects are not callable.
    with pytest.raises(AssertionError):
        get_schedule_fn(bad)


def test_constfn_ignores_argument_and_has_readable_repr():
    fn = constfn(0.5)
    assert fn(None) == 0.5 and fn(123) == 0.5
    assert fn.val == 0.5
    assert repr(fn) == "ConstantFn(0.5)"
    assert fn == ConstantFn(0.5) and fn != ConstantFn(0.6)
    assert hash(fn) == hash(ConstantFn(0.5))


@pytest.mark.parametrize("dumps, loads", [(pickle.dumps, pickle.loads), (cloudpickle.dumps, pickle.loads)])
def test_constfn_and_linear_fn_pickle_round_trip(dumps, loads):
    for fn in (constfn(2.5e-4), get_schedule_fn(0.2), LinearFn(0.1)):
        restored = loads(dumps(fn))
        assert type(restored) is type(fn)
        assert restored == fn
        assert restored(0.5) == fn(0.5)


def test_linear_fn_is_zoo_linear_schedule():
    fn = LinearFn(2.5e-4)
    assert fn.initial_value == 2.5e-4
    assert fn(1.0) == pytest.approx(2.5e-4)
    assert fn(0.5) == pytest.approx(1.25e-4)
    assert fn(0.0) == 0.0
    # The zoo passes the text after "lin_".
    assert LinearFn("0.1")(0.25) == pytest.approx(0.025)
    assert repr(LinearFn(0.1)) == "LinearFn(0.1)"


# ---------------------------------------------------------------- Schedule classes

def test_schedule_base_is_abstract():
    with pytest.raises(NotImplementedError):
        Schedule().value(0)


def test_constant_schedule():
    schedule = ConstantSchedule(0.3)
    assert schedule.value(0) == 0.3
    assert schedule.value(10 ** 9) == 0.3


def test_linear_interpolation():
    assert linear_interpolation(1.0, 3.0, 0.0) == 1.0
    assert linear_interpolation(1.0, 3.0, 0.25) == 1.5
    assert linear_interpolation(1.0, 3.0, 1.0) == 3.0


def test_piecewise_schedule_inside_at_and_outside_endpoints():
    schedule = PiecewiseSchedule([(0, 1.0), (10, 0.5), (20, 0.0)], outside_value=-1.0)
    assert schedule.value(0) == 1.0           # left endpoint of the first piece
    assert schedule.value(5) == pytest.approx(0.75)
    assert schedule.value(10) == 0.5          # an inner endpoint starts the next piece
    assert schedule.value(15) == pytest.approx(0.25)
    assert schedule.value(19.5) == pytest.approx(0.025)
    # Exactly at the last endpoint, and anywhere outside, the outside value is returned.
    assert schedule.value(20) == -1.0
    assert schedule.value(-1) == -1.0
    assert schedule.value(100) == -1.0


def test_piecewise_schedule_without_outside_value_asserts():
    schedule = PiecewiseSchedule([(0, 1.0), (10, 0.0)])
    assert schedule.value(9) == pytest.approx(0.1)
    with pytest.raises(AssertionError):
        schedule.value(10)
    with pytest.raises(AssertionError):
        schedule.value(-0.5)


def test_piecewise_schedule_custom_interpolation_and_sorted_times():
    def step_left(left, right, alpha):
        return left

    schedule = PiecewiseSchedule([(0, 4), (4, 2)], interpolation=step_left, outside_value=0)
    assert schedule.value(3) == 4
    with pytest.raises(AssertionError):
        PiecewiseSchedule([(10, 1.0), (0, 0.0)])


def test_linear_schedule():
    schedule = LinearSchedule(100, final_p=0.1, initial_p=1.0)
    assert schedule.value(0) == 1.0
    assert schedule.value(50) == pytest.approx(0.55)
    assert schedule.value(100) == pytest.approx(0.1)
    assert schedule.value(1000) == pytest.approx(0.1)  # clamped after schedule_timesteps
    assert LinearSchedule(10, final_p=0.0).value(4) == pytest.approx(0.6)  # initial_p defaults to 1.0


# ---------------------------------------------------------------- legacy curves and Scheduler

def test_legacy_progress_curves():
    assert constant(0.7) == 1.0
    assert linear_schedule(0.3) == pytest.approx(0.7)

    assert middle_drop(0.2) == pytest.approx(0.8)
    assert middle_drop(0.25) == pytest.approx(0.75)   # 1 - p == 0.75 is not below the drop
    assert middle_drop(0.5) == pytest.approx(0.075)

    assert double_linear_con(0.25) == pytest.approx(0.5)
    assert double_linear_con(0.45) == pytest.approx(0.125)  # 1 - 0.9 < 0.125

    assert double_middle_drop(0.1) == pytest.approx(0.9)
    assert double_middle_drop(0.5) == pytest.approx(0.075)
    assert double_middle_drop(0.8) == pytest.approx(0.125)


def test_schedules_registry():
    assert SCHEDULES == {
        'linear': linear_schedule,
        'constant': constant,
        'double_linear_con': double_linear_con,
        'middle_drop': middle_drop,
        'double_middle_drop': double_middle_drop,
    }


def test_scheduler_advances_one_step_per_value_call():
    scheduler = Scheduler(initial_value=2.0, n_values=4, schedule='linear')
    assert [scheduler.value() for _ in range(3)] == pytest.approx([2.0, 1.5, 1.0])
    assert scheduler.step == 3.0
    assert scheduler.value_steps(1) == pytest.approx(1.5)
    assert scheduler.step == 3.0  # value_steps does not advance
    with pytest.raises(KeyError):
        Scheduler(1.0, 10, 'cosine')
