"""Episode monitoring: the ``Monitor`` wrapper and readers for the ``monitor.csv`` files it writes."""

from sb_ppo2.bench.monitor import LoadMonitorResultsError, Monitor, get_monitor_files, load_results

__all__ = ["LoadMonitorResultsError", "Monitor", "get_monitor_files", "load_results"]
