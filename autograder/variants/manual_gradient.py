"""Realistic mistakes in the manual gradient assignment, each aimed at one hidden test.
A target with brackets names one parametrized case."""
from . import Variant
from .backprop import SOLUTION, STUB

BUGS = [
    Variant("manual_gradient_missing_x",
            (("    return float(np.sum(r * x)), float(np.sum(r))\n", "    return float(np.sum(r)), float(np.sum(r))\n"),),
            ("test_manual_gradient",), "dl/dw forgets the factor x"),
    Variant("make_differentiable_float32",
            (("    return t.to(torch.float64).clone().requires_grad_(True)\n", "    return t.float().requires_grad_(True)\n"),),
            ("test_make_differentiable",), "casts to float32, not float64"),
    Variant("grads_zeroed_between_calls",
            (("    loss.backward(retain_graph=True)\n    loss.backward()\n",
              "    loss.backward(retain_graph=True)\n    w_t.grad = None\n    b_t.grad = None\n    loss.backward()\n"),),
            ("test_gradients_accumulate_over_two_backward_calls",), "zeroes the gradients between the two calls"),
    Variant("gradient_missing_2",
            (("    grad_w = 2 * x.T @ residual\n", "    grad_w = x.T @ residual\n"),),
            ("test_gradient",), "grad_w misses the factor 2"),
    Variant("gradient_of_the_mean",
            (("    return grad_w, grad_b\n", "    return grad_w / len(y), grad_b / len(y)\n"),),
            ("test_gradient",), "the gradient of the mean where the sum is asked"),
    Variant("gradient_t_transposed_w",
            (("    return 2 * x_t.t().mm(residual), ", "    return 2 * residual.t().mm(x_t), "),),
            ("test_gradient_t",), "gradient_t returns grad_w transposed, shape (1, d)"),
    Variant("autograd_forgot_zero",
            (("            w.grad.zero_()\n            b.grad.zero_()\n", ""),),
            ("test_fit_follows_gradient_descent[fit_autograd]",), "fit_autograd never zeroes the gradients"),
    Variant("autograd_update_outside_no_grad",
            (("        with torch.no_grad():\n            w -= learning_rate * w.grad\n            b -= learning_rate * b.grad\n"
              "            w.grad.zero_()\n            b.grad.zero_()\n",
              "        w = w - learning_rate * w.grad\n        b = b - learning_rate * b.grad\n"),),
            ("test_fit_follows_gradient_descent[fit_autograd]",), "fit_autograd updates outside torch.no_grad()"),
    Variant("nn_reduction_mean",
            (('    loss_fn = nn.MSELoss(reduction="sum")\n', '    loss_fn = nn.MSELoss(reduction="mean")\n'),),
            ("test_fit_follows_gradient_descent[fit_nn]",), "fit_nn uses MSELoss(reduction='mean')"),
    Variant("fixed_learning_rate",
            (("    return 0.3 / n_samples\n", "    return 1e-2\n"),),
            ("test_learning_rate_for[large]",), "learning_rate_for always returns the course's 1e-2"),
    Variant("lstsq_without_bias_column",
            (("    design = torch.cat([x_t, torch.ones(x_t.shape[0], 1, dtype=x_t.dtype)], dim=1)\n"
              "    theta = torch.linalg.lstsq(design, y_t).solution\n    return theta[:-1], theta[-1:]\n",
              "    theta = torch.linalg.lstsq(x_t, y_t).solution\n    return theta, torch.zeros(1, 1)\n"),),
            ("test_fit_lstsq",), "fit_lstsq forgets the column of ones"),
]

# Mutating what the function is given, and returning other types than the notebook states.
BUGS += [
    Variant("fit_numpy_updates_w_init_in_place",
            (("    w, b = np.array(w_init, dtype=float), np.array(b_init, dtype=float)\n", "    w, b = w_init, b_init\n"),
             ("        w = w - learning_rate * grad_w\n        b = b - learning_rate * grad_b\n",
              "        w -= learning_rate * grad_w\n        b -= learning_rate * grad_b\n")),
            ("test_fit_follows_gradient_descent[fit_numpy]", "test_fit_recovers_hidden_parameters[fit_numpy]"),
            "fit_numpy starts from w = w_init and updates it in place (the caller's arrays change)"),
    Variant("fit_autograd_trains_w_init_itself",
            (("    w = w_init.clone().detach().requires_grad_(True)\n    b = b_init.clone().detach().requires_grad_(True)\n",
              "    w = w_init.requires_grad_()\n    b = b_init.requires_grad_()\n"),),
            ("test_fit_follows_gradient_descent[fit_autograd]", "test_fit_recovers_hidden_parameters[fit_autograd]"),
            "fit_autograd calls w_init.requires_grad_() and updates the caller's tensors"),
    Variant("manual_gradient_per_entry_arrays",
            (("    return float(np.sum(r * x)), float(np.sum(r))\n", "    return r * x, r\n"),),
            ("test_manual_gradient[vector]", "test_manual_gradient[matrix]"),
            "manual_gradient returns per-entry arrays where the notebook asks for numbers"),
    Variant("accumulated_grads_returns_tensors",
            (("    return w_t.grad.item(), b_t.grad.item()\n", "    return w_t.grad, b_t.grad\n"),),
            ("test_gradients_accumulate_over_two_backward_calls",),
            "accumulated_grads returns the .grad tensors where the notebook asks for floats"),
]

DEMO_CLASS = {
    "alice": SOLUTION,
    "bob": STUB,
    "carol": BUGS[6],   # forgot zero_()
    "dave": BUGS[8],    # reduction='mean'
    "erin": BUGS[9],    # fixed learning rate
}
