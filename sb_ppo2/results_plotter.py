"""Plot the episode rewards logged by ``Monitor`` (SB2's ``results_plotter``, drawn with plotly).

SB2 drew with matplotlib and showed a window; here ``plot_curves`` and ``plot_results`` return a
``plotly.graph_objects.Figure`` (show it with ``fig.show()``, or write it with ``save_html``), and the command
line (``python -m sb_ppo2.results_plotter --dirs ./log``) writes a standalone HTML file.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go

from sb_ppo2.bench.monitor import load_results

__all__ = [
    "COLORS",
    "EPISODES_WINDOW",
    "POSSIBLE_X_AXES",
    "X_EPISODES",
    "X_TIMESTEPS",
    "X_WALLTIME",
    "load_results",
    "main",
    "plot_curves",
    "plot_results",
    "rolling_window",
    "save_html",
    "ts2xy",
    "window_func",
]

X_TIMESTEPS = "timesteps"
X_EPISODES = "episodes"
X_WALLTIME = "walltime_hrs"
POSSIBLE_X_AXES = [X_TIMESTEPS, X_EPISODES, X_WALLTIME]
EPISODES_WINDOW = 100
# SB2's list, kept as is (its names are matplotlib's); _plotly_color maps the one name plotly lacks.
COLORS = [
    "blue", "green", "red", "cyan", "magenta", "yellow", "black", "purple", "pink", "brown", "orange", "teal",
    "coral", "lightblue", "lime", "lavender", "turquoise", "darkgreen", "tan", "salmon", "gold", "lightpurple",
    "darkred", "darkblue",
]  # fmt: skip
_PLOTLY_COLOR_NAMES = {"lightpurple": "plum"}
# SB2's figure was 8 x 2 inches; plotly needs more height for its title and axis labels to stay readable.
_FIGURE_HEIGHT = 300


def rolling_window(array: np.ndarray, window: int) -> np.ndarray:
    """
    apply a rolling window to a np.ndarray

    :param array: (np.ndarray) the input Array
    :param window: (int) length of the rolling window
    :return: (np.ndarray) rolling window on the input array, shape ``array.shape[:-1] + (n - window + 1, window)``
        (a read-only view, no copy)
    """
    # sliding_window_view is the safe equivalent of SB2's as_strided trick (same shape, same values).
    return np.lib.stride_tricks.sliding_window_view(array, window, axis=-1)


def window_func(
    var_1: np.ndarray, var_2: np.ndarray, window: int, func: Callable[..., np.ndarray]
) -> tuple[np.ndarray, np.ndarray]:
    """
    apply a function to the rolling window of 2 arrays

    :param var_1: (np.ndarray) variable 1
    :param var_2: (np.ndarray) variable 2
    :param window: (int) length of the rolling window
    :param func: (numpy function) function to apply on the rolling window on variable 2 (such as np.mean)
    :return: (np.ndarray, np.ndarray) the rolling output with applied function
    """
    var_2_window = rolling_window(var_2, window)
    function_on_var2 = func(var_2_window, axis=-1)
    return var_1[window - 1 :], function_on_var2


def ts2xy(timesteps: Any, xaxis: str) -> tuple[np.ndarray, np.ndarray]:
    """
    Decompose a timesteps variable to x ans ys

    :param timesteps: (Pandas DataFrame) the input data
    :param xaxis: (str) the axis for the x and y output
        (can be X_TIMESTEPS='timesteps', X_EPISODES='episodes' or X_WALLTIME='walltime_hrs')
    :return: (np.ndarray, np.ndarray) the x and y output
    """
    if xaxis == X_TIMESTEPS:
        x_var = np.cumsum(timesteps.l.values)
    elif xaxis == X_EPISODES:
        x_var = np.arange(len(timesteps))
    elif xaxis == X_WALLTIME:
        x_var = timesteps.t.values / 3600.0
    else:
        raise NotImplementedError(f"Unknown xaxis {xaxis!r}, expected one of {POSSIBLE_X_AXES}")
    return x_var, timesteps.r.values


def _plotly_color(index: int) -> str:
    """
    :param index: (int) the curve's position
    :return: (str) a CSS colour name plotly accepts (SB2's COLORS, cycled)
    """
    name = COLORS[index % len(COLORS)]
    return _PLOTLY_COLOR_NAMES.get(name, name)


def plot_curves(
    xy_list: Sequence[tuple[np.ndarray, np.ndarray]], xaxis: str, title: str, labels: Sequence[str] | None = None
) -> go.Figure:
    """
    plot the curves: each run's episode rewards as points, and their rolling mean over ``EPISODES_WINDOW`` episodes
    as a line once there are that many episodes

    :param xy_list: ([(np.ndarray, np.ndarray)]) the x and y coordinates to plot
    :param xaxis: (str) the axis for the x and y output
        (can be X_TIMESTEPS='timesteps', X_EPISODES='episodes' or X_WALLTIME='walltime_hrs')
    :param title: (str) the title of the plot
    :param labels: ([str]) optional legend name of each curve (an sb_ppo2 addition; default ``run 0``, ``run 1``...)
    :return: (plotly.graph_objects.Figure) the figure
    """
    fig = go.Figure()
    for i, (x, y) in enumerate(xy_list):
        name = labels[i] if labels is not None else f"run {i}"
        color = _plotly_color(i)
        fig.add_trace(
            go.Scatter(
                x=x, y=y, mode="markers", name=name, legendgroup=name,
                marker={"size": 3, "color": color, "opacity": 0.5},
            )
        )  # fmt: skip
        if len(x) >= EPISODES_WINDOW:
            # So returns average of last EPISODES_WINDOW episodes
            x_mean, y_mean = window_func(np.asarray(x), np.asarray(y), EPISODES_WINDOW, np.mean)
            fig.add_trace(
                go.Scatter(
                    x=x_mean, y=y_mean, mode="lines", name=f"{name} (mean of {EPISODES_WINDOW})", legendgroup=name,
                    line={"color": color},
                )
            )  # fmt: skip
    non_empty = [x for x, _ in xy_list if len(x) > 0]
    x_range = [0, max(x[-1] for x in non_empty)] if non_empty else None
    fig.update_layout(
        title=title,
        xaxis={"title": xaxis, "range": x_range},
        yaxis={"title": "Episode Rewards"},
        height=_FIGURE_HEIGHT,
        margin={"l": 60, "r": 20, "t": 50, "b": 50},
    )
    return fig


def plot_results(dirs: Sequence[str], num_timesteps: float | None, xaxis: str, task_name: str) -> go.Figure:
    """
    plot the results

    :param dirs: ([str]) the save location of the results to plot
    :param num_timesteps: (int or float or None) only plot the episodes that end within this many timesteps
        (None: all)
    :param xaxis: (str) the axis for the x and y output
        (can be X_TIMESTEPS='timesteps', X_EPISODES='episodes' or X_WALLTIME='walltime_hrs')
    :param task_name: (str) the title of the task to plot
    :return: (plotly.graph_objects.Figure) the figure
    """
    tslist = []
    for folder in dirs:
        timesteps = load_results(folder)
        if num_timesteps is not None:
            timesteps = timesteps[timesteps.l.cumsum() <= num_timesteps]
        tslist.append(timesteps)
    xy_list = [ts2xy(timesteps_item, xaxis) for timesteps_item in tslist]
    labels = [os.path.basename(os.path.normpath(folder)) or folder for folder in dirs]
    return plot_curves(xy_list, xaxis, task_name, labels=labels)


def save_html(fig: go.Figure, path: str) -> str:
    """
    Write a figure as a standalone HTML file (plotly.js embedded, so it opens offline).  The file is written
    to a temporary name and then renamed, so a reader never sees half a file.

    :param fig: (plotly.graph_objects.Figure) the figure
    :param path: (str) the HTML file to write
    :return: (str) ``path``
    """
    html = fig.to_html(include_plotlyjs=True, full_html=True)
    from sb_ppo2.common.save_util import atomic_write

    with atomic_write(path, "w", encoding="utf-8") as handle:
        handle.write(html)
    return path


def main(argv: Sequence[str] | None = None) -> None:
    """
    Command line: plot the monitor logs of one or more folders into a standalone HTML file.

    .. code-block:: bash

        python -m sb_ppo2.results_plotter --dirs ./log --num_timesteps 100000 --output results.html

    :param argv: ([str]) the arguments (None: ``sys.argv[1:]``)
    """
    parser = argparse.ArgumentParser(formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--dirs", help="List of log directories", nargs="*", default=["./log"])
    parser.add_argument("--num_timesteps", type=int, default=int(10e6))
    parser.add_argument("--xaxis", help="Variable on X-axis", default=X_TIMESTEPS, choices=POSSIBLE_X_AXES)
    parser.add_argument("--task_name", help="Title of plot", default="Breakout")
    parser.add_argument("--output", help="HTML file to write", default="results.html")
    args = parser.parse_args(argv)
    dirs = [os.path.abspath(folder) for folder in args.dirs]
    fig = plot_results(dirs, args.num_timesteps, args.xaxis, args.task_name)
    print(f"Wrote {save_html(fig, args.output)}")


if __name__ == "__main__":
    main()
