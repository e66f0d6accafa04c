"""Realistic mistakes in the functional autodiff notebook, each aimed at the hidden tests it must fail.

`benchmarks/sweep.py` grades every variant on many student ids and shows the points each loses. The
targets name hidden tests of `autograder/graders/functional_autodiff/` (the part after "::", without
parameters, or one case); `max_other_failures` bounds the tests a bug fails besides those.
"""
from . import Variant
from .backprop import SOLUTION, STUB

E2E = "test_gradients_end_to_end"
# A VJP with wrong values fails its value tests, its inputs-unchanged test (which checks the values too)
# and the end-to-end gradients.
VJP = {name: (f"test_vjp[{name}-0]", f"test_vjp[{name}-1]", f"test_vjp[{name}-2]",
              f"test_vjp_leaves_inputs_unchanged[{name}]", E2E) for name in ("add", "dot", "squared_loss")}
COURSE_LOOP = ("        loss, grad_x, grads = backward_diff_chain(x, funcs, params)\n"
               "        losses.append(float(loss[0]))\n"
               "        updates = optim_SGD(grads, learning_rate)\n"
               "        params = update_params(updates, params)\n")
HARD_CODED_LOOP = ("        W, b, y = params\n"
                   "        residual = x @ W + b - y\n"
                   "        losses.append(float(np.sum(residual ** 2)))\n"
                   "        W = W - learning_rate * 2 * x.T @ residual\n"
                   "        b = b - learning_rate * 2 * np.sum(residual, axis=0)\n"
                   "        params = [W, b, y]\n")

BUGS = [
    Variant("dot_grad_x_untransposed",
            (("        return np.dot(u, W.T), np.einsum('na,nb->nab', x, u)\n",
              "        return np.dot(u, W), np.einsum('na,nb->nab', x, u)\n"),),
            VJP["dot"],
            "dot's VJP for x multiplies u by W instead of W.T (a crash: W is never square in the VJP tests)",
            max_other_failures=0),
    Variant("dot_grad_W_transposed",
            (("        return np.dot(u, W.T), np.einsum('na,nb->nab', x, u)\n",
              "        return np.dot(u, W.T), np.einsum('na,nb->nba', x, u)\n"),),
            VJP["dot"],
            "dot's per-sample gradients of W come out transposed, (n, b, a)", max_other_failures=0),
    Variant("dot_grad_W_summed_over_features",
            (("        return np.dot(u, W.T), np.einsum('na,nb->nab', x, u)\n",
              "        return np.dot(u, W.T), np.einsum('na,nb->ab', x, u) / len(x)\n"),),
            VJP["dot"],
            "dot's gradient of W averaged over the batch instead of summed (or kept per sample)",
            max_other_failures=0),
    Variant("add_grad_b_summed_on_wrong_axis",
            (("        return u, u\n", "        return u, u.sum(axis=1)\n"),),
            VJP["add"],
            "add's gradient of b summed over the features (axis 1) instead of the batch", max_other_failures=0),
    Variant("squared_loss_wrong_sign",
            (("        return 2 * diff, np.zeros_like(y)\n", "        return -2 * diff, np.zeros_like(y)\n"),),
            VJP["squared_loss"],
            "squared_loss's VJP has the sign of the gradient of y, 2 (y - y_pred)", max_other_failures=0),
    Variant("squared_loss_no_factor_2",
            (("        return 2 * diff, np.zeros_like(y)\n", "        return diff, np.zeros_like(y)\n"),),
            VJP["squared_loss"],
            "squared_loss's VJP forgets the factor 2", max_other_failures=0),
    Variant("squared_loss_updates_the_target",
            (("        return 2 * diff, np.zeros_like(y)\n", "        return 2 * diff, -2 * diff\n"),),
            VJP["squared_loss"],
            "squared_loss's VJP returns the true gradient of y, so SGD would move the targets", max_other_failures=0),
    Variant("squared_loss_mutates_y_pred",
            (("        diff = y_pred - y\n", "        diff = y_pred\n        diff -= y\n"),),
            ("test_vjp_leaves_inputs_unchanged[squared_loss]",),
            "squared_loss's VJP subtracts y in place from y_pred (the caller's prediction changes): the values are "
            "right, only the inputs-unchanged test fails", max_other_failures=0),
    Variant("evaluate_chain_without_x",
            (("        return all_x\n", "        return all_x[1:]\n"),),
            ("test_evaluate_chain", E2E),
            "evaluate_chain(..., return_all=True) leaves x out of the list of values", max_other_failures=0),
    Variant("backward_in_forward_order",
            (("    for (k, (f, p, x)) in reversed(list(enumerate(zip(funcs, params, xs)))):\n",
              "    for (k, (f, p, x)) in enumerate(zip(funcs, params, xs)):\n"),),
            ("test_backward_diff_chain", E2E),
            "backward_diff_chain applies the VJPs in forward order, from the first function", max_other_failures=0),
    Variant("backward_vjp_at_the_output",
            (("        vjp_x, vjp_param = f.make_vjp(x, p)(u)\n",
              "        vjp_x, vjp_param = f.make_vjp(xs[k + 1], p)(u)\n"),),
            ("test_backward_diff_chain", E2E),
            "backward_diff_chain makes each VJP at the function's output instead of its input",
            max_other_failures=0),
    Variant("optim_SGD_no_sum",
            (("    return [-learning_rate * g.sum(0) for i, g in enumerate(grads)]\n",
              "    return [-learning_rate * g for i, g in enumerate(grads)]\n"),),
            ("test_optim_SGD",),
            "optim_SGD forgets to sum the per-sample gradients over the batch", max_other_failures=0),
    Variant("optim_SGD_sums_the_last_axis",
            (("    return [-learning_rate * g.sum(0) for i, g in enumerate(grads)]\n",
              "    return [-learning_rate * g.sum(-1) for i, g in enumerate(grads)]\n"),),
            ("test_optim_SGD",),
            "optim_SGD sums over the last axis instead of the batch axis", max_other_failures=0),
    Variant("optim_SGD_fixed_rate",
            (("    return [-learning_rate * g.sum(0) for i, g in enumerate(grads)]\n",
              "    return [-1e-2 * g.sum(0) for i, g in enumerate(grads)]\n"),),
            ("test_optim_SGD[0]",),
            "optim_SGD ignores its learning_rate argument (always 1e-2)", max_other_failures=0),
    Variant("train_hard_coded_gradient", ((COURSE_LOOP, HARD_CODED_LOOP),),
            ("test_train_follows_gradient_descent", "test_train_recovers_hidden_parameters"),
            "train computes the gradient of the course's model by a formula instead of backward_diff_chain: right "
            "on the course's chain only, and never from the VJPs", max_other_failures=0),
    Variant("train_updates_params_in_place",
            (("        params = update_params(updates, params)\n",
              "        for p, step in zip(params, updates):\n            p += step\n"),),
            ("test_train_follows_gradient_descent", "test_train_recovers_hidden_parameters"),
            "train adds the updates in place to the caller's parameter arrays", max_other_failures=0),
]

DEMO_CLASS = {
    "alice": SOLUTION,
    "bob": STUB,
    "carol": BUGS[1],   # dot's weight gradient transposed
    "dave": BUGS[9],    # the chain walked in forward order
    "erin": BUGS[14],   # train with the gradient by hand
}
