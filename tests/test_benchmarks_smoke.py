"""Smoke test of the benchmark runner (benchmarks/run.py): tiny budgets, so that it cannot rot.  Not a timing test."""

from __future__ import annotations

import csv
import importlib.util
import inspect
import json
import os
import subprocess
import sys

import pytest

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO_ROOT)

from benchmarks.configs import CONFIGS, SB2_DEFAULTS, SB3Linear, sb3_kwargs  # noqa: E402

HAS_SB3 = importlib.util.find_spec("stable_baselines3") is not None


def test_sb2_defaults_match_ppo2_signature() -> None:
    """The SB3 translation of ``sb2-default-cartpole`` relies on SB2_DEFAULTS being PPO2's real defaults."""
    from sb_ppo2 import PPO2

    params = inspect.signature(PPO2.__init__).parameters
    assert {k: params[k].default for k in SB2_DEFAULTS} == SB2_DEFAULTS


def test_sb3_translation() -> None:
    """nminibatches -> batch_size, value clipping and SB2-aligned linear schedules."""
    config = CONFIGS["zoo-cartpole"]
    kwargs = sb3_kwargs(config)
    assert (kwargs["n_steps"], kwargs["batch_size"], kwargs["n_epochs"], kwargs["gae_lambda"]) == (32, 256, 20, 0.8)
    assert kwargs["clip_range_vf"] is kwargs["clip_range"]
    lr = kwargs["learning_rate"]
    assert isinstance(lr, SB3Linear)
    n = config.n_updates
    for k in (1, 2, n):  # SB3 calls with 1 - k/n at update k; SB2 uses 1 - (k-1)/n
        assert lr(1.0 - k / n) == pytest.approx((1.0 - (k - 1) / n) * 1e-3)
    assert sb3_kwargs(CONFIGS["atari-shape"])["clip_range_vf"] is None  # cliprange_vf=-1: no value clipping
    assert sb3_kwargs(CONFIGS["sb2-default-cartpole"])["batch_size"] == 8 * 128 // 4


@pytest.fixture(scope="module")
def smoke_run(tmp_path_factory) -> dict:
    """One tiny interleaved rep of zoo-cartpole through the CLI (SB3 too when installed): outputs and rows."""
    out = tmp_path_factory.mktemp("bench")
    libs = "sb_ppo2,sb3" if HAS_SB3 else "sb_ppo2"
    cmd = [sys.executable, os.path.join(REPO_ROOT, "benchmarks", "run.py"), "--configs", "zoo-cartpole", "--reps", "1",
           "--timesteps", "256", "--eval-episodes", "1", "--libs", libs, "--out", str(out)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300, cwd=REPO_ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    rows = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]
    with open(out / "summary.csv") as f:
        summary = list(csv.DictReader(f))
    return {"out": out, "stdout": proc.stdout, "rows": {r["lib"]: r for r in rows}, "n_rows": len(rows),
            "summary": summary}


def _check_row(row: dict) -> None:
    assert row["ok"] and row["timesteps"] == 256 and row["sps"] > 0 and row["peak_rss_mb"] > 0
    assert row["rollout_s"] > 0 and row["update_s"] > 0 and len(row["eval_rewards"]) == 1
    assert row["commit"] is not None and isinstance(row["dirty"], bool) and row["sb_ppo2_src"]


def test_runner_smoke_sb_ppo2(smoke_run: dict) -> None:
    """The sb_ppo2 run, summary.csv, report.html and the printed table."""
    _check_row(smoke_run["rows"]["sb_ppo2"])
    assert smoke_run["summary"][0]["config"] == "zoo-cartpole"
    assert (smoke_run["out"] / "report.html").stat().st_size > 0
    assert "zoo-cartpole" in smoke_run["stdout"]


@pytest.mark.skipif(not HAS_SB3, reason="stable-baselines3 (benchmark-only dependency) is not installed")
def test_runner_smoke_sb3(smoke_run: dict) -> None:
    """The SB3 run, interleaved after sb_ppo2's, and the paired ratio."""
    assert smoke_run["n_rows"] == 2
    _check_row(smoke_run["rows"]["sb3"])
    assert float(smoke_run["summary"][0]["ratio_median"]) > 0


def test_paired_ratios() -> None:
    """Ratios pair runs by rep and skip reps where a run failed."""
    from benchmarks.report import paired_ratios

    rows = [{"rep": 0, "lib": "sb_ppo2", "ok": True, "sps": 2.0}, {"rep": 0, "lib": "sb3", "ok": True, "sps": 1.0},
            {"rep": 1, "lib": "sb_ppo2", "ok": True, "sps": 3.0}, {"rep": 1, "lib": "sb3", "ok": False}]
    assert paired_ratios(rows) == [2.0]
