"""The functional autodiff notebook's grading, on hostile and odd submissions: torch is denied in its
student processes, a VJP cannot lie its way to the points, and a fit must take its gradients from the
VJPs (through backward_diff_chain)."""
from __future__ import annotations

import nbformat
import pytest

from autograder.grading.runner import Submission, grade_submissions
from autograder.variants import Variant, fill_notebook
from autograder.variants.functional_autodiff import BUGS
from conftest import released, solution

pytestmark = pytest.mark.slow

A = "functional_autodiff"
TRAIN_TESTS = {"test_fit::test_train_follows_gradient_descent[course]",
               "test_fit::test_train_follows_gradient_descent[two_layers]",
               "test_fit::test_train_recovers_hidden_parameters[0]",
               "test_fit::test_train_recovers_hidden_parameters[1]"}
DOT_TESTS = {"test_vjps::test_vjp[dot-0]", "test_vjps::test_vjp[dot-1]", "test_vjps::test_vjp[dot-2]",
             "test_vjps::test_vjp_leaves_inputs_unchanged[dot]", "test_chain::test_gradients_end_to_end"}

TORCH_TRAIN = '''
def train(x, funcs, params, epochs=10, learning_rate=1e-2):
    import torch  # the gradient by torch.autograd instead of the VJPs
    W, b, y = (torch.tensor(p, requires_grad=True) for p in params)
    losses = []
    for _ in range(epochs):
        loss = ((torch.tensor(x) @ W + b - y) ** 2).sum()
        loss.backward()
        losses.append(loss.item())
        with torch.no_grad():
            W -= learning_rate * W.grad
            b -= learning_rate * b.grad
        W.grad.zero_(); b.grad.zero_()
    return [W.detach().numpy(), b.detach().numpy(), params[2]], losses
'''

# A VJP whose results claim to be anything: equal to every value, any shape, any number.
LYING_DOT = '''
class Anything:
    shape = property(lambda self: (2, 2))
    ndim = 2
    def __eq__(self, other): return True
    def __array__(self, *args, **kwargs): return np.zeros((2, 2))
    def __getattr__(self, name): return self
    def __call__(self, *args, **kwargs): return self
    def sum(self, *args, **kwargs): return self
    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = __neg__ = __call__


class Equal(np.ndarray):  # a real array that says it equals anything
    def __eq__(self, other): return np.ones(np.shape(other), dtype=bool)


def dot(x, W):
    return np.dot(x, W)


def dot_make_vjp(x, W):
    def vjp(u):
        return Anything(), np.zeros((len(x),) + W.shape).view(Equal)
    return vjp


dot.make_vjp = dot_make_vjp
'''


def _bug(name: str) -> Variant:
    return next(b for b in BUGS if b.name == name)


SUBMISSIONS = {
    "torch_train": Variant("torch_train", cells=(("train", TORCH_TRAIN),)),
    "lying_dot": Variant("lying_dot", cells=(("dot", LYING_DOT),)),
    "hard_coded": _bug("train_hard_coded_gradient"),
    "averaged_W": _bug("dot_grad_W_summed_over_features"),  # averaged: the summed shape, wrong values
}


@pytest.fixture(scope="module")
def graded(templates, context, tmp_path_factory):
    """Every submission of this file graded in one batch, by name."""
    folder = tmp_path_factory.mktemp("functional-autodiff")
    released_nb, solution_nb = (nbformat.read(str(p(A)), as_version=4) for p in (released, solution))
    submissions = []
    for name, variant in SUBMISSIONS.items():
        path = folder / name / f"{A}.ipynb"
        path.parent.mkdir()
        nbformat.write(fill_notebook(released_nb, solution_nb, variant.edits, variant.cells), str(path))
        submissions.append(Submission(name, path))
    results = grade_submissions(context(A), templates(A).client(), submissions)
    for result in results:
        assert not result.grader_errors, [(t.name, t.message) for t in result.grader_errors]
    return {s.student: r for s, r in zip(submissions, results)}


def _failed(result):
    return {t.name: t for t in result.tests if t.outcome != "passed"}


def test_a_train_that_imports_torch_is_denied_and_earns_no_train_points(graded):
    result = graded["torch_train"]
    failed = _failed(result)
    assert set(failed) == TRAIN_TESTS, sorted(failed)
    assert all("torch is not available in this assignment" in t.message for t in failed.values()), \
        [t.message[:300] for t in failed.values()]
    assert result.max_score - result.score == pytest.approx(8)  # the four train tests, 2 points each


def test_a_vjp_returning_lying_objects_gets_none_of_its_points(graded):
    failed = _failed(graded["lying_dot"])
    assert set(failed) == DOT_TESTS, sorted(failed)
    message = failed["test_vjps::test_vjp[dot-0]"].message
    assert message.startswith("dot.make_vjp(x, W)(u), the gradient of x, for x = "), message
    assert "should be an array of shape" in message, message


def test_a_fit_with_the_gradient_by_hand_is_told_why(graded):
    failed = _failed(graded["hard_coded"])
    assert set(failed) == TRAIN_TESTS, sorted(failed)
    assert "called backward_diff_chain 0 times" in failed["test_fit::test_train_recovers_hidden_parameters[0]"].message


def test_a_summed_weight_gradient_is_compared_as_summed(graded):
    message = _failed(graded["averaged_W"])["test_vjps::test_vjp[dot-0]"].message
    assert "the gradient of W (summed over the batch" in message, message
