"""Schedules: values that change over the course of training.

Two families live here, as in Stable-Baselines 2:

- ``Schedule`` objects (``ConstantSchedule``, ``PiecewiseSchedule``, ``LinearSchedule``) expose
  ``value(step)`` and are indexed by a timestep (DQN-style exploration/beta schedules);
- plain callables of the *remaining progress* (1.0 at the start of ``learn``, approaching 0 at the
  end), which is what PPO2 feeds ``learning_rate``, ``cliprange`` and ``cliprange_vf``.
  ``get_schedule_fn`` turns a number into such a callable.

The callables built here (``ConstantFn``, ``LinearFn``) are small classes rather than closures so
that a model holding them can be pickled with the standard library, not only with cloudpickle.
"""

from collections.abc import Callable, Sequence
from typing import Any

Number = float | int


class Schedule:
    """Base class of the step-indexed schedules."""

    def value(self, step: Number) -> Any:
        """
        Value of the schedule for a given timestep

        :param step: (int) the timestep
        :return: (float) the output value for the given timestep
        """
        raise NotImplementedError


class ConstantSchedule(Schedule):
    """
    Value remains constant over time.

    :param value: (float) Constant value of the schedule
    """

    def __init__(self, value: Any):
        self._value = value

    def value(self, step: Number) -> Any:
        return self._value


def linear_interpolation(left: float, right: float, alpha: float) -> float:
    """
    Linear interpolation between `left` and `right`.

    :param left: (float) left boundary
    :param right: (float) right boundary
    :param alpha: (float) coefficient in [0, 1]
    :return: (float) ``left + alpha * (right - left)``
    """
    return left + alpha * (right - left)


class PiecewiseSchedule(Schedule):
    """
    Piecewise schedule.

    :param endpoints: ([(int, float)]) pairs ``(time, value)`` sorted by increasing time. For
        ``time_a <= t < time_b`` the value is ``interpolation(value_a, value_b, alpha)`` where
        ``alpha`` is the fraction of the way from ``time_a`` to ``time_b``.
    :param interpolation: (callable) ``f(left, right, alpha) -> value``, see ``linear_interpolation``
    :param outside_value: (float) value returned outside every interval (including exactly at the last
        endpoint time); if None, asking for such a value raises an AssertionError.
    """

    def __init__(self, endpoints: Sequence[tuple[Number, Any]],
                 interpolation: Callable[[Any, Any, float], Any] = linear_interpolation,
                 outside_value: Any = None):
        times = [endpoint[0] for endpoint in endpoints]
        assert times == sorted(times)
        self._interpolation = interpolation
        self._outside_value = outside_value
        self._endpoints = endpoints

    def value(self, step: Number) -> Any:
        for (left_t, left), (right_t, right) in zip(self._endpoints[:-1], self._endpoints[1:]):
            if left_t <= step < right_t:
                alpha = float(step - left_t) / (right_t - left_t)
                return self._interpolation(left, right, alpha)
        # The step lies in no interval: only legal when a default was given.
        assert self._outside_value is not None
        return self._outside_value


class LinearSchedule(Schedule):
    """
    Linear interpolation between initial_p and final_p over schedule_timesteps.
    After this many timesteps pass, final_p is returned.

    :param schedule_timesteps: (int) Number of timesteps for which to linearly anneal initial_p to final_p
    :param final_p: (float) final output value
    :param initial_p: (float) initial output value
    """

    def __init__(self, schedule_timesteps: int, final_p: float, initial_p: float = 1.0):
        self.schedule_timesteps = schedule_timesteps
        self.final_p = final_p
        self.initial_p = initial_p

    def value(self, step: Number) -> float:
        fraction = min(float(step) / self.schedule_timesteps, 1.0)
        return self.initial_p + fraction * (self.final_p - self.initial_p)


class ConstantFn:
    """
    A picklable one-argument callable that ignores its argument and returns a constant.

    :param val: (Any) the value to return
    """

    def __init__(self, val: Any):
        self.val = val

    def __call__(self, _: Any) -> Any:
        return self.val

    def __repr__(self) -> str:
        return f"ConstantFn({self.val!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ConstantFn) and other.val == self.val

    def __hash__(self) -> int:
        return hash((ConstantFn, self.val))


class LinearFn:
    """
    A picklable progress schedule returning ``progress * initial_value``.

    This is rl-baselines-zoo's ``linear_schedule(initial_value)``, used for ``lin_<x>``
    hyper-parameters: PPO2 calls it with the remaining progress (1.0 at the start of ``learn``),
    so the value decays linearly from ``initial_value`` towards 0.

    :param initial_value: (float or str) the value at progress 1.0; strings are converted with ``float``
        (the zoo passes the text that follows ``lin_``)
    """

    def __init__(self, initial_value: float | str):
        if isinstance(initial_value, str):
            initial_value = float(initial_value)
        self.initial_value = initial_value

    def __call__(self, progress: float) -> float:
        return progress * self.initial_value

    def __repr__(self) -> str:
        return f"LinearFn({self.initial_value!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, LinearFn) and other.initial_value == self.initial_value

    def __hash__(self) -> int:
        return hash((LinearFn, self.initial_value))


class AffineFn:
    """
    A picklable progress schedule ``slope * progress + intercept``.

    sb_ppo2 uses it to restore a saved lambda schedule that was affine in the progress (e.g.
    ``lambda f: f * 2.5e-4``) without rebuilding the lambda's code from the file.

    :param slope: (float) the change per unit of progress
    :param intercept: (float) the value at progress 0
    """

    def __init__(self, slope: float, intercept: float):
        self.slope = float(slope)
        self.intercept = float(intercept)

    def __call__(self, progress: float) -> float:
        return self.slope * progress + self.intercept

    def __repr__(self) -> str:
        return f"AffineFn(slope={self.slope!r}, intercept={self.intercept!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, AffineFn) and (other.slope, other.intercept) == (self.slope, self.intercept)

    def __hash__(self) -> int:
        return hash((AffineFn, self.slope, self.intercept))


class TabulatedFn:
    """
    A picklable progress schedule given by a table, linearly interpolated.

    sb_ppo2 uses it to restore a saved non-affine lambda schedule without rebuilding its code.

    :param fracs: ([float]) increasing progress values
    :param values: ([float]) the schedule at those progress values
    """

    def __init__(self, fracs, values):
        self.fracs = [float(f) for f in fracs]
        self.values = [float(v) for v in values]

    def __call__(self, progress: float) -> float:
        import numpy as np

        return float(np.interp(progress, self.fracs, self.values))

    def __repr__(self) -> str:
        return f"TabulatedFn({len(self.fracs)} points)"


def constfn(val: Any) -> ConstantFn:
    """
    Create a function that returns a constant.
    It is useful for learning rate schedules (to avoid code duplication).

    :param val: (float) the constant
    :return: (ConstantFn) a picklable callable ``f(_) -> val``
    """
    return ConstantFn(val)


def get_schedule_fn(value_schedule: Number | Callable[[float], float]) -> Callable[[float], float]:
    """
    Transform (if needed) learning rate and clip range to a callable.

    Python ``float``/``int`` values (``bool`` and ``numpy.float64`` included, being subclasses)
    become ``constfn(float(value))``; anything else must be callable and is returned unchanged.
    As in SB2, ``numpy.float32`` and ``Schedule`` objects fail the assertion.

    :param value_schedule: (callable or float) the schedule or the constant
    :return: (callable) a function of the remaining progress
    """
    if isinstance(value_schedule, (float, int)):
        # Cast to float so that an int learning rate does not leak into the optimiser as an int.
        return constfn(float(value_schedule))
    assert callable(value_schedule)
    return value_schedule


# ================================================================
# Legacy progress curves used by SB2's A2C, ACER and ACKTR (PPO2 never uses them)
# ================================================================

def constant(_: Any) -> float:
    """
    Returns a constant value for the Scheduler

    :param _: ignored
    :return: (float) 1
    """
    return 1.0


def linear_schedule(progress: float) -> float:
    """
    Returns a linear value for the Scheduler

    :param progress: (float) Current progress status (in [0, 1])
    :return: (float) 1 - progress
    """
    return 1 - progress


def middle_drop(progress: float) -> float:
    """
    Returns a linear value with a drop near the middle to a constant value for the Scheduler

    :param progress: (float) Current progress status (in [0, 1])
    :return: (float) 1 - progress if (1 - progress) >= 0.75 else 0.075
    """
    eps = 0.75
    if 1 - progress < eps:
        return eps * 0.1
    return 1 - progress


def double_linear_con(progress: float) -> float:
    """
    Returns a linear value (x2) with a flattened tail for the Scheduler

    :param progress: (float) Current progress status (in [0, 1])
    :return: (float) 1 - progress*2 if (1 - progress*2) >= 0.125 else 0.125
    """
    doubled = 2 * progress
    eps = 0.125
    if 1 - doubled < eps:
        return eps
    return 1 - doubled


def double_middle_drop(progress: float) -> float:
    """
    Returns a linear value with two drops near the middle to a constant value for the Scheduler

    :param progress: (float) Current progress status (in [0, 1])
    :return: (float) 1 - p if 0.75 <= 1 - p; 0.075 if 0.25 <= 1 - p < 0.75; 0.125 if 1 - p < 0.25
    """
    eps1 = 0.75
    eps2 = 0.25
    remaining = 1 - progress
    if remaining >= eps1:
        return remaining
    if remaining >= eps2:
        return eps1 * 0.1
    return eps2 * 0.5


SCHEDULES = {
    'linear': linear_schedule,
    'constant': constant,
    'double_linear_con': double_linear_con,
    'middle_drop': middle_drop,
    'double_middle_drop': double_middle_drop,
}


class Scheduler:
    """
    Update a value every iteration, following one of the ``SCHEDULES`` curves.

    This is a legacy version of schedules, originally defined in a2c/utils.py
    and used by the A2C, ACER and ACKTR algorithms.

    :param initial_value: (float) initial value
    :param n_values: (int) the total number of iterations
    :param schedule: (str) the curve to follow, a key of ``SCHEDULES``
    """

    def __init__(self, initial_value: float, n_values: int, schedule: str):
        self.step = 0.0
        self.initial_value = initial_value
        self.nvalues = n_values
        self.schedule = SCHEDULES[schedule]

    def value(self) -> float:
        """
        Update the Scheduler, and return the current value

        :return: (float) the current value
        """
        current_value = self.value_steps(self.step)
        self.step += 1.0
        return current_value

    def value_steps(self, steps: Number) -> float:
        """
        Get a value for a given step

        :param steps: (int) The current number of iterations
        :return: (float) the value for the current number of iterations
        """
        return self.initial_value * self.schedule(steps / self.nvalues)
