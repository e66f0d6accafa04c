"""Comparisons done in the grader, on plain data, with messages for students."""
from __future__ import annotations

from typing import Any

import numpy as np

RTOL = 1e-6
ATOL = 1e-9


def show(value: Any) -> str:
    """A short, readable rendering of a number, an array or anything else."""
    if isinstance(value, np.ndarray):
        return np.array2string(value, precision=6, threshold=12, separator=", ")
    if isinstance(value, (float, np.floating)):
        return f"{float(value):.6g}"
    text = repr(value)
    return text if len(text) < 300 else text[:300] + "..."


def as_numbers(value: Any, what: str) -> np.ndarray:
    """`value` as a float64 array, or an AssertionError that says what it was."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        raise AssertionError(f"{what} should be a number or an array of numbers, got {show(value)}")
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise AssertionError(f"{what} should be a number or an array of numbers, got {show(value)}") from None
    return array


def total(value: Any) -> Any:
    """The sum of an array (a per-element gradient or loss); anything else as it is."""
    return np.sum(value) if isinstance(value, np.ndarray) else value


def as_scalar(value: Any, what: str) -> float:
    """`value` as one float, or an AssertionError that says what it was."""
    array = as_numbers(value, what)
    if array.size != 1:
        raise AssertionError(f"{what} should be a single number, got {show(value)}")
    return float(array.reshape(()))


def assert_close(actual: Any, expected: Any, what: str, inputs: str = "",
                 rtol: float = RTOL, atol: float = ATOL, same_shape: bool = False) -> None:
    """Fail with a message naming what was checked, its inputs and both values.
    With `same_shape`, the shape must match too (else only the number of values)."""
    got = as_numbers(actual, what)
    want = np.asarray(expected, dtype=np.float64)
    context = f" for {inputs}" if inputs else ""
    if got.shape != want.shape and (same_shape or got.size != want.size):
        raise AssertionError(
            f"{what}{context}: expected shape {want.shape}, got shape {got.shape} ({show(actual)})")
    got = got.reshape(want.shape)
    if not np.all(np.isfinite(got)) and np.all(np.isfinite(want)):
        raise AssertionError(f"{what}{context}: expected {show(want)}, got non-finite values {show(got)}")
    if not np.allclose(got, want, rtol=rtol, atol=atol):
        raise AssertionError(f"{what}{context}: expected {show(want)}, got {show(got)}")


def assert_unchanged(after: Any, before: np.ndarray, what: str) -> None:
    after_array = as_numbers(after, what)
    if after_array.shape != before.shape or not np.array_equal(after_array, before):
        raise AssertionError(f"{what} modified its input: it was {show(before)}, afterwards {show(after_array)}")
