"""The backprop graders' draws over 1,000 ids (fast, no sandbox): sizes of 2
or more where an axis matters, both signs of every parameter the model tells
apart, no 0 or 1 where it would hide a missing factor."""
from __future__ import annotations

import numpy as np
import pytest

from autograder.graders.backprop.test_composition import CHAINS
from autograder.graders.backprop.test_fit import SIGNS, START, hidden_data, training_run
from autograder.graders.composition_checks import draw_data
from autograder.graders.layer_specs import MULTIPLICATION_WEIGHT, MY_EXP, draw_chain, draw_input, draw_parameter, \
    draw_upstream

IDS = range(1000)


def _away_from_0_and_1(value: float, margin: float = 0.2) -> bool:
    return abs(value) >= margin and abs(abs(value) - 1) >= margin


def test_layer_parameters_take_both_signs_away_from_0_and_1():
    values = [draw_parameter(np.random.default_rng(i)) for i in IDS]
    assert all(_away_from_0_and_1(v) for v in values)
    assert min(values) < 0 < max(values)


@pytest.mark.parametrize("spec", [MULTIPLICATION_WEIGHT, MY_EXP], ids=str)
def test_layer_inputs_have_two_elements_or_more_on_each_axis(spec):
    for i in IDS:
        rng = np.random.default_rng(i)
        assert np.ndim(draw_input(rng, spec, "scalar")) == 0
        vector, matrix = draw_input(rng, spec, "vector"), draw_input(rng, spec, "matrix")
        assert vector.ndim == 1 and vector.size >= 2, vector.shape
        assert matrix.ndim == 2 and min(matrix.shape) >= 2, matrix.shape


def test_upstream_gradients_are_never_all_ones_and_take_both_signs():
    for like in (0.5, np.zeros(4), np.zeros((2, 3))):
        drawn = [draw_upstream(np.random.default_rng(i), like) for i in IDS]
        assert all(np.shape(d) == np.shape(like) and not np.allclose(np.abs(d), 1) for d in drawn)
        assert min(np.min(d) for d in drawn) < 0 < max(np.max(d) for d in drawn)


def test_chains_draw_parameters_away_from_0_and_1_and_arrays_of_two_or_more():
    for i in IDS:
        rng = np.random.default_rng(i)
        for specs in CHAINS.values():
            assert all(v is None or _away_from_0_and_1(v) for _, v in draw_chain(rng, specs))
        x, target = draw_data(rng, "vector")
        assert x.size >= 2 and target.shape == x.shape


@pytest.mark.parametrize("sign", list(SIGNS))
def test_hidden_w_has_the_sign_of_its_draw_and_b_is_away_from_0_and_1(sign):
    for i in IDS:
        w_star, b_star, yy = hidden_data(np.random.default_rng(i), SIGNS[sign])
        assert np.sign(w_star) == SIGNS[sign] and 0.25 <= abs(w_star) <= 1 and abs(abs(w_star) - START[0]) >= 0.05
        assert 2.25 <= b_star <= 3
        learning_rate, n_iter, _ = training_run(np.random.default_rng(i), yy)
        assert 0 < learning_rate * np.max(yy) ** 2 < 0.5 and n_iter >= 1000


def test_both_signs_of_w_are_drawn():
    assert set(SIGNS.values()) == {1.0, -1.0}
