"""The wire format: plain data only, in both directions (fast)."""
from __future__ import annotations

import math

import numpy as np
import pytest

from autograder.sandbox.codec import DecodeError, TensorArray, decode, dumps, encode, encode_tensor, loads


@pytest.mark.parametrize("value", [None, True, 3, -2.5, "text", [1, [2, 3]], (1, "a"), {"k": [1.5]},
                                   float("inf")])
def test_plain_values_round_trip(value):
    assert decode(loads(dumps({"v": encode(value)}))["v"]) == value


def test_nan_round_trips_as_nan():
    assert math.isnan(decode(loads(dumps({"v": encode(float("nan"))}))["v"]))


@pytest.mark.parametrize("dtype", ["float64", "float32", "int64", "bool", "complex128"])
def test_arrays_round_trip_with_dtype_and_shape(dtype):
    array = (np.arange(12).reshape(3, 4) % 3).astype(dtype)
    back = decode(loads(dumps({"v": encode(array)}))["v"])
    assert type(back) is np.ndarray and back.dtype == array.dtype and np.array_equal(back, array)


def test_a_zero_dimensional_array_stays_zero_dimensional():
    back = decode(loads(dumps({"v": encode(np.array(2.5))}))["v"])
    assert back.shape == () and back == 2.5


def test_numpy_scalars_become_python_numbers():
    assert type(decode(encode(np.float64(1.5)))) is float and type(decode(encode(np.int32(2)))) is int


def test_tensor_values_carry_requires_grad_but_stay_numbers():
    back = decode(loads(dumps({"v": encode_tensor(np.ones(3), True)}))["v"])
    assert isinstance(back, TensorArray) and back.requires_grad and np.array_equal(back, np.ones(3))


@pytest.mark.parametrize("value", [object(), np.array(["a"]), np.array([object()]), type("F", (float,), {})(1.0),
                                   type("L", (list,), {})([1])])
def test_anything_else_is_refused_without_a_handle_maker(value):
    with pytest.raises(TypeError):
        encode(value)


def test_anything_else_becomes_a_handle_when_one_is_made():
    assert encode(object(), lambda obj: {"$h": 7}) == {"$h": 7}


@pytest.mark.parametrize("data", [{"$nd": ["object", [1], "AA=="]}, {"$nd": ["float64", [2], "AAAAAAAA8D8="]},
                                  {"$nd": ["float64", [-1], ""]}, {"$h": 1}, {"$x": 1}, {"$d": [[1, 2]]}])
def test_malformed_or_foreign_tags_are_refused(data):
    with pytest.raises(DecodeError):
        decode(data)


def test_deep_nesting_is_refused():
    value = []
    for _ in range(200):
        value = [value]
    with pytest.raises(TypeError):
        encode(value)


@pytest.mark.parametrize("raw", [b"\xff", b"[1, 2]", b"{", b"1"])
def test_messages_must_be_json_objects(raw):
    with pytest.raises(DecodeError):
        loads(raw)
