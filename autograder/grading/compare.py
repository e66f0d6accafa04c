"""Comparisons done in the grader, on plain data, with messages for students.

Types are checked as the notebooks state them: where a number is asked, an
array is wrong (and the reverse), and the message says so."""
from __future__ import annotations

from typing import Any

import numpy as np

from ..sandbox.codec import TensorArray
from ..sandbox.handles import Remote

RTOL = 1e-6
ATOL = 1e-9


def show(value: Any) -> str:
    """A short, readable rendering of a number, an array or anything else."""
    if isinstance(value, np.ndarray) and value.ndim == 0:
        return f"{float(value):.6g}" if value.dtype.kind in "iuf" else repr(value.item())
    if isinstance(value, np.ndarray):
        return np.array2string(value, precision=6, threshold=12, separator=", ")
    if isinstance(value, (float, np.floating)):
        return f"{float(value):.6g}"
    text = repr(value)
    return text if len(text) < 300 else text[:300] + "..."


def kind_of(value: Any) -> str:
    """What a student returned, in words."""
    if isinstance(value, TensorArray):
        return f"a tensor of shape {tuple(value.shape)}"
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape}" if value.ndim else "a 0-d array"
    if value is None:
        return "None"
    if isinstance(value, bool):
        return f"a bool ({value})"
    if isinstance(value, (int, float)):
        return f"the number {show(value)}"
    if isinstance(value, (list, tuple)):
        return f"a {type(value).__name__} of {len(value)} items"
    return show(value)


def as_object(value: Any, what: str) -> Remote:
    """An object of the student's (a class, an instance, a function, a module)
    where the notebook asks for one, not plain data."""
    if not isinstance(value, Remote):
        raise AssertionError(f"{what} should be an object, got {kind_of(value)}")
    return value


def as_numbers(value: Any, what: str) -> np.ndarray:
    """`value` as a float64 array, or an AssertionError that says what it was."""
    if isinstance(value, (bool, str)) or value is None:
        raise AssertionError(f"{what} should be a number or an array of numbers, got {kind_of(value)}")
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError, OverflowError):
        raise AssertionError(f"{what} should be a number or an array of numbers, got {kind_of(value)}") from None
    return array


def as_number(value: Any, what: str) -> float:
    """A number where the notebook asks for one: an int or a float (a 0-d
    numpy array too), never an array with entries, a tensor, a list or a bool."""
    if isinstance(value, TensorArray):
        raise AssertionError(f"{what} should be a number (a float), got {kind_of(value)}: use .item()")
    if isinstance(value, np.ndarray) and value.ndim == 0 and value.dtype.kind in "iuf":
        return float(value)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise AssertionError(f"{what} should be a number, got {kind_of(value)}")
    try:
        return float(value)
    except OverflowError:
        raise AssertionError(f"{what} should be a number of float range, got {kind_of(value)}") from None


def as_array(value: Any, what: str, shape: tuple[int, ...], tensor: bool = False) -> np.ndarray:
    """An array of the given shape where the notebook asks for one (a torch
    tensor when `tensor`), as float64."""
    noun = "a tensor" if tensor else "an array"
    if not isinstance(value, np.ndarray) or isinstance(value, TensorArray) != tensor or value.ndim == 0:
        raise AssertionError(f"{what} should be {noun} of shape {shape}, got {kind_of(value)}")
    if value.shape != tuple(shape):
        raise AssertionError(f"{what} should be {noun} of shape {tuple(shape)}, got shape {value.shape}")
    if value.dtype.kind not in "iuf":
        raise AssertionError(f"{what} should hold real numbers, got dtype {value.dtype}")
    return np.asarray(value, dtype=np.float64)  # a plain array (no tensor marker) from here on


def as_like(value: Any, expected: Any, what: str) -> np.ndarray | float:
    """`value` checked to be of the type `expected` has: a number for a
    number, an array (tensor) of the same shape for an array (tensor)."""
    if isinstance(expected, np.ndarray) and expected.ndim > 0:
        return as_array(value, what, expected.shape, tensor=isinstance(expected, TensorArray))
    return as_number(value, what)


def total(value: Any, shape: tuple[int, ...], what: str) -> float:
    """A value that may be given summed (a number) or per element (an array
    of `shape`), as the notebook allows for gradients and losses on arrays."""
    if isinstance(value, np.ndarray) and value.ndim > 0:
        return float(np.sum(as_array(value, what, shape)))
    return as_number(value, what)


def assert_close(actual: Any, expected: Any, what: str, inputs: str = "",
                 rtol: float = RTOL, atol: float = ATOL) -> None:
    """Fail with a message naming what was checked, its inputs and both
    values; `actual` must be of the type of `expected` (see `as_like`)."""
    context = f" for {inputs}" if inputs else ""
    got = np.asarray(as_like(actual, expected, f"{what}{context}"), dtype=np.float64)
    want = np.asarray(expected, dtype=np.float64)
    if not np.all(np.isfinite(got)) and np.all(np.isfinite(want)):
        raise AssertionError(f"{what}{context}: expected {show(want)}, got non-finite values {show(got)}")
    if not np.allclose(got, want, rtol=rtol, atol=atol):
        raise AssertionError(f"{what}{context}: expected {show(want)}, got {show(got)}")


def assert_unchanged(after: Any, before: np.ndarray, what: str) -> None:
    after_array = as_numbers(after, what)
    if after_array.shape != before.shape or not np.array_equal(after_array, before):
        raise AssertionError(f"{what} modified its input: it was {show(before)}, afterwards {show(after_array)}")
