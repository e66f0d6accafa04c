'''Correct ways of writing the JAX bonus, as different students would from its text: each must get full marks
on every student id (test_sweep.py checks it). Each student is a set of whole solution cells, one per cell,
picked from the styles below: @ or jnp.dot or einsum, sum of squares or a dot product of the residual;
value_and_grad or grad plus a second call; jit as a decorator or a call, or no jit; a Python loop, lax.scan
or lax.fori_loop; vmap over the loss or over a per-sample loss of its own.'''
from . import Variant

LOSS_FN = {
    "matmul": ("def loss(params, x, y):\n    prediction = x @ params['w'] + params['b']\n"
               "    return jnp.sum((prediction - y) ** 2)\n\n\n"
               "def loss_and_grad(params, x, y):\n    return jax.value_and_grad(loss)(params, x, y)\n"),
    "dot_grad": ("def loss(params, x, y):\n    residual = jnp.dot(x, params['w']) + params['b'] - y\n"
                 "    return jnp.dot(residual, residual)\n\n\n"
                 "def loss_and_grad(params, x, y):\n    return loss(params, x, y), jax.grad(loss)(params, x, y)\n"),
    "einsum_square": ("def linear(params, x):\n    return jnp.einsum('nd,d->n', x, params['w']) + params['b']\n\n\n"
                      "def loss(params, x, y):\n    return jnp.square(linear(params, x) - y).sum()\n\n\n"
                      "def loss_and_grad(params, x, y):\n    value, grads = jax.value_and_grad(loss, argnums=0)(params, x, y)\n"
                      "    return value, grads\n"),
    "mean_times_n": ("def loss(params, x, y):\n    errors = (x @ params['w'] + params['b'] - y) ** 2\n"
                     "    return errors.mean() * errors.size\n\n\n"
                     "loss_and_grad = jax.value_and_grad(loss)\n"),
}

MAKE_STEP = {
    "decorator": ("def make_step(learning_rate):\n    optimizer = optax.sgd(learning_rate)\n\n    @jax.jit\n"
                  "    def step(params, opt_state, x, y):\n        value, grads = loss_and_grad(params, x, y)\n"
                  "        updates, opt_state = optimizer.update(grads, opt_state, params)\n"
                  "        return optax.apply_updates(params, updates), opt_state, value\n\n"
                  "    return optimizer, step\n"),
    "jit_call": ("def make_step(learning_rate):\n    optimizer = optax.sgd(learning_rate=learning_rate)\n\n"
                 "    def step(params, opt_state, x, y):\n        value, grads = jax.value_and_grad(loss)(params, x, y)\n"
                 "        updates, new_state = optimizer.update(grads, opt_state)\n"
                 "        new_params = optax.apply_updates(params, updates)\n        return new_params, new_state, value\n\n"
                 "    return optimizer, jax.jit(step)\n"),
    "no_jit_tree_map": ("def make_step(learning_rate):\n    optimizer = optax.sgd(learning_rate)\n\n"
                        "    def step(params, opt_state, x, y):\n        value, grads = loss_and_grad(params, x, y)\n"
                        "        updates, opt_state = optimizer.update(grads, opt_state, params)\n"
                        "        params = jax.tree_util.tree_map(lambda p, u: p + u, params, updates)\n"
                        "        return params, opt_state, value\n\n    return optimizer, step\n"),
}

FIT = {
    "python_loop": ("def fit(x, y, w_init, b_init, learning_rate, epochs):\n"
                    "    optimizer, step = make_step(learning_rate)\n    params = init_params(w_init, b_init)\n"
                    "    opt_state = optimizer.init(params)\n    ws, bs, losses = [params['w']], [params['b']], []\n"
                    "    for _ in range(epochs):\n        params, opt_state, value = step(params, opt_state, x, y)\n"
                    "        ws.append(params['w'])\n        bs.append(params['b'])\n        losses.append(value)\n"
                    "    return jnp.stack(ws), jnp.stack(bs), jnp.stack(losses)\n"),
    "scan": ("def fit(x, y, w_init, b_init, learning_rate, epochs):\n"
             "    optimizer, step = make_step(learning_rate)\n    params = init_params(w_init, b_init)\n\n"
             "    def body(carry, _):\n        params, opt_state, value = step(*carry, x, y)\n"
             "        return (params, opt_state), (params['w'], params['b'], value)\n\n"
             "    _, (ws, bs, losses) = jax.lax.scan(body, (params, optimizer.init(params)), None, length=epochs)\n"
             "    return (jnp.concatenate([params['w'][None], ws]), jnp.concatenate([params['b'][None], bs]), losses)\n"),
    "fori_loop": ("def fit(x, y, w_init, b_init, learning_rate, epochs):\n"
                  "    optimizer, step = make_step(learning_rate)\n    params = init_params(w_init, b_init)\n"
                  "    ws = jnp.zeros((epochs + 1, len(w_init))).at[0].set(params['w'])\n"
                  "    bs = jnp.zeros(epochs + 1).at[0].set(params['b'])\n    losses = jnp.zeros(epochs)\n\n"
                  "    def body(t, carry):\n        params, opt_state, ws, bs, losses = carry\n"
                  "        params, opt_state, value = step(params, opt_state, x, y)\n"
                  "        return (params, opt_state, ws.at[t + 1].set(params['w']), bs.at[t + 1].set(params['b']),\n"
                  "                losses.at[t].set(value))\n\n"
                  "    carry = (params, optimizer.init(params), ws, bs, losses)\n"
                  "    _, _, ws, bs, losses = jax.lax.fori_loop(0, epochs, body, carry)\n    return ws, bs, losses\n"),
    "numpy_lists": ("def fit(x, y, w_init, b_init, learning_rate, epochs):\n"
                    "    optimizer, step = make_step(learning_rate)\n    params = init_params(np.copy(w_init), b_init)\n"
                    "    state = optimizer.init(params)\n    ws, bs, losses = [np.asarray(params['w'])], [float(params['b'])], []\n"
                    "    for epoch in range(epochs):\n        params, state, value = step(params, state, x, y)\n"
                    "        losses.append(float(value))\n        ws.append(np.asarray(params['w']))\n"
                    "        bs.append(float(params['b']))\n    return np.array(ws), np.array(bs), np.array(losses)\n"),
}

PER_SAMPLE = {
    "vmap_grad_loss": ("def per_sample_grads(params, x, y):\n"
                       "    return jax.vmap(jax.grad(loss), in_axes=(None, 0, 0))(params, x, y)\n"),
    "own_sample_loss": ("def per_sample_grads(params, x, y):\n    def sample_loss(params, x_t, y_t):\n"
                        "        return (jnp.dot(x_t, params['w']) + params['b'] - y_t) ** 2\n\n"
                        "    return jax.vmap(jax.grad(sample_loss), in_axes=(None, 0, 0))(params, x, y)\n"),
    "keep_dims": ("def per_sample_grads(params, x, y):\n"
                  "    grad_one = jax.grad(lambda p, x_t, y_t: loss(p, x_t[None, :], y_t[None]))\n"
                  "    return jax.vmap(grad_one, (None, 0, 0))(params, x, y)\n"),
}

CELLS = {"loss_fn": LOSS_FN, "make_step": MAKE_STEP, "fit": FIT, "per_sample": PER_SAMPLE}


def student(name: str, description: str, **styles: str) -> Variant:
    """A student who wrote every solution cell, each in the named style."""
    missing = set(CELLS) - set(styles)
    if missing:
        raise ValueError(f"{name}: no style for {sorted(missing)}")
    return Variant(name, cells=tuple((cell, CELLS[cell][style]) for cell, style in styles.items()),
                   description=description)


CORRECT = [
    student("course_style", "style: the course's value_and_grad, a jitted optax step, a Python loop",
            loss_fn="matmul", make_step="decorator", fit="python_loop", per_sample="vmap_grad_loss"),
    student("dot_and_scan", "style: jnp.dot, grad and value apart, jax.jit(step), lax.scan",
            loss_fn="dot_grad", make_step="jit_call", fit="scan", per_sample="own_sample_loss"),
    student("einsum_fori", "style: einsum and a linear helper, no jit, tree_map updates, lax.fori_loop",
            loss_fn="einsum_square", make_step="no_jit_tree_map", fit="fori_loop", per_sample="keep_dims"),
    student("mean_times_n_numpy", "style: the mean times n, a module-level value_and_grad, numpy histories",
            loss_fn="mean_times_n", make_step="decorator", fit="numpy_lists", per_sample="own_sample_loss"),
    student("dot_python_loop", "style: jnp.dot, jit as a call, a Python loop, vmap of a per-sample loss",
            loss_fn="dot_grad", make_step="jit_call", fit="python_loop", per_sample="vmap_grad_loss"),
    student("einsum_scan", "style: einsum, jit decorator, lax.scan, vmap with keep-dims samples",
            loss_fn="einsum_square", make_step="decorator", fit="scan", per_sample="keep_dims"),
    student("matmul_fori_no_jit", "style: @, no jit, lax.fori_loop, own per-sample loss",
            loss_fn="matmul", make_step="no_jit_tree_map", fit="fori_loop", per_sample="own_sample_loss"),
    student("mean_scan", "style: the mean times n, jax.jit(step), lax.scan", loss_fn="mean_times_n",
            make_step="jit_call", fit="scan", per_sample="vmap_grad_loss"),
    student("dot_numpy_lists", "style: jnp.dot, no jit, numpy lists of floats", loss_fn="dot_grad",
            make_step="no_jit_tree_map", fit="numpy_lists", per_sample="keep_dims"),
]
