"""The wire format between the grader and a student process: JSON, never pickle.

Only plain data crosses: None, bools, ints, floats (NaN and infinities
included), strings, lists, tuples, string-keyed dicts and numeric numpy
arrays. Anything else stays in the student process and crosses as a handle
(an integer naming an object in that process's table).

Tags are one-key dicts whose key starts with "$":
  {"$nd": [dtype, shape, base64 bytes]}   a numeric numpy array
  {"$t": [...]}                             a tuple
  {"$d": [[key, value], ...]}               a dict
  {"$h": id, "$c": callable, "$n": type name, "$t": its type's id}    a handle to a student object
An array tag may carry "$tensor": true (it was, or is to become, a torch
tensor) and "$rg": requires_grad.
"""
from __future__ import annotations

import base64
import json
import sys
from typing import Any, Callable

import numpy as np

# dtypes that may cross; object, void, string and datetime dtypes may not.
ALLOWED_DTYPES = frozenset(
    ["bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32",
     "uint64", "float16", "float32", "float64", "complex64", "complex128"]
)
MAX_DEPTH = 64
MAX_INT = 2**63  # larger integers are refused: no float or array can hold them
MAX_CONTAINERS = 1_000_000  # lists and objects in one message: bounds what parsing it may cost


class DecodeError(ValueError):
    """The other side sent something that is not plain data."""


class TensorArray(np.ndarray):
    """In the grader: the values of a torch tensor that came back from a student
    process, with whether it required grad. Plain numbers, nothing to call."""

    requires_grad: bool = False


class TensorArg:
    """In the grader: send `values` to the student process as a torch tensor."""

    def __init__(self, values: Any, requires_grad: bool = False):
        self.values = np.asarray(values)
        self.requires_grad = requires_grad


def encode_tensor(values: np.ndarray, requires_grad: bool) -> dict:
    tag = _encode_array(np.asarray(values))
    tag["$tensor"] = True
    tag["$rg"] = bool(requires_grad)
    return tag


def _encode_array(array: np.ndarray) -> dict:
    dtype = array.dtype.name
    if dtype not in ALLOWED_DTYPES:
        raise TypeError(f"arrays of dtype {dtype} cannot be sent")
    data = base64.b64encode(np.ascontiguousarray(array).tobytes()).decode("ascii")  # (a 0-d array stays 0-d)
    return {"$nd": [dtype, list(array.shape), data]}


def encode(value: Any, handle_for: Callable[[Any], dict] | None = None, _depth: int = 0) -> Any:
    """Turn `value` into JSON-able data; `handle_for` names what is not plain."""
    if _depth > MAX_DEPTH:
        raise TypeError("value is nested too deeply to be sent")
    # Exact type checks: a subclass of float or list may override anything.
    kind = type(value)
    if value is None or kind is bool or kind is str:
        return value
    if kind is int:
        return value
    if kind is float:
        return value
    if kind is np.ndarray and value.dtype.name in ALLOWED_DTYPES:
        return _encode_array(value)
    if isinstance(value, np.generic) and type(value).__module__ == "numpy":
        if value.dtype.name in ALLOWED_DTYPES:
            item = value.item()
            return encode(item, handle_for, _depth + 1)
    if kind is list:
        return [encode(v, handle_for, _depth + 1) for v in value]
    if kind is tuple:
        return {"$t": [encode(v, handle_for, _depth + 1) for v in value]}
    if kind is dict and all(type(k) is str for k in value):
        return {"$d": [[k, encode(v, handle_for, _depth + 1)] for k, v in value.items()]}
    if handle_for is None:
        raise TypeError(f"cannot send a value of type {kind.__name__}")
    return handle_for(value)


def _decode_array(spec: Any) -> np.ndarray:
    if not (isinstance(spec, list) and len(spec) == 3):
        raise DecodeError("malformed array")
    dtype, shape, data = spec
    if dtype not in ALLOWED_DTYPES or not isinstance(data, str):
        raise DecodeError(f"array of dtype {dtype!r} refused")
    if not (isinstance(shape, list) and len(shape) <= 32 and all(type(n) is int and 0 <= n < 2**31 for n in shape)):
        raise DecodeError("malformed array shape")
    size = 1
    for n in shape:
        size *= n
    try:
        raw = base64.b64decode(data.encode("ascii"), validate=True)
    except ValueError:
        raise DecodeError("malformed array data") from None
    flat = np.frombuffer(raw, dtype=np.dtype(dtype)) if len(raw) % np.dtype(dtype).itemsize == 0 else None
    if flat is None or flat.size != size:
        raise DecodeError("array data does not match its shape")
    return flat.reshape(shape).copy()


def _decode_tensor(array: np.ndarray, data: dict, make_tensors: bool) -> Any:
    requires_grad = data.get("$rg") is True
    if make_tensors:  # in the student process: a real tensor
        torch = sys.modules.get("torch")
        if torch is not None:
            tensor = torch.from_numpy(array)
            return tensor.requires_grad_(True) if requires_grad and tensor.is_floating_point() else tensor
        return array
    out = array.view(TensorArray)
    out.requires_grad = requires_grad
    return out


def decode(data: Any, resolve: Callable[[dict], Any] | None = None, _depth: int = 0,
           make_tensors: bool = False) -> Any:
    """Inverse of `encode`; `resolve` turns a handle tag into an object."""
    if _depth > MAX_DEPTH:
        raise DecodeError("value nested too deeply")
    kind = type(data)
    if kind is int and not -MAX_INT <= data <= MAX_INT:
        raise DecodeError("an integer too large to be a number the grader can use")
    if data is None or kind in (bool, int, float, str):
        return data
    if kind is list:
        return [decode(v, resolve, _depth + 1, make_tensors) for v in data]
    if kind is dict and len(data) >= 1:
        if "$nd" in data:
            array = _decode_array(data["$nd"])
            return _decode_tensor(array, data, make_tensors) if data.get("$tensor") is True else array
        if "$t" in data and isinstance(data["$t"], list):
            return tuple(decode(v, resolve, _depth + 1, make_tensors) for v in data["$t"])
        if "$d" in data and isinstance(data["$d"], list):
            out = {}
            for pair in data["$d"]:
                if not (isinstance(pair, list) and len(pair) == 2 and type(pair[0]) is str):
                    raise DecodeError("malformed dict")
                out[pair[0]] = decode(pair[1], resolve, _depth + 1, make_tensors)
            return out
        if resolve is not None and type(data.get("$h")) is int:
            return resolve(data)
    raise DecodeError(f"not plain data: {str(data)[:80]}")


def dumps(message: dict) -> bytes:
    return json.dumps(message, allow_nan=True, separators=(",", ":")).encode("utf-8")


def loads(raw: bytes) -> dict:
    if raw.count(b"[") + raw.count(b"{") > MAX_CONTAINERS:
        raise DecodeError(f"message holds more than {MAX_CONTAINERS} lists and objects")
    try:
        message = json.loads(raw.decode("utf-8"))
    except (ValueError, RecursionError) as exc:  # not UTF-8, not JSON, an integer of thousands of digits
        raise DecodeError(f"message is not JSON: {str(exc)[:200]}") from None
    if not isinstance(message, dict):
        raise DecodeError("message is not a JSON object")
    return message
