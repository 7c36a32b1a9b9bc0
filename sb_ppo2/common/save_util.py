"""SB2's model-file layout (zip with ``data`` / ``parameters`` / ``parameter_list``), atomic writes, safe reads.

Public names keep SB2's signatures: ``is_json_serializable``, ``data_to_json``, ``json_to_data``,
``params_to_bytes``, ``bytes_to_params``.  ``json_to_data`` decodes ``:serialized:`` entries with the
restricted unpickler of ``sb_ppo2.compat.safe_pickle``: a model file cannot run code when it is loaded.
"""

from __future__ import annotations

import base64
import contextlib
import io
import json
import os
import tempfile
import warnings
import zipfile
from collections import OrderedDict
from collections.abc import Iterator
from typing import Any

import cloudpickle
import numpy as np

from sb_ppo2.compat.safe_pickle import UnsafePickleError, safe_load, safe_loads

# Our schedules also carry a data-only description, so a lambda schedule survives a safe load.
_SCHEDULE_KEY = ":sb_ppo2_schedule:"


@contextlib.contextmanager
def atomic_write(path: str, mode: str = "wb", encoding: str | None = None) -> Iterator[Any]:
    """
    Write a file atomically: into a temporary file in the same folder, then renamed over ``path``.

    On any failure the previous file at ``path`` is left untouched and the temporary file is removed.
    The file gets the permissions a plain ``open`` would give it (``0666`` minus the umask).

    :param path: (str) destination
    :param mode: (str) ``"wb"`` or ``"w"``
    :param encoding: (str) text encoding for ``"w"``
    """
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp_path = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, mode, encoding=encoding) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp_path, 0o666 & ~_current_umask())  # mkstemp makes files private (0600)
        os.replace(tmp_path, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.remove(tmp_path)
        raise


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def is_json_serializable(item: Any) -> bool:
    """
    :param item: (object) the object to test
    :return: (bool) whether ``json.dumps`` accepts it
    """
    try:
        json.dumps(item)
        return True
    except (TypeError, ValueError, OverflowError):
        return False


def describe_schedule(fn: Any) -> dict | None:
    """
    A data-only description of a schedule callable, sampled over ``frac`` in (0, 1].

    Affine schedules (constants, ``lambda f: f * 2.5e-4``) are described exactly; others by a 1001-point table.

    :param fn: (callable) the schedule
    :return: (dict or None) None if ``fn`` cannot be evaluated on floats
    """
    fracs = np.linspace(0.0, 1.0, 1001)[1:]
    try:
        values = np.array([float(fn(f)) for f in fracs])
    except Exception:
        return None
    slope = float(values[-1] - values[0]) / float(fracs[-1] - fracs[0])
    intercept = float(values[-1] - slope * fracs[-1])
    if np.allclose(values, slope * fracs + intercept, rtol=1e-9, atol=1e-12):
        return {"kind": "affine", "slope": slope, "intercept": intercept}
    return {"kind": "table", "frac": fracs.tolist(), "value": values.tolist()}


def schedule_from_description(desc: dict):
    """
    Rebuild a schedule from ``describe_schedule``'s output.

    :param desc: (dict) the description
    :return: (callable) a picklable schedule
    """
    from sb_ppo2.common.schedules import AffineFn, TabulatedFn

    if desc["kind"] == "affine":
        return AffineFn(desc["slope"], desc["intercept"])
    return TabulatedFn(desc["frac"], desc["value"])


def data_to_json(data: dict) -> str:
    """
    Serialise the model's data dict to JSON, as SB2 did: JSON values as they are, other objects as
    ``{":type:": ..., ":serialized:": base64(cloudpickle(obj)), <readable first-level fields>}``.

    :param data: (dict) the data
    :return: (str) JSON text
    """
    serializable = {}
    for key, item in data.items():
        if is_json_serializable(item):
            serializable[key] = item
            continue
        entry: dict[str, Any] = {
            ":type:": str(type(item)),
            ":serialized:": base64.b64encode(cloudpickle.dumps(item)).decode(),
        }
        fields = vars(item) if hasattr(item, "__dict__") and not isinstance(item, dict) else (
            item if isinstance(item, dict) else {})
        for name, value in fields.items():
            if isinstance(name, str):
                entry[name] = value if is_json_serializable(value) else str(value)
        if callable(item) and not isinstance(item, type) and key in ("learning_rate", "cliprange", "cliprange_vf"):
            desc = describe_schedule(item)
            if desc is not None:
                entry[_SCHEDULE_KEY] = desc
        serializable[key] = entry
    return json.dumps(serializable, indent=4)


def json_to_data(json_string: str, custom_objects: dict | None = None) -> dict:
    """
    Decode ``data_to_json``'s output (and SB2's), unpickling ``:serialized:`` entries safely.

    :param json_string: (str) JSON text
    :param custom_objects: (dict) replacements for keys, used without decoding the stored value
    :return: (dict)
    """
    if custom_objects is not None and not isinstance(custom_objects, dict):
        raise ValueError("custom_objects argument must be a dict or None")
    json_dict = json.loads(json_string)
    if not isinstance(json_dict, dict):
        raise ValueError("the model's `data` member is not a JSON object")
    return_data = {}
    for key, value in json_dict.items():
        if custom_objects is not None and key in custom_objects:
            return_data[key] = custom_objects[key]
        elif isinstance(value, dict) and _SCHEDULE_KEY in value:
            return_data[key] = schedule_from_description(value[_SCHEDULE_KEY])
        elif isinstance(value, dict) and ":serialized:" in value:
            try:
                return_data[key] = safe_loads(base64.b64decode(value[":serialized:"].encode()))
            except UnsafePickleError:
                raise
            except Exception as err:
                raise RuntimeError(
                    f"Could not deserialize object {key}. Consider using `custom_objects` argument to replace "
                    f"this object. ({type(err).__name__}: {err})"
                ) from err
        else:
            return_data[key] = value
    return return_data


def params_to_bytes(params: dict) -> bytes:
    """
    :param params: (OrderedDict) parameter name -> np.ndarray
    :return: (bytes) an ``np.savez`` archive
    """
    byte_file = io.BytesIO()
    np.savez(byte_file, **params)
    return byte_file.getvalue()


def bytes_to_params(serialized_params: bytes, param_list: list[str]) -> OrderedDict:
    """
    :param serialized_params: (bytes) an ``np.savez`` archive
    :param param_list: ([str]) the order of the parameters
    :return: (OrderedDict) parameter name -> np.ndarray, in that order
    """
    with np.load(io.BytesIO(serialized_params), allow_pickle=False) as loaded:
        params = OrderedDict()
        for name in param_list:
            params[name] = loaded[name]
    return params


def save_to_zip(save_path, data: dict | None, params: dict | None, extra_members: dict | None = None) -> None:
    """
    Write SB2's zip layout (members ``data``, ``parameters``, ``parameter_list``, stored uncompressed).

    :param save_path: (str or file) destination; a path is written atomically
    :param data: (dict) the model's data dict
    :param params: (OrderedDict) the parameters
    :param extra_members: (dict) more members (name -> bytes); SB2 ignores members it does not know
    """
    members = dict(extra_members or {})
    if data is not None:
        members["data"] = data_to_json(data)
    if params is not None:
        members["parameters"] = params_to_bytes(params)
        members["parameter_list"] = json.dumps(list(params.keys()), indent=4)

    def write(handle) -> None:
        with zipfile.ZipFile(handle, "w") as archive:
            for name, content in members.items():
                archive.writestr(name, content)

    if isinstance(save_path, str | os.PathLike):
        with atomic_write(os.fspath(save_path)) as handle:
            write(handle)
    else:
        write(save_path)


def save_to_cloudpickle(save_path, data: dict, params: dict) -> None:
    """
    Write SB2's legacy format: one cloudpickle of ``(data, params)``.

    :param save_path: (str or file) destination; a path is written atomically
    :param data: (dict) the model's data dict
    :param params: (OrderedDict) the parameters
    """
    if isinstance(save_path, str | os.PathLike):
        with atomic_write(os.fspath(save_path)) as handle:
            cloudpickle.dump((data, params), handle)
    else:
        cloudpickle.dump((data, params), save_path)


def load_from_file(load_path, custom_objects: dict | None = None) -> tuple[dict | None, Any]:
    """
    Read a model file: SB2 / sb_ppo2 zip, or the legacy cloudpickle ``.pkl``.

    :param load_path: (str or file) the file; a path without the file tried again with ``.zip`` appended
    :param custom_objects: (dict) replacements for data entries
    :return: ((dict, OrderedDict or list)) the data dict and the parameters
    """
    if custom_objects is not None and not isinstance(custom_objects, dict):
        raise ValueError("custom_objects argument must be a dict or None")
    if isinstance(load_path, str | os.PathLike):
        load_path = os.fspath(load_path)
        if not os.path.exists(load_path):
            if os.path.exists(load_path + ".zip"):
                load_path += ".zip"
            else:
                raise ValueError(f"Error: the file {load_path} could not be found")
    if zipfile.is_zipfile(load_path):
        try:
            return _load_zip(load_path, custom_objects)
        except (zipfile.BadZipFile, EOFError, OSError, KeyError, json.JSONDecodeError, UnicodeDecodeError) as err:
            # A damaged archive is not an old-format pickle: say so instead of trying to unpickle it.
            raise ValueError(f"{_describe(load_path)} is a damaged model zip (truncated or corrupt?): "
                             f"{type(err).__name__}: {err}") from err
    warnings.warn("It appears you are loading from a file with old format. Older cloudpickle format has been "
                  "replaced with zip-archived models. Consider saving the model with new format.",
                  DeprecationWarning)
    return _load_cloudpickle(load_path, custom_objects)


def _describe(load_path) -> str:
    return load_path if isinstance(load_path, str) else "the given file object"


def _load_zip(load_path, custom_objects: dict | None) -> tuple[dict | None, Any]:
    with zipfile.ZipFile(load_path, "r") as archive:
        namelist = archive.namelist()
        if not {"data", "parameters", "parameter_list"} & set(namelist):
            raise ValueError(f"{load_path} is a zip archive but not a model file "
                             "(it has none of the members data, parameters, parameter_list)")
        data = json_to_data(archive.read("data").decode(), custom_objects) if "data" in namelist else None
        params = None
        if "parameters" in namelist:
            if "parameter_list" not in namelist:
                raise ValueError(f"{load_path}: the member 'parameter_list' is missing")
            param_list = json.loads(archive.read("parameter_list").decode())
            params = bytes_to_params(archive.read("parameters"), param_list)
    return data, params


def _load_cloudpickle(load_path, custom_objects: dict | None) -> tuple[dict, Any]:
    if isinstance(load_path, str):
        with open(load_path, "rb") as handle:
            loaded = _safe_load_or_explain(handle, load_path)
    else:
        load_path.seek(0)
        loaded = _safe_load_or_explain(load_path, "the given file object")
    if not (isinstance(loaded, tuple) and len(loaded) == 2 and isinstance(loaded[0], dict)):
        raise ValueError(f"{load_path} is not a model file: expected a pickled (data, params) pair, "
                         f"found {type(loaded).__name__}")
    data, params = loaded
    if custom_objects:
        data.update(custom_objects)
    return data, params


def _safe_load_or_explain(handle, where: str) -> Any:
    try:
        return safe_load(handle)
    except UnsafePickleError:
        raise
    except Exception as err:
        raise ValueError(f"{where} is neither a zip model file nor a readable legacy pickle "
                         f"(truncated or corrupt?): {type(err).__name__}: {err}") from err


def load_vec_normalize_pickle(load_path: str):
    """
    Read a pickled ``VecNormalize`` (sb_ppo2's or SB2's ``vecnormalize.pkl``) with the restricted unpickler.

    :param load_path: (str) the file
    :return: (VecNormalize) without an env attached
    """
    from sb_ppo2.common.vec_env.vec_normalize import VecNormalize

    with open(load_path, "rb") as handle:
        try:
            loaded = _safe_load_or_explain(handle, load_path)
        except ValueError as err:
            raise ValueError(f"{load_path} does not hold VecNormalize statistics: {err}") from err
    if not isinstance(loaded, VecNormalize):
        raise ValueError(f"{load_path} does not hold VecNormalize statistics (found {type(loaded).__name__})")
    return loaded


def load_running_mean_std(load_path: str):
    """
    Read a pickled ``RunningMeanStd`` (SB2's ``obs_rms.pkl`` / ``ret_rms.pkl``) with the restricted unpickler.

    :param load_path: (str) the file
    :return: (RunningMeanStd)
    """
    from sb_ppo2.common.running_mean_std import RunningMeanStd

    with open(load_path, "rb") as handle:
        loaded = _safe_load_or_explain(handle, load_path)
    if not isinstance(loaded, RunningMeanStd):
        raise ValueError(f"{load_path} does not hold RunningMeanStd statistics (found {type(loaded).__name__})")
    return loaded


def read_extra_members(load_path, prefix: str = "sb_ppo2_") -> dict[str, bytes]:
    """
    Read the zip members that sb_ppo2 adds to SB2's layout (optimizer state, timestep count).

    :param load_path: (str or file) a model file (a legacy pickle has none)
    :param prefix: (str) member-name prefix
    :return: (dict) member name -> bytes
    """
    if isinstance(load_path, str | os.PathLike):
        load_path = os.fspath(load_path)
        if not os.path.exists(load_path) and os.path.exists(load_path + ".zip"):
            load_path += ".zip"
    else:
        load_path.seek(0)
    try:
        with zipfile.ZipFile(load_path, "r") as archive:
            return {name: archive.read(name) for name in archive.namelist() if name.startswith(prefix)}
    except (zipfile.BadZipFile, OSError):
        return {}
