"""The challenge graders' draws over 1,000 ids (fast, no sandbox): both signs
of w* (the model tells them apart), p* positive (its sign is not
identifiable: cos is even), no value at 0 or 1 or at the course's examples."""
from __future__ import annotations

import numpy as np
import pytest

from autograder.graders.challenge.test_composition import CHAINS
from autograder.graders.challenge.test_fit import DRAWS
from autograder.graders.challenge_data import COURSE_VALUES, hidden_challenge1, hidden_challenge2
from autograder.graders.composition_checks import draw_data
from autograder.graders.layer_specs import MY_COS, draw_chain, draw_input

IDS = range(1000)


def _away(value: float, values=(0.0, 1.0) + COURSE_VALUES, margin: float = 0.05) -> bool:
    return all(abs(abs(value) - v) >= margin for v in values)


def test_every_fit_test_draws_both_signs_of_w():
    assert sorted(DRAWS.values()).count(1.0) >= 2 and sorted(DRAWS.values()).count(-1.0) >= 2


@pytest.mark.parametrize("draw", list(DRAWS))
def test_hidden_challenge1_has_the_sign_of_its_draw(draw):
    for i in IDS:
        truth = hidden_challenge1(np.random.default_rng(i), DRAWS[draw])
        assert np.sign(truth["w"]) == DRAWS[draw] and _away(truth["w"]) and _away(truth["b"]), truth


@pytest.mark.parametrize("draw", list(DRAWS))
def test_hidden_challenge2_has_the_sign_of_its_draw_and_a_positive_p(draw):
    for i in IDS:
        truth = hidden_challenge2(np.random.default_rng(i), DRAWS[draw])
        assert np.sign(truth["w"]) == DRAWS[draw] and truth["p"] > 0, truth
        assert all(_away(v) for v in truth.values()), truth


def test_without_a_sign_both_signs_are_drawn():
    signs = {np.sign(hidden_challenge2(np.random.default_rng(i))["w"]) for i in IDS}
    assert signs == {1.0, -1.0}


def test_cos_inputs_and_chains():
    for i in IDS:
        rng = np.random.default_rng(i)
        assert min(draw_input(rng, MY_COS, "matrix").shape) >= 2 and draw_input(rng, MY_COS, "vector").size >= 2
        for specs in CHAINS.values():
            assert all(v is None or _away(v, (0.0, 1.0), 0.2) for _, v in draw_chain(rng, specs))
        assert draw_data(rng, "vector")[0].size >= 2
