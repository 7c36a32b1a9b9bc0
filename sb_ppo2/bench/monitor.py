"""``Monitor``: record episode rewards, lengths and times, in SB2's ``monitor.csv`` format.

The wrapper speaks whatever API the wrapped environment speaks.  Gymnasium envs return ``(obs, info)``
from ``reset`` and ``(obs, reward, terminated, truncated, info)`` from ``step`` (an episode ends when
either flag is set); environments written for gym <= 0.17, the API of SB2 scripts, return ``obs`` and
``(obs, reward, done, info)``.  The API is read from each ``step`` result, so one class serves both and
results pass through unchanged, apart from ``info["episode"]`` added on the last step of an episode.

File layout (identical to SB2, so SB2's readers and ours read each other's files)::

    #{"t_start": 1600000000.123456, "env_id": "CartPole-v1"}
    r,l,t<CR><LF>
    21.0,21,0.012345<CR><LF>

The first line is ``#`` + JSON; the rest is written by ``csv.DictWriter`` with its default (Excel) dialect,
hence the ``\\r\\n`` line ends, exactly as SB2 wrote them.  Each row is flushed as soon as it is written so
that a plotting process can follow a running training.
"""

from __future__ import annotations

import csv
import json
import os
import time
from collections.abc import Sequence
from glob import glob
from typing import Any

import numpy as np

__all__ = ["LoadMonitorResultsError", "Monitor", "get_monitor_files", "load_results"]


class Monitor:
    """
    A monitor wrapper for environments: it tracks the reward, length and time of each episode, adds them
    to the ``info`` dict of the episode's last step (``info["episode"]``) and logs them to a CSV file.

    Both gymnasium envs and legacy gym-style envs are accepted; the wrapper keeps the API of the env it wraps.
    Unknown attributes are looked up on the wrapped env.

    :param env: (gymnasium.Env or gym-style env) The environment
    :param filename: (Optional[str]) the location to save a log file, can be None for no log.  A directory
        gives ``<dir>/monitor.csv``; any other path not ending in ``monitor.csv`` gives ``<path>.monitor.csv``
    :param allow_early_resets: (bool) allows the reset of the environment before it is done
    :param reset_keywords: (tuple) extra keywords for the reset call, if extra parameters are needed at reset
    :param info_keywords: (tuple) extra information to log, from the information return of environment.step
    """

    EXT = "monitor.csv"
    file_handler = None

    def __init__(
        self,
        env: Any,
        filename: str | None,
        allow_early_resets: bool = True,
        reset_keywords: Sequence[str] = (),
        info_keywords: Sequence[str] = (),
    ):
        self.env = env
        self.t_start = time.time()
        self.reset_keywords = tuple(reset_keywords)
        self.info_keywords = tuple(info_keywords)
        self.allow_early_resets = allow_early_resets
        self.rewards: list | None = None
        # Stepping is refused until the first reset, as in SB2.
        self.needs_reset = True
        self.episode_rewards: list[float] = []
        self.episode_lengths: list[int] = []
        self.episode_times: list[float] = []
        self.total_steps = 0
        # Values of reset_keywords given to the current episode's reset(); logged with the episode.
        self.current_reset_info: dict[str, Any] = {}
        self.file_handler = None
        self.logger: csv.DictWriter | None = None
        if filename is not None:
            self._open_log(filename)

    def _open_log(self, filename: str) -> None:
        """
        Create the log file and write its JSON header line and CSV header.

        :param filename: (str) the path given to the constructor
        """
        if not filename.endswith(Monitor.EXT):
            if os.path.isdir(filename):
                filename = os.path.join(filename, Monitor.EXT)
            else:
                filename = filename + "." + Monitor.EXT
        spec = getattr(self.env, "spec", None)
        header = {"t_start": self.t_start, "env_id": spec.id if spec is not None else None}
        # Kept open for the wrapper's lifetime (closed by close()), so no context manager here.
        self.file_handler = open(filename, "w")
        self.file_handler.write(f"#{json.dumps(header)}\n")
        fieldnames = ("r", "l", "t", *self.reset_keywords, *self.info_keywords)
        self.logger = csv.DictWriter(self.file_handler, fieldnames=fieldnames)
        self.logger.writeheader()
        self.file_handler.flush()

    # ------------------------------------------------------------------ env API

    def reset(self, **kwargs) -> Any:
        """
        Calls the wrapped environment's reset.  Can only be called if the episode is over, or if
        ``allow_early_resets`` is True.

        :param kwargs: Extra keywords, passed on to the env's reset; those named in ``reset_keywords`` are
            mandatory and are logged with the episode
        :return: (Any) whatever the wrapped env returns: ``obs`` (gym API) or ``(obs, info)`` (gymnasium)
        """
        if not self.allow_early_resets and not self.needs_reset:
            raise RuntimeError(
                "Tried to reset an environment before done. If you want to allow early resets, "
                "wrap your env with Monitor(env, path, allow_early_resets=True)"
            )
        self.rewards = []
        self.needs_reset = False
        for key in self.reset_keywords:
            value = kwargs.get(key)
            if value is None:
                raise ValueError(f"Expected you to pass kwarg {key} into reset")
            self.current_reset_info[key] = value
        return self.env.reset(**kwargs)

    def step(self, action: Any) -> tuple:
        """
        Step the environment with the given action.

        :param action: (Any) the action
        :return: (tuple) the wrapped env's result, ``(obs, reward, done, info)`` or
            ``(obs, reward, terminated, truncated, info)``, with ``info["episode"]`` on an episode's last step
        """
        if self.needs_reset:
            raise RuntimeError("Tried to step environment that needs reset")
        result = self.env.step(action)
        if len(result) == 5:
            _obs, reward, terminated, truncated, info = result
            done = terminated or truncated
        else:
            _obs, reward, done, info = result
        self.rewards.append(reward)
        if done:
            self.needs_reset = True
            info["episode"] = self._end_episode(info)
        self.total_steps += 1
        return result

    def _end_episode(self, info: dict) -> dict:
        """
        Book-keep a finished episode and log it.

        :param info: (dict) the info dict of the episode's last step
        :return: (dict) the episode summary ``{'r', 'l', 't', ...keywords}``
        """
        ep_rew = _to_python(sum(self.rewards))
        ep_len = len(self.rewards)
        elapsed = time.time() - self.t_start
        ep_info = {"r": round(ep_rew, 6), "l": ep_len, "t": round(elapsed, 6)}
        for key in self.info_keywords:
            ep_info[key] = info[key]
        ep_info.update(self.current_reset_info)
        self.episode_rewards.append(ep_rew)
        self.episode_lengths.append(ep_len)
        self.episode_times.append(elapsed)
        if self.logger is not None:
            self.logger.writerow(ep_info)
            self.file_handler.flush()
        return ep_info

    def render(self, *args, **kwargs) -> Any:
        """
        Render the wrapped env (``render()`` for gymnasium, ``render(mode=...)`` for gym-style envs).

        :return: (Any) what the wrapped env's render returns
        """
        return self.env.render(*args, **kwargs)

    def close(self) -> None:
        """
        Closes the environment and the log file.
        """
        if self.env is not None:
            self.env.close()
        if self.file_handler is not None:
            self.file_handler.close()

    @property
    def seed(self):
        """
        The wrapped env's ``seed`` method (gym-style envs only; gymnasium envs seed through ``reset(seed=...)``,
        so for them this raises ``AttributeError`` and ``hasattr(monitor, "seed")`` is False, as for the env).
        """
        return self.env.seed

    @property
    def observation_space(self):
        """:return: (gymnasium.spaces.Space) the wrapped env's observation space"""
        return self.env.observation_space

    @property
    def action_space(self):
        """:return: (gymnasium.spaces.Space) the wrapped env's action space"""
        return self.env.action_space

    @property
    def metadata(self) -> dict:
        """:return: (dict) the wrapped env's metadata"""
        return getattr(self.env, "metadata", {})

    @property
    def spec(self):
        """:return: (EnvSpec or None) the wrapped env's spec"""
        return getattr(self.env, "spec", None)

    @property
    def unwrapped(self):
        """:return: (Any) the innermost environment"""
        return getattr(self.env, "unwrapped", self.env)

    def __getattr__(self, name: str) -> Any:
        # Only called when normal lookup fails.  Private names are not forwarded (as gym's Wrapper did), which
        # also keeps copy/pickle from recursing into a half-built instance that has no ``env`` yet.
        if name.startswith("_") or name == "env":
            raise AttributeError(f"attempted to get missing private attribute '{name}'")
        return getattr(self.env, name)

    def __str__(self) -> str:
        return f"<{type(self).__name__}{self.env}>"

    def __repr__(self) -> str:
        return str(self)

    # ------------------------------------------------------------------ accessors

    def get_total_steps(self) -> int:
        """
        Returns the total number of timesteps

        :return: (int)
        """
        return self.total_steps

    def get_episode_rewards(self) -> list[float]:
        """
        Returns the rewards of all the episodes

        :return: ([float])
        """
        return self.episode_rewards

    def get_episode_lengths(self) -> list[int]:
        """
        Returns the number of timesteps of all the episodes

        :return: ([int])
        """
        return self.episode_lengths

    def get_episode_times(self) -> list[float]:
        """
        Returns the runtime in seconds of all the episodes

        :return: ([float])
        """
        return self.episode_times


def _to_python(value: Any) -> Any:
    """
    Turn a numpy scalar (e.g. the sum of float32 rewards) into the Python number it holds, so that the CSV and
    ``info["episode"]`` show the same plain numbers whatever the env's reward type.

    :param value: (Any) a number
    :return: (Any) the same number as a Python scalar
    """
    if isinstance(value, np.ndarray) and value.size == 1:
        return value.item()
    if isinstance(value, np.generic):
        return value.item()
    return value


class LoadMonitorResultsError(Exception):
    """
    Raised when loading the monitor log fails.
    """


def get_monitor_files(path: str) -> list[str]:
    """
    get all the monitor files in the given path

    :param path: (str) the logging folder
    :return: ([str]) the log files
    """
    return glob(os.path.join(path, "*" + Monitor.EXT))


def _import_pandas():
    """
    Import pandas, which only ``load_results`` needs (an optional dependency).

    :return: (module) pandas
    """
    try:
        import pandas
    except ImportError as err:
        raise ImportError(
            "load_results() returns a pandas DataFrame and needs pandas: pip install sb_ppo2[pandas]"
        ) from err
    return pandas


def _read_csv_log(pandas, file_name: str) -> tuple[dict, Any]:
    """
    Read one ``*monitor.csv`` file.

    :param pandas: (module) pandas
    :param file_name: (str) the file
    :return: (dict, pandas.DataFrame) the JSON header and the episodes
    """
    with open(file_name) as file_handler:
        first_line = file_handler.readline()
        if not first_line.startswith("#"):
            raise LoadMonitorResultsError(f"{file_name} does not start with a '#' JSON header line")
        header = json.loads(first_line[1:])
        data_frame = pandas.read_csv(file_handler, index_col=None)
    return header, data_frame


def _read_json_log(pandas, file_name: str) -> tuple[dict, Any]:
    """
    Read one legacy ``*monitor.json`` file (a JSON header line, then one JSON object per episode).

    :param pandas: (module) pandas
    :param file_name: (str) the file
    :return: (dict, pandas.DataFrame) the JSON header and the episodes
    """
    with open(file_name) as file_handler:
        lines = file_handler.readlines()
    header = json.loads(lines[0])
    episodes = [json.loads(line) for line in lines[1:]]
    return header, pandas.DataFrame(episodes)


def load_results(path: str):
    """
    Load all Monitor logs from a given directory path matching ``*monitor.csv`` and ``*monitor.json``.

    Episodes of all files are put on one time line: each file's ``t`` is shifted by its ``t_start``, rows are
    sorted by that absolute time, the index is reset (the per-file row numbers become an ``index`` column),
    and ``t`` is finally made relative to the earliest ``t_start``.

    :param path: (str) the directory path containing the log file(s)
    :return: (pandas.DataFrame) the logged data, columns ``index, r, l, t`` (+ extra keywords)
    """
    pandas = _import_pandas()
    monitor_files = glob(os.path.join(path, "*monitor.json")) + get_monitor_files(path)
    if not monitor_files:
        raise LoadMonitorResultsError(f"no monitor files of the form *{Monitor.EXT} found in {path}")
    data_frames, t_starts = [], []
    for file_name in monitor_files:
        reader = _read_csv_log if file_name.endswith("csv") else _read_json_log
        header, data_frame = reader(pandas, file_name)
        data_frame["t"] += header["t_start"]
        t_starts.append(header["t_start"])
        data_frames.append(data_frame)
    data_frame = pandas.concat(data_frames)
    # A stable sort keeps file order for episodes that ended at the same instant.
    data_frame = data_frame.sort_values("t", kind="mergesort")
    data_frame = data_frame.reset_index()
    data_frame["t"] -= min(t_starts)
    return data_frame
