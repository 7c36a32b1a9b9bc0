"""Callbacks: objects the model calls at fixed points of ``learn`` (SB2 2.10's ``stable_baselines.common.callbacks``).

Hook order for one ``learn`` call: ``init_callback(model)``, ``on_training_start(locals, globals)``, then for each
update ``on_rollout_start()``, one ``on_step()`` per env step (returning ``False`` stops training),
``on_rollout_end()``, and finally ``on_training_end()``.

``ProgressBarCallback`` is an sb_ppo2 extension (SB2 has no progress bar).
"""

from __future__ import annotations

import os
import sys
import time
import warnings
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TextIO

import numpy as np

from sb_ppo2.common.evaluation import evaluate_policy
from sb_ppo2.common.vec_env.base_vec_env import VecEnv
from sb_ppo2.common.vec_env.dummy_vec_env import DummyVecEnv

if TYPE_CHECKING:
    from sb_ppo2.common.base_class import BaseRLModel

__all__ = [
    "BaseCallback",
    "CallbackList",
    "CheckpointCallback",
    "ConvertCallback",
    "EvalCallback",
    "EventCallback",
    "EveryNTimesteps",
    "ProgressBarCallback",
    "StopTrainingOnRewardThreshold",
]


def _current_logger() -> Any:
    """
    :return: (Logger or None) ``sb_ppo2.logger.Logger.CURRENT``, or None when no logger module is available
    """
    try:
        from sb_ppo2 import logger
    except ImportError:
        return None
    logger_class = getattr(logger, "Logger", None)
    return getattr(logger_class, "CURRENT", None)


class BaseCallback:
    """
    Base class for callback.  Subclasses override the ``_``-prefixed hooks they need; each has a no-op default.

    :param verbose: (int) verbosity level, 0 prints nothing
    """

    def __init__(self, verbose: int = 0):
        super().__init__()
        # The RL model
        self.model: BaseRLModel | None = None
        # An alias for self.model.get_env(), the environment used for training
        self.training_env: Any = None
        # Number of times the callback was called (not reset between ``learn`` calls)
        self.n_calls = 0
        # n_envs * number of times env.step() was called
        self.num_timesteps = 0
        self.verbose = verbose
        self.locals: dict[str, Any] | None = None
        self.globals: dict[str, Any] | None = None
        self.logger: Any = None
        # For the child of an event callback: the callback that triggers it
        self.parent: BaseCallback | None = None

    def init_callback(self, model: BaseRLModel) -> None:
        """
        Initialize the callback by saving references to the RL model and the training environment for convenience.

        :param model: (BaseRLModel) the model being trained
        """
        self.model = model
        self.training_env = model.get_env()
        self.logger = _current_logger()
        self._init_callback()

    def update_locals(self, locals_: dict[str, Any]) -> None:
        """
        Updates the local variables of the training process (in place: children share the same dict).

        For reference to which variables are accessible, check each individual algorithm's documentation.

        :param locals_: (Dict[str, Any]) current local variables
        """
        if self.locals is None:
            self.locals = {}
        self.locals.update(locals_)

    def _init_callback(self) -> None:
        pass

    def on_training_start(self, locals_: dict[str, Any], globals_: dict[str, Any]) -> None:
        """
        :param locals_: (Dict[str, Any]) the locals of ``learn``; kept by reference, so later updates are seen
        :param globals_: (Dict[str, Any]) the globals of the algorithm's module
        """
        self.locals = locals_
        self.globals = globals_
        self._on_training_start()

    def _on_training_start(self) -> None:
        pass

    def on_rollout_start(self) -> None:
        """Called before collecting a new rollout."""
        self._on_rollout_start()

    def _on_rollout_start(self) -> None:
        pass

    def _on_step(self) -> bool:
        """
        :return: (bool) If the callback returns False, training is aborted early.
        """
        return True

    def on_step(self) -> bool:
        """
        This method will be called by the model after each call to ``env.step()``.

        For child callback (of an ``EventCallback``), this will be called when the event is triggered.

        :return: (bool) If the callback returns False, training is aborted early.
        """
        self.n_calls += 1
        self.num_timesteps = self.model.num_timesteps
        return self._on_step()

    def on_training_end(self) -> None:
        """Called once, at the end of ``learn``."""
        self._on_training_end()

    def _on_training_end(self) -> None:
        pass

    def on_rollout_end(self) -> None:
        """Called after each rollout (even one cut short by a callback)."""
        self._on_rollout_end()

    def _on_rollout_end(self) -> None:
        pass


class EventCallback(BaseCallback):
    """
    Base class for triggering callback on event.

    :param callback: (Optional[BaseCallback]) Callback that will be called when an event is triggered.
    :param verbose: (int)
    """

    def __init__(self, callback: BaseCallback | None = None, verbose: int = 0):
        super().__init__(verbose=verbose)
        self.callback = callback
        # Give access to the parent
        if callback is not None:
            self.callback.parent = self

    def init_callback(self, model: BaseRLModel) -> None:
        super().init_callback(model)
        if self.callback is not None:
            self.callback.init_callback(self.model)

    def update_locals(self, locals_: dict[str, Any]) -> None:
        super().update_locals(locals_)
        # The child normally shares our dict (see on_training_start); only a child holding its own needs the update.
        if self.callback is not None and self.callback.locals is not self.locals:
            self.callback.update_locals(locals_)

    def _on_training_start(self) -> None:
        if self.callback is not None:
            self.callback.on_training_start(self.locals, self.globals)

    def _on_event(self) -> bool:
        if self.callback is not None:
            return self.callback.on_step()
        return True

    def _on_step(self) -> bool:
        return True


class CallbackList(BaseCallback):
    """
    Class for chaining callbacks.

    :param callbacks: (List[BaseCallback]) A list of callbacks that will be called sequentially.
    """

    def __init__(self, callbacks: list[BaseCallback]):
        super().__init__()
        assert isinstance(callbacks, list)
        self.callbacks = callbacks

    def _init_callback(self) -> None:
        for callback in self.callbacks:
            callback.init_callback(self.model)

    def update_locals(self, locals_: dict[str, Any]) -> None:
        super().update_locals(locals_)
        for callback in self.callbacks:
            if callback.locals is not self.locals:
                callback.update_locals(locals_)

    def _on_training_start(self) -> None:
        for callback in self.callbacks:
            callback.on_training_start(self.locals, self.globals)

    def _on_rollout_start(self) -> None:
        for callback in self.callbacks:
            callback.on_rollout_start()

    def _on_step(self) -> bool:
        continue_training = True
        for callback in self.callbacks:
            # Every child is called (no short-circuit); one False stops training.
            continue_training = callback.on_step() and continue_training
        return continue_training

    def _on_rollout_end(self) -> None:
        for callback in self.callbacks:
            callback.on_rollout_end()

    def _on_training_end(self) -> None:
        for callback in self.callbacks:
            callback.on_training_end()


class CheckpointCallback(BaseCallback):
    """
    Callback for saving a model every ``save_freq`` calls, to ``<save_path>/<name_prefix>_<num_timesteps>_steps.zip``.

    :param save_freq: (int) save every ``save_freq`` calls of the callback (one call per ``env.step()``)
    :param save_path: (str) Path to the folder where the model will be saved.
    :param name_prefix: (str) Common prefix to the saved models
    :param verbose: (int) at 2 and above, print each checkpoint's path
    :param save_vecnormalize: (bool) extension beyond SB2: when the training env has a ``VecNormalize``, also
        save its statistics next to each checkpoint as ``<name_prefix>_vecnormalize_<num_timesteps>_steps.pkl``
        (a run resumed from the model alone would otherwise restart its normalisation from scratch)
    """

    def __init__(self, save_freq: int, save_path: str, name_prefix: str = "rl_model", verbose: int = 0,
                 save_vecnormalize: bool = True):
        super().__init__(verbose)
        self.save_freq = save_freq
        self.save_path = save_path
        self.name_prefix = name_prefix
        self.save_vecnormalize = save_vecnormalize

    def _init_callback(self) -> None:
        # Create folder if needed
        if self.save_path is not None:
            os.makedirs(self.save_path, exist_ok=True)

    def _on_step(self) -> bool:
        if self.n_calls % self.save_freq == 0:
            path = os.path.join(self.save_path, f"{self.name_prefix}_{self.num_timesteps}_steps")
            self.model.save(path)
            if self.verbose > 1:
                print(f"Saving model checkpoint to {path}")
            vec_normalize = self.model.get_vec_normalize_env() if self.save_vecnormalize else None
            if vec_normalize is not None:
                stats_path = os.path.join(self.save_path,
                                          f"{self.name_prefix}_vecnormalize_{self.num_timesteps}_steps.pkl")
                vec_normalize.save(stats_path)
                if self.verbose > 1:
                    print(f"Saving VecNormalize statistics to {stats_path}")
        return True


class ConvertCallback(BaseCallback):
    """
    Convert functional callback (old-style) to object.

    The function is called as ``callback(self.locals, self.globals)`` after every env step; it stops training by
    returning ``False`` (``None`` or any other value continues).  ``locals['self']`` is the model.

    :param callback: (Callable) the function ``f(locals, globals)``, or None to do nothing
    :param verbose: (int)
    """

    def __init__(self, callback: Callable[[dict[str, Any], dict[str, Any]], Any] | None, verbose: int = 0):
        super().__init__(verbose)
        self.callback = callback

    def _on_step(self) -> bool:
        if self.callback is not None:
            return self.callback(self.locals, self.globals)
        return True


class EvalCallback(EventCallback):
    """
    Callback for evaluating an agent.

    :param eval_env: (Union[gym.Env, VecEnv]) The environment used for initialization
    :param callback_on_new_best: (Optional[BaseCallback]) Callback to trigger
        when there is a new best model according to the ``mean_reward``
    :param n_eval_episodes: (int) The number of episodes to test the agent
    :param eval_freq: (int) Evaluate the agent every eval_freq call of the callback.
    :param log_path: (str) Path to a folder where the evaluations (``evaluations.npz``)
        will be saved. It will be updated at each evaluation.
    :param best_model_save_path: (str) Path to a folder where the best model
        according to performance on the eval env will be saved.
    :param deterministic: (bool) Whether the evaluation should use a stochastic or deterministic actions.
    :param render: (bool) Whether to render or not the environment during evaluation
    :param verbose: (int)
    """

    def __init__(
        self,
        eval_env: Any,
        callback_on_new_best: BaseCallback | None = None,
        n_eval_episodes: int = 5,
        eval_freq: int = 10000,
        log_path: str | None = None,
        best_model_save_path: str | None = None,
        deterministic: bool = True,
        render: bool = False,
        verbose: int = 1,
    ):
        super().__init__(callback_on_new_best, verbose=verbose)
        self.n_eval_episodes = n_eval_episodes
        self.eval_freq = eval_freq
        self.best_mean_reward = -np.inf
        self.last_mean_reward = -np.inf
        self.deterministic = deterministic
        self.render = render

        # Convert to VecEnv for consistency
        if not isinstance(eval_env, VecEnv):
            single_env = eval_env
            eval_env = DummyVecEnv([lambda: single_env])
        assert eval_env.num_envs == 1, "You must pass only one environment for evaluation"

        self.eval_env = eval_env
        self.best_model_save_path = best_model_save_path
        # Logs will be written in ``evaluations.npz`` (np.savez adds the extension)
        if log_path is not None:
            log_path = os.path.join(log_path, "evaluations")
        self.log_path = log_path
        self.evaluations_results: list = []
        self.evaluations_timesteps: list = []
        self.evaluations_length: list = []

    def _init_callback(self) -> None:
        # Does not work in some corner cases, where the wrapper is not the same
        if type(self.training_env) is not type(self.eval_env):
            warnings.warn(f"Training and eval env are not of the same type{self.training_env} != {self.eval_env}")
        # Create folders if needed
        if self.best_model_save_path is not None:
            os.makedirs(self.best_model_save_path, exist_ok=True)
        if self.log_path is not None:
            os.makedirs(os.path.dirname(self.log_path), exist_ok=True)

    def _on_step(self) -> bool:
        if self.eval_freq > 0 and self.n_calls % self.eval_freq == 0:
            return self._evaluate()
        return True

    def _evaluate(self) -> bool:
        """
        Evaluate the model, log the result, and save the model and trigger the child callback on a new best.

        :return: (bool) False to stop training (only the child callback can ask for it)
        """
        # Imported here: the normalisation helpers live beside VecNormalize, which callbacks otherwise do not need.
        from sb_ppo2.common.vec_env import sync_envs_normalization

        # Sync training and eval env if there is VecNormalize
        sync_envs_normalization(self.training_env, self.eval_env)
        episode_rewards, episode_lengths = evaluate_policy(
            self.model,
            self.eval_env,
            n_eval_episodes=self.n_eval_episodes,
            render=self.render,
            deterministic=self.deterministic,
            return_episode_rewards=True,
        )
        if self.log_path is not None:
            self._save_evaluations(episode_rewards, episode_lengths)

        mean_reward, std_reward = np.mean(episode_rewards), np.std(episode_rewards)
        mean_ep_length, std_ep_length = np.mean(episode_lengths), np.std(episode_lengths)
        # Keep track of the last evaluation, useful for classes that derive from this callback
        self.last_mean_reward = mean_reward
        if self.verbose > 0:
            print(f"Eval num_timesteps={self.num_timesteps}, episode_reward={mean_reward:.2f} +/- {std_reward:.2f}")
            print(f"Episode length: {mean_ep_length:.2f} +/- {std_ep_length:.2f}")

        if mean_reward > self.best_mean_reward:
            if self.verbose > 0:
                print("New best mean reward!")
            if self.best_model_save_path is not None:
                self.model.save(os.path.join(self.best_model_save_path, "best_model"))
            self.best_mean_reward = mean_reward
            # Trigger callback if needed
            if self.callback is not None:
                return self._on_event()
        return True

    def _save_evaluations(self, episode_rewards: list, episode_lengths: list) -> None:
        """
        Append this evaluation to the history and rewrite ``evaluations.npz`` with arrays ``timesteps``,
        ``results`` (episode rewards, one row per evaluation) and ``ep_lengths``.

        :param episode_rewards: ([float]) reward of each evaluation episode
        :param episode_lengths: ([int]) length of each evaluation episode
        """
        self.evaluations_timesteps.append(self.num_timesteps)
        self.evaluations_results.append(episode_rewards)
        self.evaluations_length.append(episode_lengths)
        np.savez(
            self.log_path,
            timesteps=self.evaluations_timesteps,
            results=self.evaluations_results,
            ep_lengths=self.evaluations_length,
        )


class StopTrainingOnRewardThreshold(BaseCallback):
    """
    Stop the training once a threshold in episodic reward has been reached (i.e. when the model is good enough).

    It must be used with the ``EvalCallback``.

    :param reward_threshold: (float) Minimum expected reward per episode to stop training.
    :param verbose: (int)
    """

    def __init__(self, reward_threshold: float, verbose: int = 0):
        super().__init__(verbose=verbose)
        self.reward_threshold = reward_threshold

    def _on_step(self) -> bool:
        assert self.parent is not None, "`StopTrainingOnRewardThreshold` callback must be used with an `EvalCallback`"
        # A numpy bool would make the model's ``on_step() is False`` test fail, hence bool()
        continue_training = bool(self.parent.best_mean_reward < self.reward_threshold)
        if self.verbose > 0 and not continue_training:
            print(
                f"Stopping training because the mean reward {self.parent.best_mean_reward:.2f} "
                f" is above the threshold {self.reward_threshold}"
            )
        return continue_training


class EveryNTimesteps(EventCallback):
    """
    Trigger a callback every ``n_steps`` timesteps

    :param n_steps: (int) Number of timesteps between two trigger.
    :param callback: (BaseCallback) Callback that will be called when the event is triggered.
    """

    def __init__(self, n_steps: int, callback: BaseCallback):
        super().__init__(callback)
        self.n_steps = n_steps
        self.last_time_trigger = 0

    def _on_step(self) -> bool:
        if (self.num_timesteps - self.last_time_trigger) >= self.n_steps:
            self.last_time_trigger = self.num_timesteps
            return self._on_event()
        return True


def _load_tqdm() -> Any:
    """
    :return: (type or None) ``tqdm.tqdm`` if tqdm is installed (optional extra ``sb_ppo2[progress]``), else None
    """
    try:
        from tqdm import tqdm
    except ImportError:
        return None
    return tqdm


def _format_duration(seconds: float) -> str:
    """
    :param seconds: (float) a duration
    :return: (str) ``H:MM:SS``
    """
    seconds = int(max(seconds, 0.0))
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


class ProgressBarCallback(BaseCallback):
    """
    Show training progress on stderr: steps done / total, steps per second and time left (an sb_ppo2 extension).

    Uses tqdm when it is installed, otherwise a single line redrawn with a carriage return.  Nothing is drawn
    unless the stream is a terminal, so logs and CI output stay clean; ``force=True`` draws anyway.

    :param total_timesteps: (Optional[int]) the number of steps of the bar; None reads ``total_timesteps`` from
        ``learn``'s locals at training start
    :param force: (bool) draw even when the stream is not a terminal
    :param file: (Optional[TextIO]) the stream to draw on; None means ``sys.stderr`` at training start
    :param min_interval: (float) minimum seconds between two redraws of the line (tqdm has its own throttle)
    :param verbose: (int)
    """

    def __init__(
        self,
        total_timesteps: int | None = None,
        force: bool = False,
        file: TextIO | None = None,
        min_interval: float = 0.1,
        verbose: int = 0,
    ):
        super().__init__(verbose)
        self.total_timesteps = total_timesteps
        self.force = force
        self.file = file
        self.min_interval = min_interval
        self._stream: TextIO | None = None
        self._pbar: Any = None
        self._total = 0
        self._start_timesteps = 0
        self._shown = 0
        self._start_time = 0.0
        self._last_draw = 0.0
        self._line_width = 0

    def _on_training_start(self) -> None:
        stream = self.file if self.file is not None else sys.stderr
        self._stream = stream if (self.force or _is_tty(stream)) else None
        self._total = self._resolve_total()
        self._start_timesteps = self.model.num_timesteps
        self._shown = 0
        self._start_time = self._last_draw = time.time()
        self._line_width = 0
        if self._stream is None:
            return
        tqdm = _load_tqdm()
        if tqdm is not None:
            self._pbar = tqdm(total=self._total, file=self._stream, unit="step", dynamic_ncols=True)
        else:
            self._draw_line()

    def _resolve_total(self) -> int:
        """
        :return: (int) the number of steps this ``learn`` call is asked for
        """
        if self.total_timesteps is not None:
            return int(self.total_timesteps)
        return int((self.locals or {}).get("total_timesteps", 0))

    def _on_step(self) -> bool:
        if self._stream is None:
            return True
        done = self.model.num_timesteps - self._start_timesteps
        if self._pbar is not None:
            self._pbar.update(done - self._shown)
            self._shown = done
        elif time.time() - self._last_draw >= self.min_interval:
            self._draw_line()
        return True

    def _on_training_end(self) -> None:
        if self._stream is None:
            return
        if self._pbar is not None:
            self._pbar.close()
            self._pbar = None
        else:
            self._draw_line()
            self._stream.write("\n")
            self._stream.flush()
        self._stream = None

    def _draw_line(self) -> None:
        """Redraw the fallback progress line in place."""
        now = time.time()
        self._last_draw = now
        done = self.model.num_timesteps - self._start_timesteps
        elapsed = now - self._start_time
        speed = done / elapsed if elapsed > 0 else 0.0
        eta = (self._total - done) / speed if speed > 0 else float("nan")
        eta_text = _format_duration(eta) if np.isfinite(eta) else "?"
        line = f"{done}/{self._total} steps | {speed:.0f} steps/s | ETA {eta_text}"
        # Blank out what is left of a longer previous line
        padding = " " * max(0, self._line_width - len(line))
        self._line_width = len(line)
        self._stream.write(f"\r{line}{padding}")
        self._stream.flush()


def _is_tty(stream: Any) -> bool:
    """
    :param stream: (Any) a file-like object
    :return: (bool) whether it is an interactive terminal
    """
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty()) if isatty is not None else False
    except (ValueError, OSError):
        # A closed or detached stream is not somewhere to draw
        return False
