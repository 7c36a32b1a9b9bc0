"""Side-by-side benchmark runner: sb_ppo2's PPO2 against Stable-Baselines3's PPO, interleaved rep by rep.

Usage (from the repository root)::

    .venv/bin/python benchmarks/run.py --configs zoo-cartpole,sb2-default-cartpole --reps 5 \
        --out benchmarks/out/$(date +%Y%m%d-%H%M%S)

Every run (one library, one config, one rep) is a fresh ``python`` process (``--worker``), so its peak RSS is its
own and nothing imported by one library is loaded in the other's run.  Reps are interleaved (sb_ppo2, SB3,
sb_ppo2, SB3, ...) with the same seed within a pair; only the paired ratios are meant to be compared on a shared
machine.  Writes ``results.jsonl`` (one row per run, appended as runs finish), ``summary.csv``, ``meta.json`` and
``report.html`` into ``--out`` and prints the summary table.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import os
import platform
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if REPO_ROOT not in sys.path:
    sys.path.insert(0, REPO_ROOT)

from benchmarks.configs import BenchConfig, env_factory, resolve_configs, sb3_kwargs, sb_ppo2_kwargs  # noqa: E402
from benchmarks.report import format_table, summarise, write_report, write_summary_csv  # noqa: E402

LIBS = ("sb_ppo2", "sb3")
RESULT_MARKER = "BENCH_RESULT "
EVAL_SEED_OFFSET = 10_000


# --- provenance -------------------------------------------------------------------------------------------------
def _git(*args: str) -> str:
    """Output of a read-only git command in the repository ('' when git fails)."""
    try:
        out = subprocess.run(["git", "--no-optional-locks", "-C", REPO_ROOT, *args], capture_output=True, text=True,
                             timeout=30, check=True)
    except (OSError, subprocess.SubprocessError):
        return ""
    return out.stdout.strip()


def git_state() -> dict[str, Any]:
    """Commit, whether tracked files differ from it (``git diff --stat HEAD``), untracked files under sb_ppo2/."""
    diff_stat = _git("diff", "--stat", "HEAD")
    untracked = [p for p in _git("ls-files", "--others", "--exclude-standard", "sb_ppo2").splitlines() if p]
    return {"commit": _git("rev-parse", "--short", "HEAD"), "dirty": bool(diff_stat or untracked),
            "diff_stat": diff_stat.splitlines()[-1].strip() if diff_stat else "", "untracked_sb_ppo2": len(untracked)}


def sb_ppo2_source_hash() -> str:
    """Short sha256 of sb_ppo2's ``.py`` files as they are now (the lead edits them during a run)."""
    digest = hashlib.sha256()
    root = os.path.join(REPO_ROOT, "sb_ppo2")
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(f for f in filenames if f.endswith(".py")):
            path = os.path.join(dirpath, name)
            digest.update(os.path.relpath(path, root).encode())
            with open(path, "rb") as f:
                digest.update(f.read())
    return digest.hexdigest()[:12]


def machine_info() -> dict[str, Any]:
    """CPU model, core count, memory and library versions of this machine."""
    cpu = ""
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), "")
    except OSError:
        pass
    mem_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2 ** 30
    versions = {}
    for mod in ("torch", "numpy", "gymnasium", "stable_baselines3"):
        if importlib.util.find_spec(mod) is not None:
            versions[mod] = _module_version(mod)
    return {"cpu": cpu or platform.processor(), "cores": os.cpu_count(), "mem_gb": round(mem_gb, 1),
            "platform": platform.platform(), "python": platform.python_version(), "versions": versions}


def _module_version(mod: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(mod.replace("_", "-"))
    except PackageNotFoundError:
        return "?"


# --- the worker (one run, in its own process) --------------------------------------------------------------------
def _timed(method: Callable, acc: dict[str, float], key: str) -> Callable:
    """Wrap a bound method so that its wall time is added to ``acc[key]``."""
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return method(*args, **kwargs)
        finally:
            acc[key] += time.perf_counter() - start
    return wrapper


def _instrument_sb_ppo2(model: Any) -> dict[str, float]:
    """Sum ``model._last_timing`` over updates by wrapping ``_run_one_update`` on the instance (no callback)."""
    acc = {"rollout_s": 0.0, "update_s": 0.0, "n_updates": 0}
    original = getattr(model, "_run_one_update", None)
    if original is None:
        acc["rollout_s"] = acc["update_s"] = float("nan")
        return acc

    def run_one_update(*args: Any, **kwargs: Any) -> Any:
        model._last_timing = None
        out = original(*args, **kwargs)
        timing = model._last_timing
        if timing:
            acc["rollout_s"] += timing["rollout_s"]
            acc["update_s"] += timing["update_s"]
            acc["n_updates"] += 1
        return out

    model._run_one_update = run_one_update
    return acc


def _instrument_sb3(model: Any) -> dict[str, float]:
    """Time SB3's ``collect_rollouts`` and ``train`` by wrapping them on the instance."""
    acc = {"rollout_s": 0.0, "update_s": 0.0}
    model.collect_rollouts = _timed(model.collect_rollouts, acc, "rollout_s")
    model.train = _timed(model.train, acc, "update_s")
    return acc


def _preload_in_forkserver(config: BenchConfig, module: str) -> None:
    """
    For SubprocVecEnv: have the forkserver import the library (and so torch) once, as it would for a user script
    that imports the library at the top; otherwise each env worker imports torch itself (minutes for 64 workers on
    2 cores).  Applied identically to both libraries.
    """
    if config.vec_env == "subproc":
        import multiprocessing

        multiprocessing.set_forkserver_preload(["__main__", module])


def _evaluator(model: Any, make_vec_env: Callable, evaluate_policy: Callable, config: BenchConfig,
               seed: int) -> Callable[[int], list[float]]:
    """
    ``evaluate(n_episodes) -> episode rewards``: deterministic episodes on a fresh 1-env VecEnv, built with the
    library's own ``make_vec_env`` and ``evaluate_policy`` (both libraries share these signatures).
    """

    def evaluate(n_episodes: int) -> list[float]:
        eval_env = make_vec_env(env_factory(config), n_envs=1, seed=seed + EVAL_SEED_OFFSET)
        rewards, _ = evaluate_policy(model, eval_env, n_eval_episodes=n_episodes, deterministic=True,
                                     return_episode_rewards=True)
        eval_env.close()
        return rewards

    return evaluate


def _build_sb_ppo2(config: BenchConfig, seed: int) -> tuple[Any, Any, Callable]:
    """(model, env, evaluate(model) -> rewards) for sb_ppo2."""
    from sb_ppo2 import PPO2
    from sb_ppo2.common.cmd_util import make_vec_env
    from sb_ppo2.common.evaluation import evaluate_policy
    from sb_ppo2.common.vec_env import DummyVecEnv, SubprocVecEnv

    _preload_in_forkserver(config, "sb_ppo2")
    vec_cls = SubprocVecEnv if config.vec_env == "subproc" else DummyVecEnv
    env = make_vec_env(env_factory(config), n_envs=config.n_envs, seed=seed, vec_env_cls=vec_cls)
    model = PPO2(config.policy, env, verbose=0, seed=seed, n_cpu_tf_sess=1, device="cpu", **sb_ppo2_kwargs(config))

    return model, env, _evaluator(model, make_vec_env, evaluate_policy, config, seed)


def _build_sb3(config: BenchConfig, seed: int) -> tuple[Any, Any, Callable]:
    """(model, env, evaluate(model) -> rewards) for Stable-Baselines3."""
    from stable_baselines3 import PPO
    from stable_baselines3.common.env_util import make_vec_env
    from stable_baselines3.common.evaluation import evaluate_policy
    from stable_baselines3.common.vec_env import DummyVecEnv, SubprocVecEnv

    _preload_in_forkserver(config, "stable_baselines3")
    vec_cls = SubprocVecEnv if config.vec_env == "subproc" else DummyVecEnv
    env = make_vec_env(env_factory(config), n_envs=config.n_envs, seed=seed, vec_env_cls=vec_cls)
    model = PPO(config.policy, env, verbose=0, seed=seed, device="cpu", **sb3_kwargs(config))

    return model, env, _evaluator(model, make_vec_env, evaluate_policy, config, seed)


def run_worker(spec: dict[str, Any]) -> dict[str, Any]:
    """
    One training run in this process: build, ``learn()`` (timed), peak RSS, then evaluate on a fresh env.

    :param spec: ``{"config": name, "timesteps": int or None, "lib": "sb_ppo2"|"sb3", "seed": int,
        "eval_episodes": int}``
    :return: the result row (without the parent's fields)
    """
    t_import = time.perf_counter()
    import numpy as np
    import torch

    torch.set_num_threads(1)
    config = resolve_configs(spec["config"])[0]
    if spec.get("timesteps"):
        config = config.with_timesteps(spec["timesteps"])
    lib, seed = spec["lib"], spec["seed"]
    build, instrument = (_build_sb_ppo2, _instrument_sb_ppo2) if lib == "sb_ppo2" else (_build_sb3, _instrument_sb3)
    t_build = time.perf_counter()
    model, env, evaluate = build(config, seed)
    split = instrument(model)
    t_learn, cpu_learn = time.perf_counter(), time.process_time()
    model.learn(total_timesteps=config.timesteps)
    learn_s, learn_cpu_s = time.perf_counter() - t_learn, time.process_time() - cpu_learn
    peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # KiB on Linux
    steps = int(model.num_timesteps)
    env.close()
    rewards = [float(np.asarray(r).reshape(-1)[0]) for r in evaluate(spec["eval_episodes"])]
    return {
        "timesteps": steps, "learn_s": learn_s, "learn_cpu_s": learn_cpu_s, "sps": steps / learn_s,
        "cpu_sps": steps / learn_cpu_s if learn_cpu_s > 0 else float("nan"),
        "rollout_s": split["rollout_s"], "update_s": split["update_s"], "peak_rss_mb": peak_rss_mb,
        "import_s": t_build - t_import, "build_s": t_learn - t_build, "torch_threads": torch.get_num_threads(),
        "eval_rewards": rewards, "mean_reward": float(np.mean(rewards)), "std_reward": float(np.std(rewards)),
        "sb_ppo2_src": sb_ppo2_source_hash(),
    }


# --- the parent ---------------------------------------------------------------------------------------------------
def _child_env() -> dict[str, str]:
    """Environment of a worker: one BLAS/OpenMP thread, the repository importable."""
    env = dict(os.environ)
    env.update(OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    env["PYTHONPATH"] = os.pathsep.join(p for p in (REPO_ROOT, env.get("PYTHONPATH", "")) if p)
    return env


def run_child(spec: dict[str, Any], timeout_s: float) -> dict[str, Any]:
    """Run ``spec`` in a fresh interpreter; the row has ``ok`` False and ``error`` set when the run failed."""
    cmd = [sys.executable, os.path.abspath(__file__), "--worker", json.dumps(spec)]
    load = os.getloadavg()[0]
    start = time.time()
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout_s, env=_child_env(), cwd=REPO_ROOT)
    except subprocess.TimeoutExpired:
        return {"ok": False, "error": f"timeout after {timeout_s:.0f} s", "loadavg_1m": load}
    lines = [line for line in proc.stdout.splitlines() if line.startswith(RESULT_MARKER)]
    if proc.returncode != 0 or not lines:
        tail = (proc.stderr or proc.stdout)[-2000:]
        return {"ok": False, "error": f"exit {proc.returncode}: {tail}", "loadavg_1m": load}
    row = json.loads(lines[-1][len(RESULT_MARKER):])
    row.update(ok=True, loadavg_1m=load, wall_s=time.time() - start)
    return row


def run_benchmarks(configs: list[BenchConfig], libs: list[str], reps: int, out_dir: str, seed: int,
                   timesteps: int | None, eval_episodes: int, timeout_s: float,
                   log: Callable[[str], None] = print) -> list[dict[str, Any]]:
    """
    Interleave ``reps`` runs of each lib per config, appending each row to ``out_dir/results.jsonl``.

    Each row carries the git state taken just before its run (the code may change during a long run).
    """
    rows: list[dict[str, Any]] = []
    path = os.path.join(out_dir, "results.jsonl")
    for config in configs:
        effective = config.with_timesteps(timesteps) if timesteps else config
        for rep in range(reps):
            for lib in libs:
                spec = {"config": config.name, "timesteps": timesteps, "lib": lib, "seed": seed + rep,
                        "eval_episodes": eval_episodes}
                row = {"config": config.name, "lib": lib, "rep": rep, "seed": seed + rep,
                       "started": time.strftime("%Y-%m-%dT%H:%M:%S"), **git_state(), **run_child(spec, timeout_s),
                       "config_spec": effective.to_json()}
                rows.append(row)
                with open(path, "a") as f:
                    f.write(json.dumps(row) + "\n")
                log(_progress_line(row))
    return rows


def _progress_line(row: dict[str, Any]) -> str:
    head = f"[{row['config']} rep {row['rep']} {row['lib']:>7}]"
    if not row.get("ok"):
        return f"{head} FAILED: {row.get('error', '')[-400:]}"
    return (f"{head} {row['sps']:8.0f} sps  (cpu {row['cpu_sps']:8.0f})  rollout {row['rollout_s']:6.1f}s  "
            f"update {row['update_s']:6.1f}s  rss {row['peak_rss_mb']:6.0f} MB  reward {row['mean_reward']:8.1f}  "
            f"load {row['loadavg_1m']:.1f}")


def available_libs(requested: list[str]) -> list[str]:
    """``requested`` minus SB3 when it is not installed (with a note on stderr)."""
    libs = [lib for lib in requested if lib in LIBS]
    if "sb3" in libs and importlib.util.find_spec("stable_baselines3") is None:
        print("stable_baselines3 is not installed: running sb_ppo2 only", file=sys.stderr)
        libs.remove("sb3")
    return libs


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--configs", default="main", help="comma-separated config or group names "
                        "(groups: main, scaling, all)")
    parser.add_argument("--reps", type=int, default=3, help="runs per library and config (interleaved)")
    parser.add_argument("--out", default=None, help="output folder (default benchmarks/out/<timestamp>)")
    parser.add_argument("--libs", default="sb_ppo2,sb3", help="libraries, in run order within a pair")
    parser.add_argument("--seed", type=int, default=0, help="seed of rep 0 (rep r uses seed + r for both)")
    parser.add_argument("--timesteps", type=int, default=None, help="override every config's budget")
    parser.add_argument("--eval-episodes", type=int, default=10, help="deterministic evaluation episodes")
    parser.add_argument("--timeout", type=float, default=3600.0, help="seconds before a run is killed")
    parser.add_argument("--no-report", action="store_true", help="skip report.html")
    parser.add_argument("--worker", default=None, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def _write_meta(out_dir: str, args: argparse.Namespace, configs: list[BenchConfig], libs: list[str]) -> dict:
    meta = {"command": " ".join([os.path.relpath(sys.executable, REPO_ROOT), *sys.argv]),
            "started": time.strftime("%Y-%m-%dT%H:%M:%S"), "machine": machine_info(), "git": git_state(),
            "sb_ppo2_src": sb_ppo2_source_hash(), "libs": libs, "reps": args.reps, "seed": args.seed,
            "timesteps_override": args.timesteps, "configs": [c.to_json() for c in configs]}
    with open(os.path.join(out_dir, "meta.json"), "w") as f:
        json.dump(meta, f, indent=2)
    return meta


def main(argv: list[str] | None = None) -> int:
    """CLI entry point."""
    args = parse_args(argv)
    if args.worker is not None:
        print(RESULT_MARKER + json.dumps(run_worker(json.loads(args.worker))), flush=True)
        return 0
    configs = resolve_configs(args.configs)
    libs = available_libs(args.libs.split(","))
    out_dir = args.out or os.path.join(REPO_ROOT, "benchmarks", "out", time.strftime("%Y%m%d-%H%M%S"))
    os.makedirs(out_dir, exist_ok=True)
    meta = _write_meta(out_dir, args, configs, libs)
    rows = run_benchmarks(configs, libs, args.reps, out_dir, args.seed, args.timesteps, args.eval_episodes,
                          args.timeout)
    summary = summarise(rows, configs)
    write_summary_csv(summary, os.path.join(out_dir, "summary.csv"))
    if not args.no_report:
        write_report(rows, summary, meta, os.path.join(out_dir, "report.html"))
    print(format_table(summary))
    print(f"results in {out_dir}")
    return 0 if all(r.get("ok") for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
