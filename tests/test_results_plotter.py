"""results_plotter: ts2xy on a generated monitor file, window helpers, plotly figures, standalone HTML."""

import json
import os

import numpy as np
import plotly.graph_objects as go
import pytest

from sb_ppo2 import results_plotter
from sb_ppo2.results_plotter import (
    COLORS,
    EPISODES_WINDOW,
    POSSIBLE_X_AXES,
    X_EPISODES,
    X_TIMESTEPS,
    X_WALLTIME,
    load_results,
    plot_curves,
    plot_results,
    rolling_window,
    save_html,
    ts2xy,
    window_func,
)


def write_monitor_dir(folder, n_episodes, t_start=1_600_000_000.0):
    """A monitor.csv with episode i: reward i, length i + 1, ending at 36 * (i + 1) seconds."""
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "monitor.csv"), "w") as file_handler:
        file_handler.write("#" + json.dumps({"t_start": t_start, "env_id": "Fixture-v0"}) + "\n")
        file_handler.write("r,l,t\r\n")
        for i in range(n_episodes):
            file_handler.write(f"{float(i)},{i + 1},{36.0 * (i + 1)}\r\n")
    return str(folder)


def test_constants():
    assert (X_TIMESTEPS, X_EPISODES, X_WALLTIME) == ("timesteps", "episodes", "walltime_hrs")
    assert POSSIBLE_X_AXES == [X_TIMESTEPS, X_EPISODES, X_WALLTIME]
    assert EPISODES_WINDOW == 100
    assert COLORS[:3] == ["blue", "green", "red"] and len(COLORS) == 24


def test_ts2xy_on_fixture(tmp_path):
    data_frame = load_results(write_monitor_dir(tmp_path / "run", 4))
    x, y = ts2xy(data_frame, X_TIMESTEPS)
    np.testing.assert_array_equal(x, [1, 3, 6, 10])
    np.testing.assert_array_equal(y, [0.0, 1.0, 2.0, 3.0])
    x, _ = ts2xy(data_frame, X_EPISODES)
    np.testing.assert_array_equal(x, [0, 1, 2, 3])
    x, _ = ts2xy(data_frame, X_WALLTIME)
    np.testing.assert_allclose(x, [0.01, 0.02, 0.03, 0.04])
    with pytest.raises(NotImplementedError):
        ts2xy(data_frame, "minutes")


def test_rolling_window_and_window_func():
    array = np.arange(5.0)
    np.testing.assert_array_equal(rolling_window(array, 3), [[0, 1, 2], [1, 2, 3], [2, 3, 4]])
    x, y_mean = window_func(np.arange(10, 15), array, 2, np.mean)
    np.testing.assert_array_equal(x, [11, 12, 13, 14])
    np.testing.assert_array_equal(y_mean, [0.5, 1.5, 2.5, 3.5])


def test_plot_curves_traces():
    short = (np.arange(10), np.ones(10))
    long = (np.arange(150), np.arange(150.0))
    fig = plot_curves([short, long], X_EPISODES, "Title")
    assert isinstance(fig, go.Figure)
    # short run: points only; long run: points + rolling mean
    assert [(trace.mode, trace.name) for trace in fig.data] == [
        ("markers", "run 0"),
        ("markers", "run 1"),
        ("lines", f"run 1 (mean of {EPISODES_WINDOW})"),
    ]
    np.testing.assert_array_equal(fig.data[2].x, np.arange(99, 150))
    np.testing.assert_allclose(fig.data[2].y, np.arange(99, 150) - 49.5)
    assert fig.data[0].marker.color == "blue" and fig.data[2].line.color == "green"
    assert fig.layout.title.text == "Title"
    assert fig.layout.xaxis.title.text == X_EPISODES and fig.layout.yaxis.title.text == "Episode Rewards"
    assert tuple(fig.layout.xaxis.range) == (0, 149)


def test_plot_curves_cycles_colors_and_maps_lightpurple():
    xy_list = [(np.arange(3), np.zeros(3))] * (len(COLORS) + 1)
    fig = plot_curves(xy_list, X_EPISODES, "many")
    colors = [trace.marker.color for trace in fig.data]
    assert colors[COLORS.index("lightpurple")] == "plum"  # plotly has no 'lightpurple'
    assert colors[-1] == COLORS[0]


def test_plot_results_filters_on_timesteps(tmp_path):
    folder = write_monitor_dir(tmp_path / "my_run", 120)
    fig = plot_results([folder], 1e2, X_TIMESTEPS, "Task")  # float num_timesteps, as SB2's docs pass it
    # cumsum of lengths 1, 3, 6, 10, ... 91, 105: 13 episodes end within 100 steps
    assert len(fig.data) == 1 and len(fig.data[0].x) == 13
    assert fig.data[0].name == "my_run"
    fig = plot_results([folder], None, X_TIMESTEPS, "Task")
    assert len(fig.data) == 2 and len(fig.data[0].x) == 120


def test_plot_results_with_empty_selection(tmp_path):
    folder = write_monitor_dir(tmp_path / "run", 3)
    fig = plot_results([folder], 0, X_TIMESTEPS, "Nothing yet")
    assert len(fig.data) == 1 and len(fig.data[0].x) == 0


def test_save_html_atomic_and_standalone(tmp_path):
    fig = plot_curves([(np.arange(5), np.arange(5.0))], X_EPISODES, "html")
    path = tmp_path / "out" / "plot.html"
    assert save_html(fig, str(path)) == str(path)
    text = path.read_text(encoding="utf-8")
    assert text.lower().startswith("<!doctype html>") and text.rstrip().endswith("</html>")
    # plotly.js is embedded (megabytes, no CDN script tag), so the file opens offline
    assert len(text) > 1_000_000 and 'src="https://cdn.plot.ly' not in text
    assert os.listdir(path.parent) == ["plot.html"]  # no temporary file left behind


def test_main_writes_html(tmp_path, capsys):
    folder = write_monitor_dir(tmp_path / "log", 5)
    output = tmp_path / "results.html"
    results_plotter.main(["--dirs", folder, "--num_timesteps", "1000", "--xaxis", X_EPISODES,
                          "--task_name", "CLI", "--output", str(output)])  # fmt: skip
    assert output.exists() and "CLI" in output.read_text(encoding="utf-8")
    assert str(output) in capsys.readouterr().out
