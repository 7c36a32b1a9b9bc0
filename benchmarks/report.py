"""Summary statistics, the text table, ``summary.csv`` and the plotly ``report.html`` of a benchmark run.

Regenerate the outputs of a run folder from its ``results.jsonl``::

    .venv/bin/python benchmarks/report.py benchmarks/out/<stamp>
"""

from __future__ import annotations

import csv
import json
import os
import statistics
import sys
from collections.abc import Iterable, Sequence
from typing import Any

LIB_LABELS = {"sb_ppo2": "sb_ppo2", "sb3": "SB3"}
SUMMARY_FIELDS = [
    "config", "n_envs", "vec_env", "timesteps", "reps",
    "sb_ppo2_sps_median", "sb_ppo2_sps_min", "sb_ppo2_sps_max",
    "sb3_sps_median", "sb3_sps_min", "sb3_sps_max",
    "ratio_median", "ratio_min", "ratio_max", "cpu_ratio_median", "target_ratio",
    "sb_ppo2_rollout_frac", "sb3_rollout_frac", "sb_ppo2_rollout_s", "sb_ppo2_update_s", "sb3_rollout_s",
    "sb3_update_s", "sb_ppo2_rss_mb", "sb3_rss_mb", "sb_ppo2_reward_median", "sb3_reward_median",
    "sb_ppo2_reward_min", "sb3_reward_min", "success_threshold", "sb_ppo2_successes", "sb3_successes",
    "sb_ppo2_failed", "sb3_failed", "commits", "dirty", "sb_ppo2_src",
]


# --- statistics ---------------------------------------------------------------------------------------------------
def _median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def _min(values: Sequence[float]) -> float:
    return min(values) if values else float("nan")


def _max(values: Sequence[float]) -> float:
    return max(values) if values else float("nan")


def _ok(rows: Iterable[dict[str, Any]], lib: str) -> list[dict[str, Any]]:
    return [r for r in rows if r["lib"] == lib and r.get("ok")]


def paired_ratios(rows: Sequence[dict[str, Any]], key: str = "sps") -> list[float]:
    """``key`` of sb_ppo2 / ``key`` of SB3 for each rep where both runs succeeded."""
    by_rep: dict[int, dict[str, float]] = {}
    for r in rows:
        if r.get("ok"):
            by_rep.setdefault(r["rep"], {})[r["lib"]] = r[key]
    return [pair["sb_ppo2"] / pair["sb3"] for _, pair in sorted(by_rep.items())
            if "sb_ppo2" in pair and "sb3" in pair and pair["sb3"] > 0]


def _lib_stats(rows: Sequence[dict[str, Any]], lib: str, threshold: float | None) -> dict[str, Any]:
    ok = _ok(rows, lib)
    sps = [r["sps"] for r in ok]
    rewards = [r["mean_reward"] for r in ok]
    rollout, update = [r["rollout_s"] for r in ok], [r["update_s"] for r in ok]
    fracs = [a / (a + b) for a, b in zip(rollout, update) if a + b > 0]
    successes = sum(rw >= threshold for rw in rewards) if threshold is not None else None
    return {
        f"{lib}_sps_median": _median(sps), f"{lib}_sps_min": _min(sps), f"{lib}_sps_max": _max(sps),
        f"{lib}_rollout_frac": _median(fracs), f"{lib}_rollout_s": _median(rollout), f"{lib}_update_s": _median(update),
        f"{lib}_rss_mb": _median([r["peak_rss_mb"] for r in ok]), f"{lib}_reward_median": _median(rewards),
        f"{lib}_reward_min": _min(rewards), f"{lib}_successes": None if successes is None else f"{successes}/{len(ok)}",
        f"{lib}_failed": sum(1 for r in rows if r["lib"] == lib and not r.get("ok")),
    }


def summarise_config(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Summary of one config's rows (all libs, all reps)."""
    spec = rows[0]["config_spec"]
    threshold = spec.get("success_threshold")
    ratios, cpu_ratios = paired_ratios(rows), paired_ratios(rows, "cpu_sps")
    out: dict[str, Any] = {
        "config": spec["name"], "n_envs": spec["n_envs"], "vec_env": spec["vec_env"],
        "timesteps": spec["total_timesteps"], "reps": max(r["rep"] for r in rows) + 1,
        "ratio_median": _median(ratios), "ratio_min": _min(ratios), "ratio_max": _max(ratios),
        "cpu_ratio_median": _median(cpu_ratios), "target_ratio": spec.get("target_ratio"),
        "success_threshold": threshold,
        "commits": " ".join(sorted({r.get("commit", "") for r in rows})),
        "dirty": any(r.get("dirty") for r in rows),
        "sb_ppo2_src": " ".join(sorted({r["sb_ppo2_src"] for r in rows if r.get("ok") and r["lib"] == "sb_ppo2"})),
    }
    for lib in LIB_LABELS:
        out.update(_lib_stats(rows, lib, threshold))
    return out


def summarise(rows: Sequence[dict[str, Any]], configs: Any = None) -> list[dict[str, Any]]:
    """One summary dict per config, in the order the configs were run (``configs`` is accepted, unused)."""
    grouped: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        grouped.setdefault(r["config"], []).append(r)
    return [summarise_config(group) for group in grouped.values()]


# --- text outputs -------------------------------------------------------------------------------------------------
def _fmt(value: Any, spec: str = ".0f") -> str:
    if value is None or (isinstance(value, float) and value != value):
        return "-"
    return format(value, spec)


def _sps_cell(s: dict[str, Any], lib: str) -> str:
    return f"{_fmt(s[f'{lib}_sps_median'])} [{_fmt(s[f'{lib}_sps_min'])}-{_fmt(s[f'{lib}_sps_max'])}]"


def table_rows(summary: Sequence[dict[str, Any]]) -> tuple[list[str], list[list[str]]]:
    """Header and cells of the summary table (text and markdown share them)."""
    header = ["config", "steps", "sb_ppo2 sps", "SB3 sps", "ratio [min-max]", "cpu ratio", "target",
              "rollout % (A/B)", "peak RSS MB (A/B)", "reward (A/B)", "success (A/B)"]
    cells = []
    for s in summary:
        frac = f"{_fmt(100 * s['sb_ppo2_rollout_frac'])}/{_fmt(100 * s['sb3_rollout_frac'])}"
        cells.append([
            s["config"], str(s["timesteps"]), _sps_cell(s, "sb_ppo2"), _sps_cell(s, "sb3"),
            f"{_fmt(s['ratio_median'], '.2f')} [{_fmt(s['ratio_min'], '.2f')}-{_fmt(s['ratio_max'], '.2f')}]",
            _fmt(s["cpu_ratio_median"], ".2f"), _fmt(s["target_ratio"], ".1f"), frac,
            f"{_fmt(s['sb_ppo2_rss_mb'])}/{_fmt(s['sb3_rss_mb'])}",
            f"{_fmt(s['sb_ppo2_reward_median'], '.1f')}/{_fmt(s['sb3_reward_median'], '.1f')}",
            f"A {s['sb_ppo2_successes'] or '-'}, B {s['sb3_successes'] or '-'}" if s["success_threshold"] is not None
            else "-",
        ])
    return header, cells


def format_table(summary: Sequence[dict[str, Any]]) -> str:
    """Fixed-width text table (A = sb_ppo2, B = SB3; sps medians over reps, ratio = median of paired ratios)."""
    header, cells = table_rows(summary)
    widths = [max(len(row[i]) for row in [header, *cells]) for i in range(len(header))]
    lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths))]
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths)) for row in cells]
    return "\n".join(lines)


def format_markdown(summary: Sequence[dict[str, Any]]) -> str:
    """The summary table in markdown (for RESULTS.md)."""
    header, cells = table_rows(summary)
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in cells]
    return "\n".join(lines)


def write_summary_csv(summary: Sequence[dict[str, Any]], path: str) -> None:
    """``summary.csv``: one row per config (columns ``SUMMARY_FIELDS``)."""
    with open(path, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=SUMMARY_FIELDS, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(summary)


# --- plotly report --------------------------------------------------------------------------------------------------
def _per_run_figure(rows: Sequence[dict[str, Any]], key: str, title: str, yaxis: str) -> Any:
    """Box + points of ``key`` per config, one trace per library."""
    import plotly.graph_objects as go

    fig = go.Figure()
    for lib, label in LIB_LABELS.items():
        ok = _ok(rows, lib)
        if ok:
            fig.add_trace(go.Box(x=[r["config"] for r in ok], y=[r[key] for r in ok], name=label, boxpoints="all",
                                 text=[f"rep {r['rep']}" for r in ok]))
    fig.update_layout(title=title, yaxis_title=yaxis, boxmode="group")
    return fig


def _ratio_figure(rows: Sequence[dict[str, Any]], summary: Sequence[dict[str, Any]]) -> Any:
    """Paired sps ratios per config, with the issue's targets and the parity line."""
    import plotly.graph_objects as go

    fig = go.Figure()
    for s in summary:
        group = [r for r in rows if r["config"] == s["config"]]
        ratios = paired_ratios(group)
        fig.add_trace(go.Box(x=[s["config"]] * len(ratios), y=ratios, name=s["config"], boxpoints="all",
                             showlegend=False))
        if s["target_ratio"]:
            fig.add_trace(go.Scatter(x=[s["config"]], y=[s["target_ratio"]], mode="markers", showlegend=False,
                                     marker={"symbol": "line-ew-open", "size": 40, "color": "red"},
                                     name=f"target {s['target_ratio']}"))
    fig.add_hline(y=1.0, line_dash="dash", line_color="grey")
    fig.update_layout(title="Paired sps ratio sb_ppo2 / SB3 (red: issue 5 target)", yaxis_title="ratio")
    return fig


def _split_figure(summary: Sequence[dict[str, Any]]) -> Any:
    """Stacked median rollout / update seconds per config and library."""
    import plotly.graph_objects as go

    x = [[s["config"] for s in summary for _ in LIB_LABELS], [LIB_LABELS[lib] for _ in summary for lib in LIB_LABELS]]
    fig = go.Figure()
    for part in ("rollout", "update"):
        fig.add_trace(go.Bar(x=x, y=[s[f"{lib}_{part}_s"] for s in summary for lib in LIB_LABELS], name=part))
    fig.update_layout(barmode="stack", title="Time split of learn(): rollout vs update (median seconds)",
                      yaxis_title="seconds")
    return fig


def write_report(rows: Sequence[dict[str, Any]], summary: Sequence[dict[str, Any]], meta: dict[str, Any],
                 path: str) -> None:
    """``report.html``: provenance, the table, and plotly figures (plotly.js inlined once, works offline)."""
    import html

    figures = [
        _per_run_figure(rows, "sps", "Env steps per second of learn()", "steps/s"),
        _ratio_figure(rows, summary),
        _split_figure(summary),
        _per_run_figure(rows, "peak_rss_mb", "Peak RSS of the training process", "MB"),
        _per_run_figure(rows, "mean_reward", "Final mean reward (10 deterministic episodes)", "reward"),
    ]
    parts = [f.to_html(full_html=False, include_plotlyjs=(i == 0)) for i, f in enumerate(figures)]
    header, cells = table_rows(summary)
    table = "<table border=1 cellpadding=4><tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in header) + "</tr>"
    table += "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in cells)
    table += "</table>"
    provenance = html.escape(json.dumps({k: meta.get(k) for k in ("command", "started", "machine", "git",
                                                                  "sb_ppo2_src")}, indent=2))
    page = ("<html><head><meta charset='utf-8'><title>sb_ppo2 vs SB3</title></head><body>"
            "<h1>sb_ppo2 vs Stable-Baselines3 PPO</h1>"
            f"<pre>{provenance}</pre>{table}" + "".join(parts) + "</body></html>")
    with open(path, "w", encoding="utf-8") as f:
        f.write(page)


# --- CLI ------------------------------------------------------------------------------------------------------------
def load_rows(out_dir: str) -> list[dict[str, Any]]:
    """Rows of ``out_dir/results.jsonl``."""
    with open(os.path.join(out_dir, "results.jsonl")) as f:
        return [json.loads(line) for line in f if line.strip()]


def main(argv: list[str] | None = None) -> int:
    """Rebuild ``summary.csv`` and ``report.html`` of a run folder and print the table (``--markdown`` too)."""
    argv = sys.argv[1:] if argv is None else argv
    if not argv:
        print(__doc__)
        return 2
    out_dir = argv[0]
    rows = load_rows(out_dir)
    summary = summarise(rows)
    meta_path = os.path.join(out_dir, "meta.json")
    meta = json.load(open(meta_path)) if os.path.exists(meta_path) else {}
    write_summary_csv(summary, os.path.join(out_dir, "summary.csv"))
    write_report(rows, summary, meta, os.path.join(out_dir, "report.html"))
    print(format_markdown(summary) if "--markdown" in argv else format_table(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
