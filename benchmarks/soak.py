"""Soak test: train for a long time with SubprocVecEnv, checkpoint regularly, record memory over time.

Usage (from the repo root)::

    python benchmarks/soak.py --steps 2000000 --checkpoint-every 100000 --out benchmarks/out/soak

It writes ``rss.csv`` (timesteps, seconds, RSS of the training process and unique memory of its env workers, MiB),
the checkpoints, and ``soak.json`` with the verdict: RSS growth between the end of warm-up (the first
checkpoint) and the end must stay within ``--max-growth`` (5 % by default).  Not part of the test suite.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import time

import psutil

from sb_ppo2 import PPO2
from sb_ppo2.common.callbacks import BaseCallback, CheckpointCallback
from sb_ppo2.common.cmd_util import make_vec_env
from sb_ppo2.common.schedules import LinearFn
from sb_ppo2.common.vec_env import SubprocVecEnv


def _rss_mib(process: psutil.Process) -> tuple[float, float]:
    """
    :return: ((float, float)) RSS of the process, and the unique memory (USS) of its children, in MiB.
        Workers are forked, so their RSS counts pages shared with their parent many times over; USS does not.
    """
    children = 0.0
    for child in process.children(recursive=True):
        try:
            children += child.memory_full_info().uss
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            pass
    return process.memory_info().rss / 2**20, children / 2**20


class MemoryRecorder(BaseCallback):
    """
    Record the RSS every ``every`` timesteps.

    :param every: (int) timesteps between two records
    :param path: (str) the CSV file to write
    """

    def __init__(self, every: int, path: str):
        super().__init__()
        self.every, self.path = every, path
        self.rows: list[dict] = []
        self._next = 0
        self._process = psutil.Process()
        self._start = time.time()

    def _on_step(self) -> bool:
        if self.num_timesteps >= self._next:
            main_rss, workers_rss = _rss_mib(self._process)
            self.rows.append({"timesteps": self.num_timesteps, "seconds": round(time.time() - self._start, 2),
                              "rss_main_mib": round(main_rss, 2), "uss_workers_mib": round(workers_rss, 2)})
            self._next += self.every
        return True

    def _on_training_end(self) -> None:
        with open(self.path, "w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(self.rows[0].keys()))
            writer.writeheader()
            writer.writerows(self.rows)


def main(argv: list[str] | None = None) -> dict:
    """Run the soak test; :return: (dict) the summary written to soak.json"""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=2_000_000)
    parser.add_argument("--checkpoint-every", type=int, default=100_000)
    parser.add_argument("--record-every", type=int, default=20_000)
    parser.add_argument("--n-envs", type=int, default=8)
    parser.add_argument("--max-growth", type=float, default=0.05)
    parser.add_argument("--out", default="benchmarks/out/soak")
    args = parser.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    env = make_vec_env("CartPole-v1", n_envs=args.n_envs, seed=0, vec_env_cls=SubprocVecEnv)
    model = PPO2("MlpPolicy", env, n_steps=32, nminibatches=1, lam=0.8, gamma=0.98, noptepochs=20, ent_coef=0.0,
                 learning_rate=LinearFn(1e-3), cliprange=LinearFn(0.2), seed=0)
    recorder = MemoryRecorder(args.record_every, os.path.join(args.out, "rss.csv"))
    checkpoints = CheckpointCallback(save_freq=max(args.checkpoint_every // args.n_envs, 1),
                                     save_path=os.path.join(args.out, "checkpoints"))
    start = time.time()
    model.learn(args.steps, callback=[recorder, checkpoints])
    elapsed = time.time() - start
    env.close()
    rows = recorder.rows
    warm = next((r for r in rows if r["timesteps"] >= args.checkpoint_every), rows[0])
    last = rows[-1]
    total = lambda r: r["rss_main_mib"] + r["uss_workers_mib"]  # noqa: E731
    summary = {
        "steps": model.num_timesteps, "seconds": round(elapsed, 1), "sps": round(model.num_timesteps / elapsed),
        "checkpoints": len(os.listdir(os.path.join(args.out, "checkpoints"))),
        "rss_after_warmup_mib": round(total(warm), 1), "rss_end_mib": round(total(last), 1),
        "main_rss_after_warmup_mib": warm["rss_main_mib"], "main_rss_end_mib": last["rss_main_mib"],
        "growth": round(total(last) / total(warm) - 1.0, 4), "max_growth": args.max_growth,
    }
    summary["passed"] = summary["growth"] <= args.max_growth
    with open(os.path.join(args.out, "soak.json"), "w") as handle:
        json.dump(summary, handle, indent=2)
    print(json.dumps(summary, indent=2))
    return summary


if __name__ == "__main__":
    main()
