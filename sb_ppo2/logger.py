"""Key/value and text logger (SB2's ``stable_baselines.logger``, itself from OpenAI baselines).

Diagnostics are accumulated with ``logkv``/``logkv_mean`` and written to every configured output
format by ``dumpkvs``; text goes through ``log``/``info``/``warn``/... The module-level functions
forward to ``Logger.CURRENT``, which starts as ``Logger.DEFAULT`` (human-readable output on stdout,
no folder) and is replaced by ``configure``.

Output formats: ``stdout``, ``log`` (``log.txt``), ``json`` (``progress.json``), ``csv``
(``progress.csv``) and ``tensorboard`` (event files in ``tb/``, written with
``torch.utils.tensorboard``; needs the ``tensorboard`` extra).
"""

import datetime
import json
import math
import os
import shutil
import sys
import tempfile
import time
import warnings
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import IO, Any

from sb_ppo2.common.misc_util import mpi_rank_or_zero

DEBUG = 10
INFO = 20
WARN = 30
ERROR = 40

DISABLED = 50


class KVWriter:
    """
    Key Value writer
    """

    def writekvs(self, kvs: dict[str, Any]) -> None:
        """
        write a dictionary to file

        :param kvs: (dict) the key/values to write
        """
        raise NotImplementedError

    def close(self) -> None:
        """
        closes the output
        """


class SeqWriter:
    """
    sequence writer
    """

    def writeseq(self, seq: Iterable[str]) -> None:
        """
        write an array to file

        :param seq: (list) the strings to write
        """
        raise NotImplementedError

    def close(self) -> None:
        """
        closes the output
        """


class _CurrentStdout:
    """
    A file-like object that writes to whatever ``sys.stdout`` is at write time.

    The default logger is built at import; binding it to the ``sys.stdout`` of that moment would
    bypass later redirections (``contextlib.redirect_stdout``, pytest's ``capsys``, notebooks).
    """

    def write(self, text: str) -> int:
        return sys.stdout.write(text)

    def flush(self) -> None:
        sys.stdout.flush()


_STDOUT = _CurrentStdout()


class HumanOutputFormat(KVWriter, SeqWriter):
    """
    log to a file, in a human readable format

    :param filename_or_file: (str or File) the file to write the log to
    """

    def __init__(self, filename_or_file: str | IO[str] | Any):
        if isinstance(filename_or_file, str):
            self.file = open(filename_or_file, 'w')  # closed in close()
            self.own_file = True
        else:
            assert hasattr(filename_or_file, 'write'), f'Expected file or str, got {filename_or_file}'
            self.file = filename_or_file
            self.own_file = False

    def writekvs(self, kvs: dict[str, Any]) -> None:
        # Format and truncate every entry first: the column widths depend on the final strings.
        key2str = {}
        for key, val in sorted(kvs.items()):
            # printf-style on purpose: SB2's exact float format ('%-8.3g'); floats subclasses included.
            valstr = '%-8.3g' % (val,) if isinstance(val, float) else str(val)  # noqa: UP031
            key2str[self._truncate(key)] = self._truncate(valstr)

        if len(key2str) == 0:
            warnings.warn('Tried to write empty key-value dict')
            return
        keywidth = max(map(len, key2str.keys()))
        valwidth = max(map(len, key2str.values()))

        dashes = '-' * (keywidth + valwidth + 7)
        lines = [dashes]
        for key, val in sorted(key2str.items()):
            lines.append(f'| {key:<{keywidth}} | {val:<{valwidth}} |')
        lines.append(dashes)
        self.file.write('\n'.join(lines) + '\n')
        self.file.flush()

    @classmethod
    def _truncate(cls, string: str) -> str:
        return string[:20] + '...' if len(string) > 23 else string

    def writeseq(self, seq: Iterable[str]) -> None:
        self.file.write(' '.join(seq) + '\n')
        self.file.flush()

    def close(self) -> None:
        """
        closes the file (only if this object opened it)
        """
        if self.own_file:
            self.file.close()


def _to_json_value(value: Any) -> Any:
    """
    Convert array-likes (numpy arrays and scalars, torch tensors) into JSON-serialisable values.

    :param value: (Any) the logged value
    :return: (Any) a float for 0-d and one-element arrays, a (nested) list for other arrays, else the value
    """
    if not hasattr(value, 'dtype'):
        return value
    if value.shape == () or (len(value) == 1 and math.prod(value.shape) == 1):
        # .item(): numpy 2 refuses float() on 1-element arrays that are not 0-d.
        return float(value.item())
    return value.tolist()


class JSONOutputFormat(KVWriter):
    """
    log to a file, in the JSON format (one object per line)

    :param filename: (str) the file to write the log to
    """

    def __init__(self, filename: str):
        self.file = open(filename, 'w')  # closed in close()

    def writekvs(self, kvs: dict[str, Any]) -> None:
        converted = {key: _to_json_value(value) for key, value in kvs.items()}
        self.file.write(json.dumps(converted) + '\n')
        self.file.flush()

    def close(self) -> None:
        """
        closes the file
        """
        self.file.close()


class CSVOutputFormat(KVWriter):
    """
    log to a file, in a CSV format

    When a dump brings keys never seen before, the header is extended and the rows already written
    are padded with empty cells (the file is rewritten).

    :param filename: (str) the file to write the log to
    """

    def __init__(self, filename: str):
        self.file = open(filename, 'w+')  # closed in close()
        self.keys: list[str] = []
        self.sep = ','

    def writekvs(self, kvs: dict[str, Any]) -> None:
        # Insertion order, not a set difference, so that the column order is reproducible.
        extra_keys = [key for key in kvs if key not in self.keys]
        if extra_keys:
            self._extend_header(extra_keys)
        row = ['' if kvs.get(key) is None else str(kvs.get(key)) for key in self.keys]
        self.file.write(self.sep.join(row) + '\n')
        self.file.flush()

    def _extend_header(self, extra_keys: list[str]) -> None:
        """
        Add columns and rewrite the rows written so far with empty cells for them.

        :param extra_keys: ([str]) the new column names
        """
        self.keys.extend(extra_keys)
        self.file.seek(0)
        lines = self.file.readlines()
        self.file.seek(0)
        self.file.write(self.sep.join(self.keys) + '\n')
        padding = self.sep * len(extra_keys)
        for line in lines[1:]:
            self.file.write(line[:-1] + padding + '\n')

    def close(self) -> None:
        """
        closes the file
        """
        self.file.close()


def valid_float_value(value: Any) -> bool:
    """
    Returns True if the value can be successfully cast into a float

    :param value: (Any) the value to check
    :return: (bool)
    """
    try:
        float(value)
        return True
    except (TypeError, ValueError):
        return False


def _summary_writer_class() -> type:
    """
    Import ``torch.utils.tensorboard.SummaryWriter`` on first use (it needs the tensorboard package).

    :return: (type) the SummaryWriter class
    """
    try:
        from torch.utils.tensorboard import SummaryWriter
    except ImportError as err:
        raise ImportError(
            "The 'tensorboard' log format needs the tensorboard package: "
            "pip install 'sb_ppo2[tensorboard]' (or pip install tensorboard)"
        ) from err
    return SummaryWriter


class TensorBoardOutputFormat(KVWriter):
    """
    Dumps key/value pairs into TensorBoard's numeric format (one scalar per key, tag = key).
    The step starts at 1 and grows by one per ``writekvs``.

    :param folder: (str) the folder to write the log to
    """

    def __init__(self, folder: str):
        os.makedirs(folder, exist_ok=True)
        self.dir = folder
        self.step = 1
        self.writer = _summary_writer_class()(log_dir=folder)

    def writekvs(self, kvs: dict[str, Any]) -> None:
        if self.writer is None:
            raise ValueError("Attempt to write after close().")
        wall_time = time.time()
        for key, value in kvs.items():
            # Non-numeric values (strings, None, ...) have no place in a scalar summary.
            if valid_float_value(value):
                self.writer.add_scalar(key, float(value), global_step=self.step, walltime=wall_time)
        self.writer.flush()
        self.step += 1

    def close(self) -> None:
        """
        closes the file
        """
        if self.writer:
            self.writer.close()
            self.writer = None


def make_output_format(_format: str, ev_dir: str, log_suffix: str = '') -> KVWriter | SeqWriter:
    """
    return a logger for the requested format

    :param _format: (str) the requested format to log to ('stdout', 'log', 'json', 'csv' or 'tensorboard')
    :param ev_dir: (str) the logging directory
    :param log_suffix: (str) the suffix for the log file
    :return: (KVWriter) the logger
    """
    os.makedirs(ev_dir, exist_ok=True)
    if _format == 'stdout':
        return HumanOutputFormat(_STDOUT)
    if _format == 'log':
        return HumanOutputFormat(os.path.join(ev_dir, f'log{log_suffix}.txt'))
    if _format == 'json':
        return JSONOutputFormat(os.path.join(ev_dir, f'progress{log_suffix}.json'))
    if _format == 'csv':
        return CSVOutputFormat(os.path.join(ev_dir, f'progress{log_suffix}.csv'))
    if _format == 'tensorboard':
        return TensorBoardOutputFormat(os.path.join(ev_dir, f'tb{log_suffix}'))
    raise ValueError(f'Unknown format specified: {_format}')


# ================================================================
# API
# ================================================================

def logkv(key: Any, val: Any) -> None:
    """
    Log a value of some diagnostic
    Call this once for each diagnostic quantity, each iteration
    If called many times, last value will be used.

    :param key: (Any) save to log this key
    :param val: (Any) save to log this value
    """
    Logger.CURRENT.logkv(key, val)


def logkv_mean(key: Any, val: Any) -> None:
    """
    The same as logkv(), but if called many times, values averaged.

    :param key: (Any) save to log this key
    :param val: (Number) save to log this value
    """
    Logger.CURRENT.logkv_mean(key, val)


def logkvs(key_values: dict[Any, Any]) -> None:
    """
    Log a dictionary of key-value pairs

    :param key_values: (dict) the list of keys and values to save to log
    """
    for key, value in key_values.items():
        logkv(key, value)


def dumpkvs() -> None:
    """
    Write all of the diagnostics from the current iteration
    """
    Logger.CURRENT.dumpkvs()


def getkvs() -> dict[Any, Any]:
    """
    get the key values logs

    :return: (dict) the logged values
    """
    return Logger.CURRENT.name2val


def log(*args: Any, level: int = INFO) -> None:
    """
    Write the sequence of args, separated by spaces,
    to the console and output files (if you've configured an output file).

    :param args: (list) log the arguments
    :param level: (int) the logging level (can be DEBUG=10, INFO=20, WARN=30, ERROR=40, DISABLED=50);
        nothing is written if the logger's level is higher
    """
    Logger.CURRENT.log(*args, level=level)


def debug(*args: Any) -> None:
    """
    Write the sequence of args at the DEBUG level.

    :param args: (list) log the arguments
    """
    log(*args, level=DEBUG)


def info(*args: Any) -> None:
    """
    Write the sequence of args at the INFO level.

    :param args: (list) log the arguments
    """
    log(*args, level=INFO)


def warn(*args: Any) -> None:
    """
    Write the sequence of args at the WARN level.

    :param args: (list) log the arguments
    """
    log(*args, level=WARN)


def error(*args: Any) -> None:
    """
    Write the sequence of args at the ERROR level.

    :param args: (list) log the arguments
    """
    log(*args, level=ERROR)


def set_level(level: int) -> None:
    """
    Set logging threshold on current logger.

    :param level: (int) the logging level (can be DEBUG=10, INFO=20, WARN=30, ERROR=40, DISABLED=50)
    """
    Logger.CURRENT.set_level(level)


def get_level() -> int:
    """
    Get logging threshold on current logger.

    :return: (int) the logging level (can be DEBUG=10, INFO=20, WARN=30, ERROR=40, DISABLED=50)
    """
    return Logger.CURRENT.level


def get_dir() -> str | None:
    """
    Get directory that log files are being written to.
    will be None if there is no output directory (i.e., if you didn't call configure)

    :return: (str) the logging directory
    """
    return Logger.CURRENT.get_dir()


record_tabular = logkv
dump_tabular = dumpkvs


class ProfileKV:
    """
    Add the time spent in a block to the key ``wait_<name>``.

    Usage:
    with logger.ProfileKV("interesting_scope"):
        code

    :param name: (str) the profiling name
    """

    def __init__(self, name: str):
        self.name = "wait_" + name
        self.start_time = 0.0

    def __enter__(self) -> None:
        self.start_time = time.time()

    def __exit__(self, _type: Any, value: Any, traceback: Any) -> None:
        Logger.CURRENT.name2val[self.name] += time.time() - self.start_time


def profile(name: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """
    Decorator timing every call of a function into the key ``wait_<name>``.

    Usage:
    @profile("my_func")
    def my_func(): code

    :param name: (str) the profiling name
    :return: (function) the decorator
    """
    def decorator_with_name(func: Callable[..., Any]) -> Callable[..., Any]:
        def func_wrapper(*args: Any, **kwargs: Any) -> Any:
            with ProfileKV(name):
                return func(*args, **kwargs)

        return func_wrapper

    return decorator_with_name


# ================================================================
# Backend
# ================================================================

class Logger:
    """
    the logger class

    :param folder: (str) the logging location (None for no folder)
    :param output_formats: ([KVWriter or SeqWriter]) the output formats
    """

    # A logger with no output files, so that you can still log to the terminal without configure()
    DEFAULT: "Logger | None" = None
    # Current logger being used by the free functions above
    CURRENT: "Logger | None" = None

    def __init__(self, folder: str | None, output_formats: list[KVWriter | SeqWriter]):
        self.name2val: defaultdict = defaultdict(float)  # values this iteration
        self.name2cnt: defaultdict = defaultdict(int)
        self.level = INFO
        self.dir = folder
        self.output_formats = output_formats

    # Logging API, forwarded
    # ----------------------------------------
    def logkv(self, key: Any, val: Any) -> None:
        """
        Log a value of some diagnostic; if called many times, the last value is used.

        :param key: (Any) save to log this key
        :param val: (Any) save to log this value
        """
        self.name2val[key] = val

    def logkv_mean(self, key: Any, val: Any) -> None:
        """
        The same as logkv(), but if called many times, values averaged.

        :param key: (Any) save to log this key
        :param val: (Number) save to log this value (None sets the key to None)
        """
        if val is None:
            self.name2val[key] = None
            return
        oldval, cnt = self.name2val[key], self.name2cnt[key]
        self.name2val[key] = oldval * cnt / (cnt + 1) + val / (cnt + 1)
        self.name2cnt[key] = cnt + 1

    def dumpkvs(self) -> None:
        """
        Write all of the diagnostics from the current iteration (nothing while the level is DISABLED)
        """
        if self.level == DISABLED:
            return
        for fmt in self.output_formats:
            if isinstance(fmt, KVWriter):
                fmt.writekvs(self.name2val)
        self.name2val.clear()
        self.name2cnt.clear()

    def log(self, *args: Any, level: int = INFO) -> None:
        """
        Write the sequence of args, separated by spaces, to every sequence output,
        if the logger's level is not higher than ``level``.

        :param args: (list) log the arguments
        :param level: (int) the logging level (can be DEBUG=10, INFO=20, WARN=30, ERROR=40, DISABLED=50)
        """
        if self.level <= level:
            self._do_log(args)

    # Configuration
    # ----------------------------------------
    def set_level(self, level: int) -> None:
        """
        Set logging threshold on current logger.

        :param level: (int) the logging level (can be DEBUG=10, INFO=20, WARN=30, ERROR=40, DISABLED=50)
        """
        self.level = level

    def get_dir(self) -> str | None:
        """
        Get directory that log files are being written to.
        will be None if there is no output directory

        :return: (str) the logging directory
        """
        return self.dir

    def close(self) -> None:
        """
        closes every output format
        """
        for fmt in self.output_formats:
            fmt.close()

    # Misc
    # ----------------------------------------
    def _do_log(self, args: Iterable[Any]) -> None:
        """
        log to the requested format outputs

        :param args: (list) the arguments to log
        """
        for fmt in self.output_formats:
            if isinstance(fmt, SeqWriter):
                fmt.writeseq(map(str, args))


Logger.DEFAULT = Logger.CURRENT = Logger(folder=None, output_formats=[HumanOutputFormat(_STDOUT)])


def configure(folder: str | None = None, format_strs: list[str] | None = None) -> None:
    """
    configure the current logger

    :param folder: (str) the save location (if None, $OPENAI_LOGDIR, if still None, tempdir/openai-[date & time])
    :param format_strs: (list) the output logging format
        (if None, $OPENAI_LOG_FORMAT, if still None, ['stdout', 'log', 'csv'])
    """
    if folder is None:
        folder = os.getenv('OPENAI_LOGDIR')
    if folder is None:
        folder = os.path.join(tempfile.gettempdir(), datetime.datetime.now().strftime("openai-%Y-%m-%d-%H-%M-%S-%f"))
    folder = os.fspath(folder)
    assert isinstance(folder, str)
    os.makedirs(folder, exist_ok=True)
    rank = mpi_rank_or_zero()

    log_suffix = ''
    if format_strs is None:
        if rank == 0:
            format_strs = os.getenv('OPENAI_LOG_FORMAT', 'stdout,log,csv').split(',')
        else:
            log_suffix = f"-rank{rank:03d}"
            format_strs = os.getenv('OPENAI_LOG_FORMAT_MPI', 'log').split(',')
    # Empty entries (e.g. OPENAI_LOG_FORMAT="") mean "no output", not an unknown format.
    output_formats = [make_output_format(fmt, folder, log_suffix) for fmt in format_strs if fmt]

    Logger.CURRENT = Logger(folder=folder, output_formats=output_formats)
    log(f'Logging to {folder}')


def reset() -> None:
    """
    reset the current logger: close it and go back to the default one
    """
    if Logger.CURRENT is not Logger.DEFAULT:
        Logger.CURRENT.close()
        Logger.CURRENT = Logger.DEFAULT
        log('Reset logger')


class ScopedConfigure:
    """
    Class for using context manager while logging

    usage:
    with ScopedConfigure(folder=None, format_strs=None):
        {code}

    :param folder: (str) the logging folder
    :param format_strs: ([str]) the list of output logging format
    """

    def __init__(self, folder: str | None = None, format_strs: list[str] | None = None):
        self.dir = folder
        self.format_strs = format_strs
        self.prevlogger: Logger | None = None

    def __enter__(self) -> "ScopedConfigure":
        self.prevlogger = Logger.CURRENT
        configure(folder=self.dir, format_strs=self.format_strs)
        return self

    def __exit__(self, *args: Any) -> None:
        Logger.CURRENT.close()
        Logger.CURRENT = self.prevlogger


# ================================================================

def _demo() -> None:
    """
    Exercise the logger module (SB2's own test calls this).

    Unlike SB2, the folders are fresh temporary directories (removed afterwards) and the default
    logger's level and pending values are restored, so the demo leaves no state behind.
    """
    default_level = Logger.DEFAULT.level
    root = tempfile.mkdtemp(prefix='sb_ppo2-logger-demo-')
    try:
        info("hi")
        debug("shouldn't appear")
        set_level(DEBUG)
        debug("should appear")
        configure(folder=os.path.join(root, 'testlogging'))
        logkv("a", 3)
        logkv("b", 2.5)
        dumpkvs()
        logkv("b", -2.5)
        logkv("a", 5.5)
        dumpkvs()
        info("^^^ should see a = 5.5")
        logkv_mean("b", -22.5)
        logkv_mean("b", -44.4)
        logkv("a", 5.5)
        dumpkvs()
        with ScopedConfigure(os.path.join(root, 'scoped'), None):
            info("^^^ should see b = -33.45 (printed -33.5)")

        with ScopedConfigure(os.path.join(root, 'test-logger'), ["json"]):
            logkv("b", -2.5)
            dumpkvs()

        reset()
        logkv("a", "longasslongasslongasslongasslongasslongassvalue")
        dumpkvs()
        warn("hey")
        error("oh")
        logkvs({"test": 1})
    finally:
        reset()
        Logger.DEFAULT.level = default_level
        Logger.DEFAULT.name2val.clear()
        Logger.DEFAULT.name2cnt.clear()
        shutil.rmtree(root, ignore_errors=True)


# ================================================================
# Readers
# ================================================================

def _import_pandas() -> Any:
    """
    Import pandas on first use (the readers return DataFrames; pandas is an optional extra).

    :return: (module) pandas
    """
    try:
        import pandas
    except ImportError as err:
        raise ImportError(
            "Reading logs into DataFrames needs pandas: pip install 'sb_ppo2[pandas]' (or pip install pandas)"
        ) from err
    return pandas


def read_json(fname: str) -> Any:
    """
    read a json file (one object per line) using pandas

    :param fname: (str) the file path to read
    :return: (pandas DataFrame) the data in the json
    """
    pandas = _import_pandas()
    with open(fname) as file_handler:
        data = [json.loads(line) for line in file_handler]
    return pandas.DataFrame(data)


def read_csv(fname: str) -> Any:
    """
    read a csv file using pandas

    :param fname: (str) the file path to read
    :return: (pandas DataFrame) the data in the csv
    """
    pandas = _import_pandas()
    return pandas.read_csv(fname, index_col=None, comment='#')


def _tb_event_files(path: str) -> list[str]:
    """
    :param path: (str) an event file, or a directory holding ``events.*`` files
    :return: ([str]) the event files to read
    """
    from glob import glob

    if os.path.isdir(path):
        return sorted(glob(os.path.join(path, "events.*")))
    if os.path.basename(path).startswith("events."):
        return [path]
    raise NotImplementedError(f"Expected tensorboard file or directory containing them. Got {path}")


def _tb_scalars(fname: str) -> dict[str, list[tuple[int, float]]]:
    """
    :param fname: (str) a tensorboard event file
    :return: (dict) tag -> [(step, value)] for every scalar summary in the file
    """
    try:
        from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    except ImportError as err:
        raise ImportError(
            "Reading tensorboard logs needs the tensorboard package: pip install 'sb_ppo2[tensorboard]'"
        ) from err
    # size_guidance 0 = keep every event (the default keeps a random sample of 10,000 scalars)
    accumulator = EventAccumulator(fname, size_guidance={'scalars': 0})
    accumulator.Reload()
    return {tag: [(event.step, event.value) for event in accumulator.Scalars(tag)]
            for tag in accumulator.Tags()['scalars']}


def read_tb(path: str) -> Any:
    """
    read a tensorboard output

    :param path: (str) a tensorboard file OR a directory, where we will find all TB files of the form events.*
    :return: (pandas DataFrame) one row per step (row i = step i+1), one column per tag (sorted), NaN where missing
    """
    import numpy as np

    pandas = _import_pandas()
    tag2pairs: defaultdict = defaultdict(list)
    for fname in _tb_event_files(path):
        for tag, pairs in _tb_scalars(fname).items():
            tag2pairs[tag].extend(pair for pair in pairs if pair[0] > 0)
    maxstep = max((step for pairs in tag2pairs.values() for step, _ in pairs), default=0)
    tags = sorted(tag2pairs.keys())
    data = np.full((maxstep, len(tags)), np.nan)
    for colidx, tag in enumerate(tags):
        for step, value in tag2pairs[tag]:
            data[step - 1, colidx] = value
    return pandas.DataFrame(data, columns=tags)


if __name__ == "__main__":
    _demo()
