"""rl-baselines-zoo's published PPO2 figures, learning curves read from Monitor files, and the benchmark report.

``zoo_reference(env_id)`` gives the zoo's mean ± std for an env (old ids matched to their gymnasium successors,
so ``LunarLander-v3`` finds the zoo's ``LunarLander-v2`` row).  ``benchmark_report`` draws the plotly page of
``python -m sb_ppo2 benchmark``: per env, the learning curves of all seeds (mean line and min/max band on a
common timestep grid) and the final reward of each seed next to the zoo's figure.
"""

from __future__ import annotations

import csv
import glob
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from sb_ppo2.zoo import DATA_DIR, find_zoo_entry

__all__ = [
    "ZOO_BENCHMARK_MD",
    "BenchmarkRow",
    "benchmark_report",
    "curve_on_grid",
    "load_zoo_benchmark",
    "read_monitor_curve",
    "zoo_reference",
]

ZOO_BENCHMARK_MD = os.path.join(DATA_DIR, "zoo_benchmark.md")
# Episodes averaged for a smooth learning curve (results_plotter uses 100; short runs have fewer episodes).
_SMOOTHING_EPISODES = 20
_GRID_POINTS = 200


def load_zoo_benchmark(algo: str = "ppo2", path: str = ZOO_BENCHMARK_MD) -> dict[str, dict[str, float]]:
    """
    Parse the zoo's ``benchmark.md`` table.

    :param algo: (str) the algorithm's rows to keep
    :param path: (str) the markdown file
    :return: (dict) env id (as the zoo wrote it) -> ``{"mean", "std", "n_timesteps", "n_episodes"}``
    """
    table: dict[str, dict[str, float]] = {}
    with open(path, encoding="utf-8") as file_handler:
        for line in file_handler:
            cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
            if len(cells) != 6 or cells[0] != algo:
                continue
            table[cells[1]] = {"mean": float(cells[2]), "std": float(cells[3]), "n_timesteps": int(cells[4]),
                               "n_episodes": int(cells[5])}
    return table


def zoo_reference(env_id: str, algo: str = "ppo2") -> dict[str, float] | None:
    """
    :param env_id: (str) an env id, old or new
    :param algo: (str) the algorithm
    :return: (dict or None) the zoo's ``{"mean", "std", ...}`` for that env (and ``"zoo_id"``), None if absent
    """
    table = load_zoo_benchmark(algo)
    try:
        key = find_zoo_entry(env_id, {k: {} for k in table})
    except KeyError:
        return None
    return {**table[key], "zoo_id": key}


def read_monitor_curve(folder: str) -> tuple[np.ndarray, np.ndarray]:
    """
    Episode rewards of all ``*monitor.csv`` files of a folder on one time line, without pandas.

    :param folder: (str) the run folder
    :return: (np.ndarray, np.ndarray) cumulative timesteps at each episode's end, and episode rewards
    """
    episodes = []
    for path in sorted(glob.glob(os.path.join(folder, "*monitor.csv"))):
        with open(path, encoding="utf-8") as file_handler:
            header = json.loads(file_handler.readline().lstrip("#"))
            for row in csv.DictReader(file_handler):
                # Order the episodes of all envs by their wall-clock end time.
                episodes.append((header["t_start"] + float(row["t"]), int(row["l"]), float(row["r"])))
    episodes.sort()
    lengths = np.array([ep[1] for ep in episodes], dtype=np.int64)
    rewards = np.array([ep[2] for ep in episodes], dtype=np.float64)
    return np.cumsum(lengths), rewards


def curve_on_grid(x: np.ndarray, y: np.ndarray, grid: np.ndarray,
                  window: int = _SMOOTHING_EPISODES) -> np.ndarray:
    """
    A rolling mean of the episode rewards, interpolated on a timestep grid (NaN before the first full window).

    :param x: (np.ndarray) timesteps at each episode's end
    :param y: (np.ndarray) episode rewards
    :param grid: (np.ndarray) the timesteps to sample
    :param window: (int) episodes averaged (fewer if the run has fewer)
    :return: (np.ndarray) one value per grid point
    """
    if len(x) == 0:
        return np.full(len(grid), np.nan)
    window = max(1, min(window, len(x)))
    smooth = np.convolve(y, np.ones(window) / window, mode="valid")
    x_smooth = x[window - 1:]
    values = np.interp(grid, x_smooth, smooth)
    values[grid < x_smooth[0]] = np.nan
    return values


@dataclass
class BenchmarkRow:
    """
    One trained and evaluated run of the benchmark.

    :param env_id: (str) the env
    :param seed: (int) the seed
    :param n_timesteps: (int) training budget
    :param mean_reward: (float) mean evaluation reward
    :param std_reward: (float) std of the evaluation episodes' rewards
    :param run_dir: (str) the run folder (monitor files)
    """

    env_id: str
    seed: int
    n_timesteps: int
    mean_reward: float
    std_reward: float
    run_dir: str


def _add_curves(fig: go.Figure, row: int, rows: Sequence[BenchmarkRow]) -> None:
    """Mean learning curve over seeds with a min/max band, in subplot (row, 1)."""
    budget = max(r.n_timesteps for r in rows)
    grid = np.linspace(0, budget, _GRID_POINTS)
    curves = np.array([curve_on_grid(*read_monitor_curve(r.run_dir), grid) for r in rows])
    valid = ~np.all(np.isnan(curves), axis=0)
    if not valid.any():
        return
    grid, curves = grid[valid], curves[:, valid]
    with np.errstate(all="ignore"):
        low, high, mean = np.nanmin(curves, 0), np.nanmax(curves, 0), np.nanmean(curves, 0)
    band = {"mode": "lines", "line": {"width": 0}, "showlegend": False, "hoverinfo": "skip"}
    fig.add_trace(go.Scatter(x=grid, y=high, **band), row=row, col=1)
    fig.add_trace(go.Scatter(x=grid, y=low, fill="tonexty", fillcolor="rgba(31,119,180,0.25)", **band),
                  row=row, col=1)
    fig.add_trace(go.Scatter(x=grid, y=mean, mode="lines", line={"color": "rgb(31,119,180)"},
                             name=f"mean of {len(rows)} seeds (min/max band)", showlegend=row == 1), row=row, col=1)


def _add_finals(fig: go.Figure, row: int, rows: Sequence[BenchmarkRow], reference: dict | None) -> None:
    """Each seed's evaluation reward, and the zoo's mean ± std, in subplot (row, 2)."""
    fig.add_trace(go.Scatter(
        x=[f"seed {r.seed}" for r in rows], y=[r.mean_reward for r in rows], mode="markers",
        error_y={"type": "data", "array": [r.std_reward for r in rows]}, marker={"color": "rgb(31,119,180)"},
        name="ours (eval mean ± std)", showlegend=row == 1), row=row, col=2)
    if reference is not None:
        fig.add_trace(go.Scatter(
            x=["zoo"], y=[reference["mean"]], mode="markers", error_y={"type": "data", "array": [reference["std"]]},
            marker={"color": "rgb(214,39,40)", "symbol": "diamond", "size": 10},
            name="rl-baselines-zoo PPO2 (mean ± std)", showlegend=row == 1), row=row, col=2)


def benchmark_report(results: Sequence[BenchmarkRow], title: str = "sb_ppo2 PPO2 benchmark") -> go.Figure:
    """
    The benchmark page: one row per env, learning curves (left) and final rewards vs the zoo (right).

    :param results: ([BenchmarkRow]) all runs
    :param title: (str) the page title
    :return: (plotly.graph_objects.Figure)
    """
    env_ids = list(dict.fromkeys(r.env_id for r in results))
    titles = []
    for env_id in env_ids:
        titles += [f"{env_id}: episode reward during training", f"{env_id}: evaluation reward vs zoo"]
    fig = make_subplots(rows=max(len(env_ids), 1), cols=2, column_widths=[0.7, 0.3], subplot_titles=titles,
                        vertical_spacing=0.25 / max(len(env_ids), 1))
    for index, env_id in enumerate(env_ids, start=1):
        rows = [r for r in results if r.env_id == env_id]
        _add_curves(fig, index, rows)
        _add_finals(fig, index, rows, zoo_reference(env_id))
        fig.update_xaxes(title_text="timesteps", row=index, col=1)
    fig.update_layout(title=title, height=350 * max(len(env_ids), 1), margin={"l": 60, "r": 20, "t": 80, "b": 40})
    return fig
