"""Comparisons and type checks done in the grader (fast)."""
from __future__ import annotations

import numpy as np
import pytest

from autograder.grading.compare import as_array, as_number, assert_close, assert_unchanged, total
from autograder.sandbox.codec import TensorArray


def test_close_numbers_pass_and_far_ones_fail_with_both_values():
    assert_close(1.0 + 1e-12, 1.0, "f")
    with pytest.raises(AssertionError, match=r"f for x = 2: expected 1, got 1.5"):
        assert_close(1.5, 1.0, "f", "x = 2")


@pytest.mark.parametrize("got", [np.array([1.0]), np.array([[1.0]]), [1.0], (1.0,), True, None, "1",
                                 np.ones(1).view(TensorArray)])
def test_a_number_is_asked_where_the_reference_is_a_number(got):
    with pytest.raises(AssertionError, match="should be a number"):
        assert_close(got, 1.0, "f")


def test_zero_d_arrays_count_as_numbers():
    assert as_number(np.array(2.0), "f") == 2.0


@pytest.mark.parametrize("got, message", [(1.0, "should be an array of shape"),
                                          (np.ones(4), r"should be an array of shape \(3,\), got shape \(4,\)"),
                                          (np.ones((3, 1)), "got shape"),
                                          (np.ones(3).view(TensorArray), "should be an array"),
                                          ([1.0, 1.0, 1.0], "should be an array")])
def test_an_array_of_the_same_shape_is_asked_where_the_reference_is_an_array(got, message):
    with pytest.raises(AssertionError, match=message):
        assert_close(got, np.ones(3), "f")


def test_a_tensor_is_asked_where_the_reference_is_a_tensor():
    assert_close(np.ones(2).view(TensorArray), np.ones(2).view(TensorArray), "f")
    with pytest.raises(AssertionError, match="should be a tensor"):
        assert_close(np.ones(2), np.ones(2).view(TensorArray), "f")


@pytest.mark.parametrize("got", [np.array([np.nan, 1.0]), np.array([np.inf, 1.0])])
def test_non_finite_values_fail_and_say_so(got):
    with pytest.raises(AssertionError, match="non-finite"):
        assert_close(got, np.ones(2), "f")


def test_total_accepts_a_number_or_per_element_values_of_the_right_shape():
    assert total(3.0, (2,), "g") == 3.0
    assert total(np.array([1.0, 2.0]), (2,), "g") == 3.0
    with pytest.raises(AssertionError, match="shape"):
        total(np.array([1.0, 2.0, 3.0]), (2,), "g")


def test_as_array_checks_real_dtype():
    with pytest.raises(AssertionError, match="real numbers"):
        as_array(np.ones(2, dtype=complex), "f", (2,))


def test_a_changed_input_is_named():
    assert_unchanged(np.ones(2), np.ones(2), "f")
    with pytest.raises(AssertionError, match="f modified its input"):
        assert_unchanged(np.zeros(2), np.ones(2), "f")
