"""Realistic mistakes in the manual gradient assignment, each aimed at one hidden test.
A target with brackets names one parametrized case."""
from . import Variant
from .backprop import SOLUTION, STUB

BUGS = [
    Variant("manual_gradient_missing_x",
            (("    return float(np.sum(r * x)), float(np.sum(r))\n", "    return float(np.sum(r)), float(np.sum(r))\n"),),
            ("test_manual_gradient",), "dl/dw forgets the factor x", max_other_failures=0),
    Variant("make_differentiable_float32",
            (("    return t.to(torch.float64).clone().requires_grad_(True)\n", "    return t.float().requires_grad_(True)\n"),),
            ("test_make_differentiable",), "casts to float32, not float64", max_other_failures=0),
    Variant("grads_zeroed_between_calls",
            (("    loss.backward(retain_graph=True)\n    loss.backward()\n",
              "    loss.backward(retain_graph=True)\n    w_t.grad = None\n    b_t.grad = None\n    loss.backward()\n"),),
            ("test_gradients_accumulate_over_two_backward_calls",), "zeroes the gradients between the two calls",
            max_other_failures=0),
    Variant("gradient_missing_2",
            (("    grad_w = 2 * x.T @ residual\n", "    grad_w = x.T @ residual\n"),),
            ("test_gradient",), "grad_w misses the factor 2", max_other_failures=0),
    Variant("gradient_of_the_mean",
            (("    return grad_w, grad_b\n", "    return grad_w / len(y), grad_b / len(y)\n"),),
            ("test_gradient",), "the gradient of the mean where the sum is asked",
            max_other_failures=0),
    Variant("gradient_t_transposed_w",
            (("    return 2 * x_t.t().mm(residual), ", "    return 2 * residual.t().mm(x_t), "),),
            ("test_gradient_t", "test_gradient_t_contract"), "gradient_t returns grad_w transposed, shape (1, d)",
            max_other_failures=0),
    Variant("autograd_forgot_zero",
            (("            w.grad.zero_()\n            b.grad.zero_()\n", ""),),
            ("test_fit_follows_gradient_descent[fit_autograd]", "test_fit_recovers_hidden_parameters[fit_autograd]"),
            "fit_autograd never zeroes the gradients", max_other_failures=0),
    Variant("autograd_update_outside_no_grad",
            (("        with torch.no_grad():\n            w -= learning_rate * w.grad\n            b -= learning_rate * b.grad\n"
              "            w.grad.zero_()\n            b.grad.zero_()\n",
              "        w = w - learning_rate * w.grad\n        b = b - learning_rate * b.grad\n"),),
            ("test_fit_follows_gradient_descent[fit_autograd]", "test_fit_recovers_hidden_parameters[fit_autograd]",
             "test_fit_contract[fit_autograd]"),
            "fit_autograd updates outside torch.no_grad() (it crashes at the second epoch)", max_other_failures=0),
    Variant("nn_reduction_mean",
            (('    loss_fn = nn.MSELoss(reduction="sum")\n', '    loss_fn = nn.MSELoss(reduction="mean")\n'),),
            ("test_fit_follows_gradient_descent[fit_nn]", "test_fit_recovers_hidden_parameters[fit_nn]"),
            "fit_nn uses MSELoss(reduction='mean')", max_other_failures=0),
    Variant("fixed_learning_rate",
            (("    return 0.3 / n_samples\n", "    return 1e-2\n"),),
            ("test_learning_rate_for[medium]", "test_learning_rate_for[large]"),
            "learning_rate_for always returns the course's 1e-2 (it converges for small n only)", max_other_failures=0),
    Variant("lstsq_without_bias_column",
            (("    design = torch.cat([x_t, torch.ones(x_t.shape[0], 1, dtype=x_t.dtype)], dim=1)\n"
              "    theta = torch.linalg.lstsq(design, y_t).solution\n    return theta[:-1], theta[-1:]\n",
              "    theta = torch.linalg.lstsq(x_t, y_t).solution\n    return theta, torch.zeros(1, 1)\n"),),
            ("test_fit_lstsq",), "fit_lstsq forgets the column of ones", max_other_failures=0),
]

# Mutating what the function is given, and returning other types than the notebook states.
BUGS += [
    Variant("fit_numpy_updates_w_init_in_place",
            (("    w, b = np.array(w_init, dtype=float), np.array(b_init, dtype=float)\n", "    w, b = w_init, b_init\n"),
             ("        w = w - learning_rate * grad_w\n        b = b - learning_rate * grad_b\n",
              "        w -= learning_rate * grad_w\n        b -= learning_rate * grad_b\n")),
            ("test_fit_contract[fit_numpy]",),
            "fit_numpy starts from w = w_init and updates it in place (the caller's arrays change): the values are "
            "right, only the contract test (inputs unchanged) fails", max_other_failures=0),
    Variant("fit_autograd_trains_w_init_itself",
            (("    w = w_init.clone().detach().requires_grad_(True)\n    b = b_init.clone().detach().requires_grad_(True)\n",
              "    w = w_init.requires_grad_()\n    b = b_init.requires_grad_()\n"),),
            ("test_fit_contract[fit_autograd]",),
            "fit_autograd calls w_init.requires_grad_() and updates the caller's tensors: the values are right, only "
            "the contract test (inputs unchanged) fails", max_other_failures=0),
    Variant("manual_gradient_per_entry_arrays",
            (("    return float(np.sum(r * x)), float(np.sum(r))\n", "    return r * x, r\n"),),
            ("test_manual_gradient[vector]", "test_manual_gradient[matrix]", "test_manual_gradient_contract"),
            "manual_gradient returns per-entry arrays where the notebook asks for the gradient of the summed loss",
            max_other_failures=0),
    Variant("accumulated_grads_returns_tensors",
            (("    return w_t.grad.item(), b_t.grad.item()\n", "    return w_t.grad, b_t.grad\n"),),
            ("test_accumulated_grads_contract",),
            "accumulated_grads returns the .grad tensors where the notebook asks for floats: the values are right, "
            "only the contract test fails", max_other_failures=0),
]

# Contract slips (the maths right: only the function's contract test fails), and more realistic bugs.
BUGS += [
    Variant("fit_numpy_returns_float_b",
            (("    return w, b\n", "    return w, float(b[0])\n"),),
            ("test_fit_contract[fit_numpy]",),
            "fit_numpy returns b as a float where the notebook asks for an array of b_init's shape (1,): a contract "
            "slip, not a wrong value", max_other_failures=0),
    Variant("gradient_t_course_0d_grad_b",
            (("2 * residual.sum().reshape(1, 1)\n", "2 * residual.sum()\n"),),
            ("test_gradient_t_contract",),
            "gradient_t returns grad_b as a 0-d tensor (the course's own line) where the notebook asks for (1, 1): "
            "a contract slip", max_other_failures=0),
    Variant("gradient_flat_grad_b_for_float_b",
            (("    grad_b = 2 * np.sum(residual) * np.ones_like(b) if np.ndim(b) else 2 * float(np.sum(residual))\n",
              "    grad_b = 2 * np.sum(residual) * np.ones(1)\n"),),
            ("test_gradient_contract",),
            "gradient returns grad_b of shape (1,) even for a float b (the notebook asks for b's shape): a contract "
            "slip", max_other_failures=0),
    Variant("manual_gradient_mean",
            (("    return float(np.sum(r * x)), float(np.sum(r))\n", "    return float(np.mean(r * x)), float(np.mean(r))\n"),),
            ("test_manual_gradient[vector]", "test_manual_gradient[matrix]"),
            "manual_gradient averages over the entries where the loss is their sum", max_other_failures=0),
    Variant("accumulated_grads_one_backward",
            (("    loss.backward(retain_graph=True)\n    loss.backward()\n", "    loss.backward()\n"),),
            ("test_gradients_accumulate_over_two_backward_calls",), "calls backward once", max_other_failures=0),
    Variant("gradient_residual_sign",
            (("    residual = x @ w + b - y\n", "    residual = y - x @ w - b\n"),),
            ("test_gradient",), "gradient of the wrong sign (y - prediction)", max_other_failures=0),
    Variant("gradient_grad_b_per_sample",
            (("    grad_b = 2 * np.sum(residual) * np.ones_like(b) if np.ndim(b) else 2 * float(np.sum(residual))\n",
              "    grad_b = 2 * residual\n"),),
            ("test_gradient", "test_gradient_contract"), "grad_b is not summed over the samples",
            max_other_failures=0),
    Variant("gradient_t_missing_2",
            (("    return 2 * x_t.t().mm(residual), ", "    return x_t.t().mm(residual), "),),
            ("test_gradient_t",), "gradient_t's grad_w misses the factor 2", max_other_failures=0),
    Variant("fit_numpy_one_epoch_short",
            (("    for _ in range(epochs):\n        grad_w, grad_b = gradient(x, y, w, b)\n",
              "    for _ in range(epochs - 1):\n        grad_w, grad_b = gradient(x, y, w, b)\n"),),
            ("test_fit_follows_gradient_descent[fit_numpy]",), "fit_numpy runs one epoch fewer than asked",
            max_other_failures=0),
    Variant("fit_autograd_mean_loss",
            (("        loss = (x_t.mm(w) + b - y_t).pow(2).sum()\n", "        loss = (x_t.mm(w) + b - y_t).pow(2).mean()\n"),),
            ("test_fit_follows_gradient_descent[fit_autograd]", "test_fit_recovers_hidden_parameters[fit_autograd]"),
            "fit_autograd minimises the mean where the notebook asks for the sum (too slow to recover with the "
            "summed loss's step)", max_other_failures=0),
    Variant("fit_nn_default_init",
            (("        model.weight.copy_(w_init.reshape(1, -1))\n        model.bias.copy_(b_init.reshape(1))\n",
              "        pass\n"),),
            ("test_fit_follows_gradient_descent[fit_nn]",), "fit_nn keeps nn.Linear's random start, not w_init and b_init",
            max_other_failures=0),
    Variant("learning_rate_too_large",
            (("    return 0.3 / n_samples\n", "    return 2 / n_samples\n"),),
            ("test_learning_rate_for",), "learning_rate_for scales by 1/n but with a step that diverges",
            max_other_failures=0),
    Variant("make_differentiable_in_place",
            (("    return t.to(torch.float64).clone().requires_grad_(True)\n",
              "    t.data = t.data.to(torch.float64)\n    return t.requires_grad_(True)\n"),),
            ("test_make_differentiable",), "make_differentiable changes the tensor it is given and returns it",
            max_other_failures=0),
    Variant("lstsq_w_row",
            (("    return theta[:-1], theta[-1:]\n", "    return theta[:-1].t(), theta[-1:]\n"),),
            ("test_fit_lstsq", "test_fit_lstsq_contract"), "fit_lstsq returns w transposed, shape (1, d)",
            max_other_failures=0),
]

DEMO_CLASS = {
    "alice": SOLUTION,
    "bob": STUB,
    "carol": BUGS[6],   # forgot zero_()
    "dave": BUGS[8],    # reduction='mean'
    "erin": BUGS[9],    # fixed learning rate
}
