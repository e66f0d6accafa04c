"""The draws of reverse_mode's fit tests, over 1,000 student ids (fast, no sandbox): d >= 2 wherever
a transpose matters, both signs of every hidden parameter whose sign the model tells apart, no value
at 0 or 1, and recovery runs that converge."""
from __future__ import annotations

import numpy as np
import pytest

from autograder.graders.reverse_mode.test_fits import (CHALLENGE_SIGNS, LINEAR_SIGNS, draw_challenge,
                                                       draw_linear_recovery, draw_linear_replay)

IDS = range(1000)


def _rng(student: int, test: str) -> np.random.Generator:
    return np.random.default_rng([student, sum(map(ord, test))])


def _not_zero_or_one(values, what: str) -> None:
    values = np.abs(np.ravel(values))
    assert np.all(values > 0.05) and np.all(np.abs(values - 1) > 0.04), f"{what} has a value at 0 or 1: {values}"


def test_replay_draws_have_d_at_least_2_and_no_zero_or_one():
    for student in IDS:
        x, y, w0, b0, learning_rate, epochs = draw_linear_replay(_rng(student, "replay"))
        assert x.shape[1] >= 2 and x.shape[0] >= 2, f"id {student}: x of shape {x.shape}"
        assert w0.shape == (x.shape[1],) and b0.shape == (1,)
        _not_zero_or_one(w0, f"id {student}: w_init")
        _not_zero_or_one(b0, f"id {student}: b_init")
        assert 4 <= epochs and 0 < learning_rate * len(x) < 0.3


@pytest.mark.parametrize("draw", range(len(LINEAR_SIGNS)))
def test_recovery_draws(draw):
    for student in IDS:
        x, y, w_star, b_star = draw_linear_recovery(_rng(student, f"recovery{draw}"), draw)
        n, d = x.shape
        assert d >= 2, f"id {student}: d = {d}"
        _not_zero_or_one(w_star, f"id {student}: w*")
        _not_zero_or_one(b_star, f"id {student}: b*")
        assert (np.sign(w_star[0]), np.sign(b_star)) == LINEAR_SIGNS[draw]
        np.testing.assert_allclose(x @ w_star + b_star, y)
        # batch GD on the summed squared error at the step 0.3 / n: stable, and 2000 epochs reach 1e-3 from zero
        design = np.hstack([x, np.ones((n, 1))])
        eigen = np.linalg.eigvalsh(2 * design.T @ design) * 0.3 / n
        assert eigen.max() < 2, f"id {student}: the step diverges ({eigen.max():.3g})"
        start_error = np.linalg.norm(np.append(w_star, b_star))
        assert start_error * max(abs(1 - eigen.min()), abs(1 - eigen.max())) ** 2000 < 1e-4, \
            f"id {student}: 2000 epochs do not converge (smallest step eigenvalue {eigen.min():.3g})"


def test_both_signs_in_every_student_draws():
    assert {s for s, _ in LINEAR_SIGNS} == {-1, 1} and {s for _, s in LINEAR_SIGNS} == {-1, 1}
    assert {s for s, _ in CHALLENGE_SIGNS} == {-1, 1} and {s for _, s in CHALLENGE_SIGNS} == {-1, 1}
    signs = set()
    for student in IDS:
        w_star = draw_linear_recovery(_rng(student, "recovery0"), 0)[2]
        signs |= set(np.sign(w_star[1:]))
    assert signs == {-1, 1}, "the other entries of w* should take both signs"


@pytest.mark.parametrize("draw", range(len(CHALLENGE_SIGNS)))
def test_challenge_draws(draw):
    for student in IDS:
        truth = draw_challenge(_rng(student, f"challenge{draw}"), draw)
        assert (np.sign(truth["w"]), np.sign(truth["b"])) == CHALLENGE_SIGNS[draw], f"id {student}: {truth}"
        assert truth["p"] > 0.3
        for name, value in truth.items():
            _not_zero_or_one(value, f"id {student}: {name}*")
