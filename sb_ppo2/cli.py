"""``python -m sb_ppo2``: train with rl-baselines-zoo's PPO2 hyper-parameters, evaluate saved models, benchmark.

.. code-block:: bash

    python -m sb_ppo2 train --env CartPole-v1
    python -m sb_ppo2 enjoy --model runs/CartPole-v1_1/CartPole-v1.zip --env CartPole-v1
    python -m sb_ppo2 benchmark --envs CartPole-v1,Acrobot-v1 --seeds 3

``train`` follows the zoo's ``train.py`` (spec C2): the env's entry of ``hyperparams/ppo2.yml`` (schedules,
``normalize``, ``n_envs``, ``policy_kwargs``, ``frame_stack``), Monitor files in the run folder, the model saved as
``<run>/<env>.zip`` and the VecNormalize statistics as ``<run>/vecnormalize.pkl``.  It adds a progress bar, a
plotly learning curve and a final deterministic evaluation.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import sys
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from sb_ppo2.common.cmd_util import make_env_from_id, make_vec_env
from sb_ppo2.common.vec_env import VecEnv, VecFrameStack, VecNormalize
from sb_ppo2.compat.env_ids import resolve_env_id
from sb_ppo2.zoo import ZooConfig, jsonable_hyperparams, load_hyperparams_file, load_zoo_hyperparams, zoo_config

__all__ = ["TrainResult", "build_parser", "evaluate_model", "main", "train_one"]

DEFAULT_LOG_FOLDER = "runs"
FINAL_EVAL_EPISODES = 10
# Seeds of the evaluation envs are offset so they never replay a training env's episodes.
_EVAL_SEED_OFFSET = 10_000


class CliError(Exception):
    """A user error, reported through argparse (usage line + message, exit status 2)."""


@dataclass
class TrainResult:
    """
    What ``train_one`` produced.

    :param env_id: (str) the env
    :param seed: (int) the seed
    :param run_dir: (str) the run folder
    :param model_path: (str) the saved model
    :param vecnormalize_path: (str or None) the saved VecNormalize statistics
    :param config_path: (str) the hyper-parameters used (JSON)
    :param curve_path: (str) the learning-curve page
    :param n_timesteps: (int) steps trained
    :param wall_s: (float) seconds spent in ``learn``
    :param sps: (float) training steps per second
    :param mean_reward: (float) mean reward of the final evaluation
    :param std_reward: (float) std of the final evaluation's episode rewards
    :param deterministic: (bool) whether the final evaluation used deterministic actions
    """

    env_id: str
    seed: int
    run_dir: str
    model_path: str
    vecnormalize_path: str | None
    config_path: str
    curve_path: str
    n_timesteps: int
    wall_s: float
    sps: float
    mean_reward: float
    std_reward: float
    deterministic: bool


# --- environments -------------------------------------------------------------------------------------------------
def check_env_id(env_id: str) -> None:
    """
    :param env_id: (str) an env id, old or new
    :raises CliError: unknown id (the message names the closest known id)
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            resolve_env_id(env_id)
    except ValueError as err:
        raise CliError(str(err)) from err


def _check_supported(config: ZooConfig) -> None:
    """The zoo features this CLI does not reproduce fail before any env is built."""
    if config.env_wrapper is not None:
        raise CliError(f"{config.env_id}: the zoo entry {config.zoo_key!r} uses env_wrapper "
                       f"{config.env_wrapper!r}, which sb_ppo2 does not provide")
    if config.atari:
        raise CliError(f"{config.env_id}: Atari envs need the zoo's make_atari_env wrappers (DeepMind "
                       "preprocessing), which sb_ppo2's CLI does not provide; build the VecEnv yourself and use PPO2")


def make_env(env_id: str, n_envs: int, seed: int, monitor_dir: str | None, normalize: dict | None,
             frame_stack: int | None, training: bool = True, render: bool = False) -> VecEnv:
    """
    The zoo's ``create_env``: Monitor-wrapped envs in a DummyVecEnv, then VecNormalize, then VecFrameStack.

    :param env_id: (str) the env id (old ids map to gymnasium successors)
    :param n_envs: (int) number of envs
    :param seed: (int) env ``i`` is seeded with ``seed + i``
    :param monitor_dir: (str or None) folder of the Monitor files (None: no file)
    :param normalize: (dict or None) VecNormalize kwargs (None: no normalisation)
    :param frame_stack: (int or None) number of stacked frames
    :param training: (bool) False for an evaluation env: statistics frozen, rewards not normalised
    :param render: (bool) create the env with ``render_mode="human"`` (one env only)
    :return: (VecEnv)
    """
    if render:
        env = make_vec_env(lambda: make_env_from_id(env_id, render_mode="human"), n_envs=n_envs, seed=seed,
                           monitor_dir=monitor_dir)
    else:
        env = make_vec_env(env_id, n_envs=n_envs, seed=seed, monitor_dir=monitor_dir)
    if normalize is not None:
        kwargs = dict(normalize)
        if not training:
            kwargs.update(training=False, norm_reward=False)
        env = VecNormalize(env, **kwargs)
    if frame_stack:
        env = VecFrameStack(env, frame_stack)
    return env


def _freeze(vec_normalize: VecNormalize) -> VecNormalize:
    """Evaluation mode: statistics no longer updated, rewards returned as the env gives them."""
    vec_normalize.training = False
    vec_normalize.norm_reward = False
    return vec_normalize


def evaluate_model(model: Any, env: VecEnv, n_episodes: int, deterministic: bool) -> tuple[float, float]:
    """
    :param model: (PPO2) the model
    :param env: (VecEnv) a one-env VecEnv (rewards not normalised)
    :param n_episodes: (int) number of episodes
    :param deterministic: (bool) deterministic or sampled actions
    :return: (float, float) mean and std of the episode rewards
    """
    from sb_ppo2.common.evaluation import evaluate_policy

    rewards, _ = evaluate_policy(model, env, n_eval_episodes=n_episodes, deterministic=deterministic,
                                 return_episode_rewards=True)
    rewards = np.asarray(rewards, dtype=np.float64).reshape(-1)
    return float(np.mean(rewards)), float(np.std(rewards))


# --- train --------------------------------------------------------------------------------------------------------
def _safe_name(env_id: str) -> str:
    """A file-name-safe version of an env id (namespaced ids such as ``ALE/Pong-v5`` contain a slash)."""
    return re.sub(r"[^A-Za-z0-9_.-]", "_", env_id)


def next_run_dir(log_folder: str, env_id: str) -> str:
    """
    The zoo's numbering: ``<log_folder>/<env>_<N>`` with N one more than the largest existing.

    :param log_folder: (str) the parent folder
    :param env_id: (str) the env
    :return: (str) a new folder (created)
    """
    name = _safe_name(env_id)
    pattern = re.compile(rf"^{re.escape(name)}_(\d+)$")
    existing = [int(m.group(1)) for entry in (os.listdir(log_folder) if os.path.isdir(log_folder) else [])
                if (m := pattern.match(entry))]
    run_dir = os.path.join(log_folder, f"{name}_{max(existing, default=0) + 1}")
    os.makedirs(run_dir, exist_ok=False)
    return run_dir


def _write_config(run_dir: str, config: ZooConfig, extra: dict[str, Any]) -> str:
    """Write ``config.json`` (and ``config.yml`` when pyyaml is installed). :return: (str) the JSON path"""
    data = {**jsonable_hyperparams(config), **extra}
    path = os.path.join(run_dir, "config.json")
    with open(path, "w", encoding="utf-8") as file_handler:
        json.dump(data, file_handler, indent=2)
    try:
        import yaml
    except ImportError:
        return path
    with open(os.path.join(run_dir, "config.yml"), "w", encoding="utf-8") as file_handler:
        yaml.safe_dump(data, file_handler, sort_keys=False)
    return path


def _write_learning_curve(run_dir: str, env_id: str) -> str:
    """Plot the run's Monitor files into ``learning_curve.html``. :return: (str) the path"""
    from sb_ppo2.results_plotter import X_TIMESTEPS, plot_curves, save_html
    from sb_ppo2.zoo_benchmark import read_monitor_curve

    fig = plot_curves([read_monitor_curve(run_dir)], X_TIMESTEPS, f"PPO2 on {env_id}", labels=[env_id])
    return save_html(fig, os.path.join(run_dir, "learning_curve.html"))


def _callbacks(config: ZooConfig, seed: int, run_dir: str, progress: str, eval_freq: int, verbose: int) -> list:
    """The progress bar (``progress``: auto/on/off) and, if asked, the zoo's periodic EvalCallback."""
    from sb_ppo2.common.callbacks import EvalCallback, ProgressBarCallback

    callbacks: list = []
    if progress != "off":
        callbacks.append(ProgressBarCallback(total_timesteps=config.n_timesteps, force=progress == "on"))
    if eval_freq > 0:
        eval_env = make_env(config.env_id, 1, seed + _EVAL_SEED_OFFSET, None, config.normalize, config.frame_stack,
                            training=False)
        # The zoo counted eval_freq in env steps across all envs; the callback counts calls (one per n_envs steps).
        callbacks.append(EvalCallback(eval_env, n_eval_episodes=5, eval_freq=max(eval_freq // config.n_envs, 1),
                                      log_path=run_dir, best_model_save_path=run_dir, verbose=verbose))
    return callbacks


def train_one(config: ZooConfig, seed: int, run_dir: str, device: str = "auto", progress: str = "auto",
              eval_freq: int = 0, verbose: int = 0, n_eval_episodes: int = FINAL_EVAL_EPISODES,
              deterministic: bool = True, command: str | None = None) -> TrainResult:
    """
    Train one PPO2 model with the given settings, save everything in ``run_dir`` and evaluate it.

    :param config: (ZooConfig) the settings
    :param seed: (int) seed of the model and the envs
    :param run_dir: (str) existing folder for the run's files
    :param device: (str) PPO2's device
    :param progress: (str) "auto" (bar on a terminal), "on" (always) or "off"
    :param eval_freq: (int) evaluate every this many env steps during training (0: never)
    :param verbose: (int) PPO2's verbosity
    :param n_eval_episodes: (int) episodes of the final evaluation
    :param deterministic: (bool) deterministic actions in the final evaluation
    :param command: (str) the command line, recorded in ``config.json``
    :return: (TrainResult)
    """
    from sb_ppo2.ppo2 import PPO2

    env = make_env(config.env_id, config.n_envs, seed, run_dir, config.normalize, config.frame_stack)
    config_path = _write_config(run_dir, config, {"seed": seed, "device": device, "command": command})
    model = PPO2(env=env, seed=seed, device=device, verbose=verbose, **config.model_kwargs)
    callbacks = _callbacks(config, seed, run_dir, progress, eval_freq, verbose)
    start = time.time()
    model.learn(config.n_timesteps, callback=callbacks or None)
    wall_s = time.time() - start
    model_path = os.path.join(run_dir, f"{_safe_name(config.env_id)}.zip")
    model.save(model_path)
    vecnormalize_path = None
    if model.get_vec_normalize_env() is not None:
        vecnormalize_path = os.path.join(run_dir, "vecnormalize.pkl")
        model.get_vec_normalize_env().save(vecnormalize_path)
    env.close()  # flushes and closes the Monitor files before they are read
    curve_path = _write_learning_curve(run_dir, config.env_id)
    eval_env = make_env(config.env_id, 1, seed + _EVAL_SEED_OFFSET, None, None, None)
    if vecnormalize_path is not None:
        eval_env = _freeze(VecNormalize.load(vecnormalize_path, eval_env))
    if config.frame_stack:
        eval_env = VecFrameStack(eval_env, config.frame_stack)
    mean_reward, std_reward = evaluate_model(model, eval_env, n_eval_episodes, deterministic)
    eval_env.close()
    return TrainResult(config.env_id, seed, run_dir, model_path, vecnormalize_path, config_path, curve_path,
                       model.num_timesteps, wall_s, model.num_timesteps / max(wall_s, 1e-9), mean_reward, std_reward,
                       deterministic)


def _load_table(hyperparams: str) -> dict[str, dict[str, Any]]:
    """:param hyperparams: (str) "zoo" or a file. :return: (dict) the hyper-parameter table"""
    if hyperparams == "zoo":
        return load_zoo_hyperparams()
    try:
        return load_hyperparams_file(hyperparams)
    except ValueError as err:
        raise CliError(str(err)) from err


def build_config(env_id: str, hyperparams: str, n_timesteps: int | None, n_envs: int | None) -> ZooConfig:
    """
    :param env_id: (str) the env
    :param hyperparams: (str) "zoo" or a hyper-parameter file
    :param n_timesteps: (int or None) budget override
    :param n_envs: (int or None) number-of-envs override
    :return: (ZooConfig)
    :raises CliError: unknown env, no entry, untranslatable or unsupported settings
    """
    check_env_id(env_id)
    try:
        config = zoo_config(env_id, _load_table(hyperparams), {"n_timesteps": n_timesteps, "n_envs": n_envs})
    except KeyError as err:
        raise CliError(str(err.args[0])) from err
    except ValueError as err:
        raise CliError(f"{env_id}: {err}") from err
    _check_supported(config)
    return config


def _progress_mode(args: argparse.Namespace) -> str:
    return "off" if args.no_progress else ("on" if args.progress else "auto")


def cmd_train(args: argparse.Namespace) -> int:
    """``train``: one run, files in ``<log-folder>/<env>_<N>``."""
    config = build_config(args.env, args.hyperparams, args.n_timesteps, args.n_envs)
    run_dir = next_run_dir(args.log_folder, args.env)
    print(f"Training PPO2 on {args.env} (zoo entry {config.zoo_key!r}) for {config.n_timesteps} steps with "
          f"{config.n_envs} envs, seed {args.seed}; run folder {run_dir}", flush=True)
    result = train_one(config, args.seed, run_dir, device=args.device, progress=_progress_mode(args),
                       eval_freq=args.eval_freq, verbose=args.verbose, command=" ".join(sys.argv))
    print(f"Model:            {result.model_path}")
    if result.vecnormalize_path:
        print(f"VecNormalize:     {result.vecnormalize_path}")
    print(f"Hyper-parameters: {result.config_path}")
    print(f"Monitor logs:     {os.path.join(run_dir, '*.monitor.csv')}")
    print(f"Learning curve:   {result.curve_path}")
    print(f"mean_reward={result.mean_reward:.2f} +/- {result.std_reward:.2f} ({FINAL_EVAL_EPISODES} deterministic "
          f"episodes) | {result.n_timesteps} steps in {result.wall_s:.1f} s ({result.sps:.0f} steps/s)")
    return 0


# --- enjoy / evaluate -----------------------------------------------------------------------------------------
def find_model_file(path: str, env_id: str) -> str:
    """
    :param path: (str) a model file (``.zip``/``.pkl``, extension optional) or a run folder
    :param env_id: (str) the env (names the model inside a folder)
    :return: (str) the model file
    :raises CliError: nothing found
    """
    candidates = [path, path + ".zip", path + ".pkl"]
    if os.path.isdir(path):
        name = _safe_name(env_id)
        candidates = [os.path.join(path, f) for f in (f"{name}.zip", f"{name}.pkl")]
        # A run folder of another env still holds one final model: use it (the space check explains a mismatch).
        finals = [f for f in sorted(os.listdir(path)) if f.endswith(".zip") and f != "best_model.zip"]
        candidates += [os.path.join(path, f) for f in finals[:1] if len(finals) == 1]
        candidates.append(os.path.join(path, "best_model.zip"))
    for candidate in candidates:
        if os.path.isfile(candidate):
            return candidate
    raise CliError(f"model file not found: {path!r} (tried {', '.join(candidates)})")


def find_normalization(model_path: str, env_id: str) -> tuple[str, str] | None:
    """
    Where the zoo and this CLI put normalisation statistics: next to the model or in ``<dir>/<env>/``.

    :param model_path: (str) the model file
    :param env_id: (str) the env
    :return: ((str, str) or None) ``("vecnormalize", file)`` or ``("running_average", folder)``, None if none
    """
    folder = os.path.dirname(os.path.abspath(model_path))
    for stats_dir in (folder, os.path.join(folder, env_id), os.path.join(folder, _safe_name(env_id))):
        if os.path.isfile(os.path.join(stats_dir, "vecnormalize.pkl")):
            return "vecnormalize", os.path.join(stats_dir, "vecnormalize.pkl")
        if os.path.isfile(os.path.join(stats_dir, "obs_rms.pkl")):
            return "running_average", stats_dir
    return None


def _frame_stack_of(model_path: str) -> int | None:
    """The frame stack recorded in our ``config.json`` next to the model, if any."""
    path = os.path.join(os.path.dirname(os.path.abspath(model_path)), "config.json")
    if not os.path.isfile(path):
        return None
    with open(path, encoding="utf-8") as file_handler:
        return json.load(file_handler).get("frame_stack")


def make_eval_env(model_path: str, env_id: str, seed: int, render: bool = False) -> VecEnv:
    """
    One env as it was trained: frozen normalisation statistics (rewards unnormalised) and frame stack applied.

    :param model_path: (str) the model file (statistics are looked up around it)
    :param env_id: (str) the env
    :param seed: (int) the env's seed
    :param render: (bool) show the env in a window
    :return: (VecEnv)
    """
    env: VecEnv = make_env(env_id, 1, seed, None, None, None, render=render)
    stats = find_normalization(model_path, env_id)
    if stats is not None and stats[0] == "vecnormalize":
        env = _freeze(VecNormalize.load(stats[1], env))
    elif stats is not None:
        env = VecNormalize(env, training=False, norm_reward=False)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            env.load_running_average(stats[1])
    frame_stack = _frame_stack_of(model_path)
    if frame_stack:
        env = VecFrameStack(env, frame_stack)
    return env


def _same_shape(model_space: Any, env_space: Any) -> bool:
    """Same kind of space and same shape (and number of actions): bounds may differ between gym versions."""
    return (type(model_space) is type(env_space) and model_space.shape == env_space.shape
            and getattr(model_space, "n", None) == getattr(env_space, "n", None))


def _check_spaces(model: Any, env: VecEnv, model_path: str, env_id: str) -> None:
    """
    :raises CliError: the model cannot act in the env (different kind or shape of space)
    """
    for kind in ("observation_space", "action_space"):
        model_space, env_space = getattr(model, kind), getattr(env, kind)
        if not _same_shape(model_space, env_space):
            raise CliError(f"{model_path!r} was trained with {kind} {model_space}, but {env_id} has {env_space}")
        if model_space != env_space:
            print(f"note: {kind} bounds differ from the model's (an older gym version of {env_id}); "
                  "shapes match, evaluating anyway", file=sys.stderr)


def cmd_enjoy(args: argparse.Namespace) -> int:
    """``enjoy``/``evaluate``: load a model (ours or SB2's) and report its mean reward."""
    from sb_ppo2.ppo2 import PPO2

    check_env_id(args.env)
    model_path = find_model_file(args.model, args.env)
    env = make_eval_env(model_path, args.env, args.seed, render=args.render)
    try:
        # Loaded without the env: PPO2.set_env demands identical spaces, and the zoo's files carry old gym's
        # bounds (float32 max where gymnasium has inf, LunarLander's new limits); predict only needs the shapes.
        model = PPO2.load(model_path, device=args.device)
    except (AssertionError, ValueError, OSError) as err:
        raise CliError(f"cannot load {model_path!r}: {err}") from err
    _check_spaces(model, env, model_path, args.env)
    model.set_random_seed(args.seed)
    mean_reward, std_reward = evaluate_model(model, env, args.n_episodes, args.deterministic)
    env.close()
    kind = "deterministic" if args.deterministic else "stochastic"
    print(f"mean_reward={mean_reward:.2f} +/- {std_reward:.2f} ({args.n_episodes} {kind} episodes, {model_path})")
    return 0


# --- benchmark ----------------------------------------------------------------------------------------------------
_CSV_FIELDS = ["env_id", "seed", "n_timesteps", "n_envs", "eval", "n_eval_episodes", "mean_reward", "std_reward",
               "zoo_mean", "zoo_std", "sps", "wall_s", "run_dir"]


def _benchmark_table(rows: list[dict[str, Any]]) -> str:
    """The per-env summary: ours (mean ± std across seeds) vs the zoo, as aligned text."""
    lines = [f"{'env':<26} {'budget':>9} {'seeds':>5} {'ours (mean ± std over seeds)':>30} "
             f"{'zoo PPO2':>20} {'sps':>6} {'status':>8}"]
    for env_id in dict.fromkeys(row["env_id"] for row in rows):
        env_rows = [row for row in rows if row["env_id"] == env_id]
        means = np.array([row["mean_reward"] for row in env_rows])
        zoo_mean, zoo_std = env_rows[0]["zoo_mean"], env_rows[0]["zoo_std"]
        zoo_text = "n/a" if zoo_mean == "" else f"{zoo_mean:.1f} ± {zoo_std:.1f}"
        status = "n/a" if zoo_mean == "" else ("ok" if means.mean() >= zoo_mean - zoo_std else "BELOW")
        lines.append(f"{env_id:<26} {env_rows[0]['n_timesteps']:>9} {len(env_rows):>5} "
                     f"{f'{means.mean():.1f} ± {means.std():.1f}':>30} {zoo_text:>20} "
                     f"{np.mean([row['sps'] for row in env_rows]):>6.0f} {status:>8}")
    return "\n".join(lines)


def cmd_benchmark(args: argparse.Namespace) -> int:
    """``benchmark``: every env x every seed, then ``benchmark.csv``, ``report.html`` and a table."""
    from sb_ppo2.results_plotter import save_html
    from sb_ppo2.zoo_benchmark import BenchmarkRow, benchmark_report, zoo_reference

    env_ids = [env_id.strip() for env_id in args.envs.split(",") if env_id.strip()]
    if not env_ids:
        raise CliError("--envs: give at least one env id")
    configs = [build_config(env_id, args.hyperparams, args.n_timesteps, args.n_envs) for env_id in env_ids]
    os.makedirs(args.log_folder, exist_ok=True)
    rows: list[dict[str, Any]] = []
    for config in configs:
        reference = zoo_reference(config.env_id) or {"mean": "", "std": ""}
        for seed in range(args.first_seed, args.first_seed + args.seeds):
            run_dir = os.path.join(args.log_folder, _safe_name(config.env_id), f"seed_{seed}")
            os.makedirs(run_dir, exist_ok=True)
            print(f"[benchmark] {config.env_id} seed {seed}: {config.n_timesteps} steps, {config.n_envs} envs",
                  flush=True)
            result = train_one(config, seed, run_dir, device=args.device, progress=_progress_mode(args),
                               n_eval_episodes=args.n_eval_episodes, deterministic=args.deterministic,
                               command=" ".join(sys.argv))
            rows.append({"env_id": config.env_id, "seed": seed, "n_timesteps": result.n_timesteps,
                         "n_envs": config.n_envs, "eval": "deterministic" if args.deterministic else "stochastic",
                         "n_eval_episodes": args.n_eval_episodes, "mean_reward": result.mean_reward,
                         "std_reward": result.std_reward, "zoo_mean": reference["mean"], "zoo_std": reference["std"],
                         "sps": result.sps, "wall_s": result.wall_s, "run_dir": run_dir})
            print(f"[benchmark] {config.env_id} seed {seed}: mean_reward={result.mean_reward:.2f} +/- "
                  f"{result.std_reward:.2f} ({result.sps:.0f} steps/s, {result.wall_s:.0f} s)", flush=True)
            # Rewritten after every run, so a long benchmark that is interrupted keeps what it finished.
            _write_csv(os.path.join(args.log_folder, "benchmark.csv"), rows)
    results = [BenchmarkRow(r["env_id"], r["seed"], r["n_timesteps"], r["mean_reward"], r["std_reward"], r["run_dir"])
               for r in rows]
    report = save_html(benchmark_report(results), os.path.join(args.log_folder, "report.html"))
    print(_benchmark_table(rows))
    print(f"CSV:    {os.path.join(args.log_folder, 'benchmark.csv')}\nReport: {report}")
    return 0


def _write_csv(path: str, rows: list[dict[str, Any]]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as file_handler:
        writer = csv.DictWriter(file_handler, fieldnames=_CSV_FIELDS)
        writer.writeheader()
        writer.writerows(rows)


# --- argument parsing -----------------------------------------------------------------------------------------
def _positive_int(text: str) -> int:
    """Accepts ``256`` and the zoo's float notation ``1e5``."""
    try:
        number = float(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from err
    if not number.is_integer() or number < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return int(number)


def _non_negative_int(text: str) -> int:
    return 0 if text.strip() in ("0", "0.0") else _positive_int(text)


def _device(text: str) -> str:
    if text in ("auto", "cpu", "cuda") or re.fullmatch(r"cuda:\d+", text):
        return text
    raise argparse.ArgumentTypeError(f"expected auto, cpu, cuda or cuda:N, got {text!r}")


def _add_progress_flags(parser: argparse.ArgumentParser) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--no-progress", action="store_true", help="no progress bar")
    group.add_argument("--progress", action="store_true",
                       help="draw the progress bar even when stderr is not a terminal (default: only on a terminal)")


def _add_training_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--hyperparams", default="zoo", metavar="zoo|FILE.yml",
                        help="hyper-parameter table: the packaged rl-baselines-zoo ppo2.yml, or a file in its format")
    parser.add_argument("--n-timesteps", "-n", type=_positive_int, default=None,
                        help="training budget (default: the zoo's n_timesteps)")
    parser.add_argument("--n-envs", type=_positive_int, default=None, help="parallel envs (default: the zoo's)")
    parser.add_argument("--device", type=_device, default="auto", help="auto, cpu, cuda or cuda:N")
    _add_progress_flags(parser)


def build_parser() -> argparse.ArgumentParser:
    """:return: (argparse.ArgumentParser) the ``sb_ppo2`` command line"""
    parser = argparse.ArgumentParser(prog="python -m sb_ppo2", description=__doc__.split("\n")[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True, metavar="{train,enjoy,evaluate,benchmark}")

    train = commands.add_parser("train", help="train PPO2 with the zoo's hyper-parameters",
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    train.add_argument("--env", required=True, help="env id (old gym ids map to gymnasium successors)")
    _add_training_flags(train)
    train.add_argument("--seed", type=int, default=0)
    train.add_argument("--log-folder", "-f", default=DEFAULT_LOG_FOLDER, help="runs go to <log-folder>/<env>_<N>")
    train.add_argument("--eval-freq", type=_non_negative_int, default=0,
                       help="evaluate (5 episodes) every this many env steps during training, keeping the best "
                            "model (0: off)")
    train.add_argument("--verbose", type=int, default=0, help="PPO2 verbosity (1: a log table per update)")
    train.set_defaults(func=cmd_train)

    for name, aliases in (("enjoy", ["evaluate"]),):
        enjoy = commands.add_parser(name, aliases=aliases, help="evaluate a saved model (ours or SB2's)",
                                    formatter_class=argparse.ArgumentDefaultsHelpFormatter)
        enjoy.add_argument("--model", required=True, help="model file (.zip/.pkl) or run folder")
        enjoy.add_argument("--env", required=True, help="env id")
        enjoy.add_argument("--n-episodes", type=_positive_int, default=10)
        enjoy.add_argument("--deterministic", action="store_true",
                           help="deterministic actions (default: sampled, as the zoo's PPO2 benchmark)")
        enjoy.add_argument("--render", action="store_true", help="show the env in a window")
        enjoy.add_argument("--seed", type=int, default=0)
        enjoy.add_argument("--device", type=_device, default="auto")
        enjoy.set_defaults(func=cmd_enjoy)

    bench = commands.add_parser("benchmark", help="train several envs x seeds and compare with the zoo",
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    bench.add_argument("--envs", default="CartPole-v1", help="comma-separated env ids")
    bench.add_argument("--seeds", type=_positive_int, default=3, help="number of seeds K: seeds 0..K-1")
    bench.add_argument("--first-seed", type=int, default=0,
                       help="start the seeds here (S..S+K-1), to add seeds to an earlier benchmark")
    _add_training_flags(bench)
    bench.add_argument("--log-folder", "-f", default=os.path.join(DEFAULT_LOG_FOLDER, "benchmark"))
    bench.add_argument("--n-eval-episodes", type=_positive_int, default=FINAL_EVAL_EPISODES)
    bench.add_argument("--deterministic", action="store_true",
                       help="evaluate with deterministic actions (default: sampled, as the zoo's PPO2 benchmark)")
    bench.set_defaults(func=cmd_benchmark)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """
    Run the command line.

    :param argv: ([str]) the arguments (None: ``sys.argv[1:]``)
    :return: (int) the exit status (user errors exit with status 2 through argparse)
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except CliError as err:
        subparser = parser._subparsers._group_actions[0].choices[args.command]
        subparser.error(str(err))
    return 2
