"""The graders' own closed-form references agree with torch.autograd (fast)."""
from __future__ import annotations

import numpy as np

from autograder.graders.backprop.test_fit import course_sgd
from autograder.graders.layer_specs import ADD_BIAS, MULTIPLICATION_WEIGHT, MY_EXP
from autograder.graders.sgd import reference_sgd


def test_course_sgd_in_closed_form_follows_torch():
    rng = np.random.default_rng(3)
    xx = np.arange(0, 1, 0.01)
    yy = np.exp(0.7 * xx + 2.5)
    indices = rng.integers(len(xx), size=40)
    w, b, losses = course_sgd(1.0, 1.0, xx, yy, indices, 2e-4)
    torch_w, torch_b, _ = reference_sgd([(MULTIPLICATION_WEIGHT, 1.0), (ADD_BIAS, 1.0), (MY_EXP, None)], xx, yy,
                                        indices, [2e-4] * 3)
    assert np.isclose(w, torch_w, rtol=1e-12) and np.isclose(b, torch_b, rtol=1e-12), (w, torch_w, b, torch_b)
    assert len(losses) == 40 and losses[0] == (np.exp(1.0 * xx[indices[0]] + 1.0) - yy[indices[0]]) ** 2
