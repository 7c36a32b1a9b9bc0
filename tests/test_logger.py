"""The SB2 logger: output formats byte for byte, the module API, configure() and the readers."""

import glob
import importlib.util
import io
import json
import os
import re
import sys
import tempfile

import numpy as np
import pytest

from sb_ppo2 import logger
from sb_ppo2.logger import (
    DEBUG,
    DISABLED,
    INFO,
    CSVOutputFormat,
    HumanOutputFormat,
    JSONOutputFormat,
    KVWriter,
    Logger,
    SeqWriter,
    TensorBoardOutputFormat,
    make_output_format,
)

HAS_TENSORBOARD = importlib.util.find_spec("tensorboard") is not None


@pytest.fixture(autouse=True)
def restore_logger():
    """Every test starts and ends with the default logger, at INFO, with nothing pending."""
    logger.reset()
    yield
    logger.reset()
    Logger.DEFAULT.level = INFO
    Logger.DEFAULT.name2val.clear()
    Logger.DEFAULT.name2cnt.clear()


def _human(kvs):
    buffer = io.StringIO()
    HumanOutputFormat(buffer).writekvs(kvs)
    return buffer.getvalue()


# ---------------------------------------------------------------- human format

def test_human_format_exact_box():
    assert _human({"b": 2.5, "a": 3}) == (
        "----------------\n"
        "| a | 3        |\n"
        "| b | 2.5      |\n"
        "----------------\n"
    )


def test_human_format_widths_float_format_and_truncation():
    out = _human({"loss": 1.0 / 3.0, "n_updates": 12, "ep_len": np.float64(2e-5), "x": np.float32(0.5)})
    assert out == (
        "------------------------\n"
        "| ep_len    | 2e-05    |\n"   # numpy.float64 is a float: %-8.3g
        "| loss      | 0.333    |\n"
        "| n_updates | 12       |\n"
        "| x         | 0.5      |\n"   # numpy.float32 is not: str()
        "------------------------\n"
    )
    long_key, long_val = "k" * 24, "v" * 24
    lines = _human({long_key: long_val, "k" * 23: "short"}).splitlines()
    # rows are sorted on the truncated keys ('.' sorts before 'k')
    assert lines[1] == "| " + "k" * 20 + "... | " + "v" * 20 + "... |"  # 24 chars: 20 + '...'
    assert lines[2] == "| " + "k" * 23 + " | short                   |"   # 23 chars: kept


def test_human_format_empty_dict_warns_and_writes_nothing():
    buffer = io.StringIO()
    with pytest.warns(UserWarning, match="empty key-value dict"):
        HumanOutputFormat(buffer).writekvs({})
    assert buffer.getvalue() == ""


def test_human_format_writeseq_and_file_ownership(tmp_path):
    buffer = io.StringIO()
    fmt = HumanOutputFormat(buffer)
    fmt.writeseq(["Logging", "to", "x"])
    fmt.close()  # does not close a file it was given
    assert buffer.getvalue() == "Logging to x\n" and not buffer.closed

    path = str(tmp_path / "log.txt")
    fmt = HumanOutputFormat(path)
    fmt.writekvs({"a": 1})
    fmt.close()
    assert fmt.file.closed
    with open(path) as file_handler:
        assert file_handler.read() == "---------\n| a | 1 |\n---------\n"
    with pytest.raises(AssertionError):
        HumanOutputFormat(42)


# ---------------------------------------------------------------- json / csv

def test_json_format_converts_numpy_values(tmp_path):
    path = str(tmp_path / "progress.json")
    fmt = JSONOutputFormat(path)
    kvs = {"a": np.array(1.5), "b": np.array([2.0]), "c": np.array([[1, 2], [3, 4]]),
           "d": np.float32(0.25), "e": "text", "f": 3}
    fmt.writekvs(kvs)
    fmt.writekvs({"a": 2})
    fmt.close()
    with open(path) as file_handler:
        lines = file_handler.read().splitlines()
    assert json.loads(lines[0]) == {"a": 1.5, "b": 2.0, "c": [[1, 2], [3, 4]], "d": 0.25, "e": "text", "f": 3}
    assert json.loads(lines[1]) == {"a": 2}
    assert isinstance(kvs["a"], np.ndarray)  # the caller's dict is left as it was


def test_csv_header_grows_and_pads_old_rows(tmp_path):
    path = str(tmp_path / "progress.csv")
    fmt = CSVOutputFormat(path)
    fmt.writekvs({"a": 1})
    fmt.writekvs({"a": 2, "b": 3.5})
    fmt.writekvs({"b": 4, "c": "x"})
    fmt.writekvs({"a": None, "c": "y"})
    fmt.close()
    with open(path) as file_handler:
        assert file_handler.read() == "a,b,c\n1,,\n2,3.5,\n,4,x\n,,y\n"

    frame = logger.read_csv(path)
    assert list(frame.columns) == ["a", "b", "c"]
    assert frame["a"].tolist()[:2] == [1.0, 2.0] and np.isnan(frame["a"].tolist()[2])


def test_readers(tmp_path):
    json_path = str(tmp_path / "progress.json")
    fmt = JSONOutputFormat(json_path)
    fmt.writekvs({"a": 1, "b": 2.0})
    fmt.writekvs({"a": 3})
    fmt.close()
    frame = logger.read_json(json_path)
    assert frame["a"].tolist() == [1, 3]
    assert frame["b"].tolist()[0] == 2.0 and np.isnan(frame["b"].tolist()[1])


def test_readers_name_the_pandas_extra_when_missing(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "pandas", None)  # makes `import pandas` fail
    with pytest.raises(ImportError, match=r"sb_ppo2\[pandas\]"):
        logger.read_csv(str(tmp_path / "progress.csv"))


# ---------------------------------------------------------------- tensorboard

@pytest.mark.skipif(not HAS_TENSORBOARD, reason="tensorboard not installed")
def test_tensorboard_writes_numeric_values_with_steps_from_one(tmp_path):
    folder = str(tmp_path / "tb")
    fmt = TensorBoardOutputFormat(folder)
    fmt.writekvs({"a": 1.5, "b": "not a number", "c": np.float32(2.0), "d": None})
    fmt.writekvs({"a": 2.5})
    fmt.close()
    assert glob.glob(os.path.join(folder, "events.*"))

    frame = logger.read_tb(folder)
    assert list(frame.columns) == ["a", "c"]
    assert frame["a"].tolist() == [1.5, 2.5]          # row i is step i + 1
    assert frame["c"].tolist()[0] == 2.0 and np.isnan(frame["c"].tolist()[1])

    with pytest.raises(ValueError, match="after close"):
        fmt.writekvs({"a": 3.0})
    fmt.close()  # closing twice is harmless


@pytest.mark.skipif(not HAS_TENSORBOARD, reason="tensorboard not installed")
def test_tensorboard_format_through_configure(tmp_path):
    logger.configure(folder=str(tmp_path), format_strs=["tensorboard"])
    logger.logkv("reward", 7.0)
    logger.dumpkvs()
    logger.reset()
    assert logger.read_tb(str(tmp_path / "tb"))["reward"].tolist() == [7.0]
    with pytest.raises(NotImplementedError):
        logger.read_tb(str(tmp_path / "progress.csv"))


def test_tensorboard_names_the_extra_when_missing(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "torch.utils.tensorboard", None)
    with pytest.raises(ImportError, match=r"sb_ppo2\[tensorboard\]"):
        TensorBoardOutputFormat(str(tmp_path / "tb"))


# ---------------------------------------------------------------- make_output_format

def test_make_output_format_file_names(tmp_path):
    folder = str(tmp_path / "new")
    formats = {name: make_output_format(name, folder, "-1") for name in ("stdout", "log", "json", "csv")}
    for fmt in formats.values():
        fmt.close()
    assert sorted(os.listdir(folder)) == ["log-1.txt", "progress-1.csv", "progress-1.json"]
    assert isinstance(formats["stdout"], HumanOutputFormat)
    assert isinstance(formats["log"], KVWriter) and isinstance(formats["log"], SeqWriter)
    with pytest.raises(ValueError, match=r"^Unknown format specified: xml$"):
        make_output_format("xml", folder)


# ---------------------------------------------------------------- module API

def test_default_logger_prints_to_current_stdout(capsys):
    assert logger.get_dir() is None
    assert Logger.CURRENT is Logger.DEFAULT
    logger.info("hello", 3)
    logger.debug("hidden")
    logger.logkv("a", 1)
    logger.dumpkvs()
    assert capsys.readouterr().out == "hello 3\n---------\n| a | 1 |\n---------\n"
    logger.set_level(DEBUG)
    assert logger.get_level() == DEBUG
    logger.debug("shown")
    assert capsys.readouterr().out == "shown\n"


def test_logkv_logkv_mean_and_dump_clear(tmp_path):
    logger.configure(folder=str(tmp_path), format_strs=["json"])
    assert logger.get_dir() == str(tmp_path)
    logger.logkv("a", 1)
    logger.record_tabular("a", 2)       # alias, last value wins
    logger.logkv_mean("m", 1.0)
    logger.logkv_mean("m", 2.0)
    logger.logkv_mean("m", 6.0)
    logger.logkvs({"x": "y", "z": 0})
    logger.logkv_mean("none", None)
    assert logger.getkvs() == {"a": 2, "m": pytest.approx(3.0), "x": "y", "z": 0, "none": None}
    logger.dump_tabular()               # alias of dumpkvs
    assert logger.getkvs() == {}
    logger.reset()
    with open(tmp_path / "progress.json") as file_handler:
        assert json.loads(file_handler.readline()) == {"a": 2, "m": 3.0, "x": "y", "z": 0, "none": None}


def test_disabled_level_skips_dump_and_keeps_values(tmp_path):
    logger.configure(folder=str(tmp_path), format_strs=["csv"])
    logger.set_level(DISABLED)
    logger.logkv("a", 1)
    logger.dumpkvs()
    assert logger.getkvs() == {"a": 1}
    logger.reset()
    assert os.path.getsize(tmp_path / "progress.csv") == 0


def test_configure_defaults_to_stdout_log_csv(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("OPENAI_LOG_FORMAT", raising=False)
    monkeypatch.delenv("OPENAI_LOGDIR", raising=False)
    logger.configure(folder=str(tmp_path))
    logger.logkv("a", 1)
    logger.dumpkvs()
    logger.reset()
    assert sorted(os.listdir(tmp_path)) == ["log.txt", "progress.csv"]
    assert capsys.readouterr().out == f"Logging to {tmp_path}\n---------\n| a | 1 |\n---------\nReset logger\n"
    with open(tmp_path / "log.txt") as file_handler:
        assert file_handler.read() == f"Logging to {tmp_path}\n---------\n| a | 1 |\n---------\n"


def test_configure_honours_environment_variables(tmp_path, monkeypatch):
    folder = tmp_path / "from_env"
    monkeypatch.setenv("OPENAI_LOGDIR", str(folder))
    monkeypatch.setenv("OPENAI_LOG_FORMAT", "json,csv")
    logger.configure()
    assert logger.get_dir() == str(folder)
    assert [type(fmt) for fmt in Logger.CURRENT.output_formats] == [JSONOutputFormat, CSVOutputFormat]
    logger.reset()
    assert sorted(os.listdir(folder)) == ["progress.csv", "progress.json"]


def test_configure_without_folder_uses_a_dated_temp_dir(tmp_path, monkeypatch):
    monkeypatch.delenv("OPENAI_LOGDIR", raising=False)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    logger.configure(format_strs=["csv"])
    folder = logger.get_dir()
    assert os.path.dirname(folder) == str(tmp_path)
    assert re.fullmatch(r"openai-\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2}-\d{6}", os.path.basename(folder))
    assert os.path.isdir(folder)


def test_scoped_configure_restores_previous_logger(tmp_path):
    previous = Logger.CURRENT
    with logger.ScopedConfigure(str(tmp_path), ["json"]):
        assert Logger.CURRENT is not previous
        assert logger.get_dir() == str(tmp_path)
        logger.logkv("b", -2.5)
        logger.dumpkvs()
    assert Logger.CURRENT is previous
    with open(tmp_path / "progress.json") as file_handler:
        assert json.loads(file_handler.read()) == {"b": -2.5}


def test_profile_kv_and_decorator_accumulate_time():
    with logger.ProfileKV("block"):
        pass

    @logger.profile("func")
    def add(left, right):
        return left + right

    assert add(2, 3) == 5
    assert add(1, 1) == 2
    values = logger.getkvs()
    assert set(values) == {"wait_block", "wait_func"}
    assert values["wait_block"] >= 0.0 and values["wait_func"] >= 0.0


def test_demo_runs_and_leaves_no_state(capsys):
    logger._demo()
    out = capsys.readouterr().out
    assert "should appear" in out and "shouldn't appear" not in out
    assert "| a | longasslongasslongas... |" in out
    assert Logger.CURRENT is Logger.DEFAULT
    assert logger.get_level() == INFO
    assert logger.getkvs() == {}
