"""Realistic mistakes in the JAX bonus, each aimed at its unit's hidden tests."""
from . import Variant
from .backprop import SOLUTION, STUB

BUGS = [
    Variant("loss_mean_not_sum",
            (("    return jnp.sum((prediction - y) ** 2)\n", "    return jnp.mean((prediction - y) ** 2)\n"),),
            ("test_loss_value",), "loss takes the mean where the course sums (MSELoss(reduction='sum'))",
            max_other_failures=0),
    Variant("grad_wrt_x",
            (("    return jax.value_and_grad(loss)(params, x, y)\n",
              "    return jax.value_and_grad(loss, argnums=1)(params, x, y)\n"),),
            ("test_loss_and_grad",), "value_and_grad with respect to x, not params", max_other_failures=0),
    Variant("loss_keeps_state",
            (("def loss(params, x, y):\n", "_calls = []\n\n\ndef loss(params, x, y):\n"),
             ("    return jnp.sum((prediction - y) ** 2)\n",
              "    _calls.append(1)\n    return jnp.sum((prediction - y) ** 2) * (1 + 1e-3 * (len(_calls) - 1))\n")),
            ("test_loss_is_pure",), "loss keeps a global call count: right on its first call only",
            max_other_failures=1),
    Variant("forgot_apply_updates",
            (("        return optax.apply_updates(params, updates), opt_state, value\n",
              "        return params, opt_state, value\n"),),
            ("test_step",), "step never applies the updates (optax.apply_updates forgotten)", max_other_failures=0),
    Variant("step_wrong_sign",
            (("        return optax.apply_updates(params, updates), opt_state, value\n",
              "        return jax.tree_util.tree_map(lambda p, u: p - u, params, updates), opt_state, value\n"),),
            ("test_step",), "subtracts optax's updates (they already hold the minus sign): ascent",
            max_other_failures=0),
    Variant("fit_loss_after_step",
            (("        losses.append(value)\n", "        losses.append(loss(params, x, y))\n"),),
            ("test_fit_follows_torch",), "fit records the loss after each step, not at its start as PyTorch prints it",
            max_other_failures=0),
    Variant("fit_no_initial_params",
            (("    ws, bs, losses = [params[\"w\"]], [params[\"b\"]], []\n", "    ws, bs, losses = [], [], []\n"),),
            ("test_fit_follows_torch", "test_fit_recovers_hidden_parameters"),
            "fit leaves out the initial parameters: ws has epochs rows, not epochs + 1", max_other_failures=0),
    Variant("vmap_wrong_axis",
            (("    return jax.vmap(jax.grad(loss), in_axes=(None, 0, 0))(params, x, y)\n",
              "    return jax.vmap(jax.grad(loss), in_axes=(None, 1, 0))(params, x, y)\n"),),
            ("test_per_sample_grads",), "vmap over the features of x (axis 1), not the samples", max_other_failures=0),
    Variant("per_sample_summed",
            (("    return jax.vmap(jax.grad(loss), in_axes=(None, 0, 0))(params, x, y)\n",
              "    return jax.grad(loss)(params, x, y)\n"),),
            ("test_per_sample_grads",), "per_sample_grads returns the summed gradient, without vmap",
            max_other_failures=0),
]

DEMO_CLASS = {
    "alice": SOLUTION,
    "bob": STUB,
    "carol": BUGS[0],   # the mean
    "dave": BUGS[3],    # forgot apply_updates
    "erin": BUGS[7],    # vmap over the wrong axis
}
