'''Correct ways of writing the functional autodiff notebook, as different students would from its
text: each must get full marks on every student id (benchmarks/sweep.py checks it).

Each student below is a set of whole solution cells, one per function, picked from the styles
written out here: per-sample parameter gradients (the course's convention) or summed ones, which
the VJP tests accept; np.dot, @, einsum, tensordot or loops over samples; closures or lambdas;
return_all answered from one list or by two paths; index loops, reversed zips or a recursion; and
the course's own published solution (dataflowr/notebooks, Module2/autodiff_functional_sol.ipynb at
commit 6ab367ba6f83de0965364ef8bd04cf122287857d), pasted into the stubs as it is, its training loop
(prints included) in the body of train.'''
from . import Variant


def _vjp(name: str, args: str, body: str) -> str:
    head = {"add": "def add(x, b):\n    return x + b\n",
            "dot": "def dot(x, W):\n    return np.dot(x, W)\n",
            "squared_loss": "def squared_loss(y_pred, y):\n    return np.array([np.sum((y - y_pred) ** 2)])\n"}[name]
    return f"{head}\n\ndef {name}_make_vjp({args}):\n{body}\n\n{name}.make_vjp = {name}_make_vjp\n"


ADD = {
    "course": _vjp("add", "x, b", "    def vjp(u):\n        return u, u\n    return vjp\n"),
    "summed": _vjp("add", "x, b", "    def vjp(u):\n        return u, u.sum(axis=0)\n    return vjp\n"),
    "lambda_copies": _vjp("add", "x, b", "    return lambda u: (np.array(u, copy=True), np.copy(u))\n"),
    "ones": _vjp("add", "x, b", "    def vjp(u):\n        ones = np.ones_like(x)\n"
                                "        return u * ones, u * ones\n    return vjp\n"),
}
DOT = {
    "course": _vjp("dot", "x, W", "    def vjp(u):\n        return np.dot(u, W.T), np.einsum('na,nb->nab', x, u)\n"
                                  "    return vjp\n"),
    "matmul_broadcast": _vjp("dot", "x, W", "    def vjp(u):\n        return u @ W.T, x[:, :, None] * u[:, None, :]\n"
                                            "    return vjp\n"),
    "summed": _vjp("dot", "x, W", "    def vjp(u):\n        return u @ W.T, x.T @ u\n    return vjp\n"),
    "tensordot": _vjp("dot", "x, W", "    def vjp(u):\n        grad_x = np.einsum('nb,ab->na', u, W)\n"
                                     "        return grad_x, np.tensordot(x, u, axes=(0, 0))\n    return vjp\n"),
    "loops": _vjp("dot", "x, W", "    def vjp(u):\n        grad_x = np.zeros((len(x), W.shape[0]))\n"
                                 "        grad_W = np.zeros((len(x),) + W.shape)\n"
                                 "        for i in range(len(x)):\n"
                                 "            grad_x[i] = W @ u[i]\n"
                                 "            grad_W[i] = np.outer(x[i], u[i])\n"
                                 "        return grad_x, grad_W\n    return vjp\n"),
}
SQUARED_LOSS = {
    "course": _vjp("squared_loss", "y_pred, y", "    def vjp(u):\n        diff = y_pred - y\n"
                                                "        return 2 * diff, np.zeros_like(y)\n    return vjp\n"),
    "uses_u": _vjp("squared_loss", "y_pred, y", "    def vjp(u):\n        scale = 1.0 if u is None else np.sum(u)\n"
                                                "        return 2 * scale * (y_pred - y), np.zeros(np.shape(y))\n"
                                                "    return vjp\n"),
    "lambda": _vjp("squared_loss", "y_pred, y", "    return lambda u: (-2 * (y - y_pred), 0 * y)\n"),
    "summed_target": _vjp("squared_loss", "y_pred, y",
                          "    def vjp(u=None):\n"
                          "        return 2.0 * np.subtract(y_pred, y), np.zeros(y.shape[1:])\n    return vjp\n"),
}
EVALUATE_CHAIN = {
    "course": ("def evaluate_chain(x, funcs, params, return_all=False):\n    all_x = [x]\n"
               "    for (f, p) in zip(funcs, params):\n        x = f(all_x[-1], p)\n        all_x.append(x)\n"
               "    if return_all:\n        return all_x\n    else:\n        return x\n"),
    "index_loop": ("def evaluate_chain(x, funcs, params, return_all=False):\n    all_x = [x]\n"
                   "    for k in range(len(funcs)):\n        all_x.append(funcs[k](all_x[k], params[k]))\n"
                   "    return all_x if return_all else all_x[-1]\n"),
    "accumulate": ("from itertools import accumulate\n\n\n"
                   "def evaluate_chain(x, funcs, params, return_all=False):\n"
                   "    all_x = list(accumulate(zip(funcs, params), lambda v, fp: fp[0](v, fp[1]), initial=x))\n"
                   "    return all_x if return_all else all_x[-1]\n"),
    "two_paths": ("from functools import reduce\n\n\n"
                  "def evaluate_chain(x, funcs, params, return_all=False):\n"
                  "    if not return_all:\n"
                  "        return reduce(lambda v, fp: fp[0](v, fp[1]), zip(funcs, params), x)\n"
                  "    all_x = [x]\n    for f, p in zip(funcs, params):\n        all_x.append(f(all_x[-1], p))\n"
                  "    return all_x\n"),
}
BACKWARD = {
    "course": ("def backward_diff_chain(x, funcs, params):\n"
               "    xs = evaluate_chain(x, funcs, params, return_all=True)\n    K = len(funcs)\n    u = None\n"
               "    J = [None] * K\n"
               "    for (k, (f, p, x)) in reversed(list(enumerate(zip(funcs, params, xs)))):\n"
               "        vjp_x, vjp_param = f.make_vjp(x, p)(u)\n        u = vjp_x\n        J[k] = vjp_param\n"
               "    return xs[-1], u, J\n"),
    "index_loop_seeded": ("def backward_diff_chain(x, funcs, params):\n"
                          "    xs = evaluate_chain(x, funcs, params, return_all=True)\n    K = len(funcs)\n"
                          "    u = np.ones(1)  # d loss / d loss\n    J = [None] * K\n"
                          "    for k in range(K - 1, -1, -1):\n"
                          "        u, J[k] = funcs[k].make_vjp(xs[k], params[k])(u)\n"
                          "    return xs[-1], u, J\n"),
    "appended_then_reversed": ("def backward_diff_chain(x, funcs, params):\n"
                               "    xs = evaluate_chain(x, funcs, params, return_all=True)\n"
                               "    u, grads = None, []\n"
                               "    for f, p, inp in zip(funcs[::-1], params[::-1], xs[-2::-1]):\n"
                               "        u, g = f.make_vjp(inp, p)(u)\n        grads.append(g)\n"
                               "    return xs[-1], u, grads[::-1]\n"),
    "recursive": ("def backward_diff_chain(x, funcs, params):\n"
                  "    xs = evaluate_chain(x, funcs, params, return_all=True)\n"
                  "    def back(k, u):\n"
                  "        if k < 0:\n            return u, []\n"
                  "        grad_x, grad_p = funcs[k].make_vjp(xs[k], params[k])(u)\n"
                  "        u0, grads = back(k - 1, grad_x)\n"
                  "        return u0, grads + [grad_p]\n"
                  "    vjp_x, J = back(len(funcs) - 1, None)\n"
                  "    return xs[-1], vjp_x, J\n"),
}
OPTIM = {
    "course": ("def optim_SGD(grads, learning_rate=1e-2):\n"
               "    return [-learning_rate * g.sum(0) for i, g in enumerate(grads)]\n"),
    "np_sum": ("def optim_SGD(grads, learning_rate=1e-2):\n"
               "    return [-learning_rate * np.sum(g, axis=0) for g in grads]\n"),
    "loop": ("def optim_SGD(grads, learning_rate=1e-2):\n    updates = []\n    for g in grads:\n"
             "        updates.append(-learning_rate * np.asarray(g).sum(axis=0))\n    return updates\n"),
    "map": ("def optim_SGD(grads, learning_rate=1e-2):\n"
            "    return list(map(lambda g: -learning_rate * g.sum(axis=0), grads))\n"),
}
TRAIN = {
    "course": ("def train(x, funcs, params, epochs=10, learning_rate=1e-2):\n    losses = []\n"
               "    for epoch in range(epochs):\n"
               "        loss, grad_x, grads = backward_diff_chain(x, funcs, params)\n"
               "        losses.append(float(loss[0]))\n"
               "        updates = optim_SGD(grads, learning_rate)\n"
               "        params = update_params(updates, params)\n    return params, losses\n"),
    "while_arrays": ("def train(x, funcs, params, epochs=10, learning_rate=1e-2):\n    losses, epoch = [], 0\n"
                     "    params = list(params)\n"
                     "    while epoch < epochs:\n"
                     "        value, _, grads = backward_diff_chain(x, funcs, params)\n"
                     "        losses.append(value)  # an array of shape (1,)\n"
                     "        params = update_params(optim_SGD(grads, learning_rate=learning_rate), params)\n"
                     "        epoch += 1\n    return params, losses\n"),
    "item_tuple": ("def train(x, funcs, params, epochs=10, learning_rate=1e-2):\n    losses = []\n"
                   "    for _ in range(epochs):\n"
                   "        loss, _, grads = backward_diff_chain(x, funcs, params)\n"
                   "        losses.append(loss.item())\n"
                   "        params = [p + step for p, step in zip(params, optim_SGD(grads, learning_rate))]\n"
                   "    return (params, np.array(losses))\n"),
}

# The course's published solution, as its cells read (spacing and all); its training loop, prints
# included, pasted into the body of train.
COURSE_PUBLISHED = (
    ("add", "def add(x, b):\n    return x + b\n\ndef add_make_vjp(x, b):\n    def vjp(u):\n        return u, u\n"
            "    return vjp\n\nadd.make_vjp = add_make_vjp\n"),
    ("dot", "def dot(x, W):\n    return np.dot(x, W)\n\ndef dot_make_vjp(x, W):\n    def vjp(u):\n"
            "        return np.dot(u, W.T), np.einsum('na,nb-> nab',x , u)\n    return vjp\n\n"
            "dot.make_vjp = dot_make_vjp\n"),
    ("squared_loss", "def squared_loss(y_pred, y):\n    return np.array([np.sum((y - y_pred) ** 2)])\n\n"
                     "def squared_loss_make_vjp(y_pred, y):\n    def vjp(u):\n        diff = y_pred - y\n"
                     "        return 2*diff, np.zeros_like(y)\n    return vjp\n\n"
                     "squared_loss.make_vjp = squared_loss_make_vjp\n"),
    ("evaluate_chain", "def evaluate_chain(x, funcs, params, return_all=False):\n    all_x = [x]\n"
                       "    for (f,p) in zip(funcs,params):\n        x = f(all_x[-1],p)\n        all_x.append(x)\n"
                       "    \n    if return_all:\n        return all_x\n    else:\n        return x\n"),
    ("backward_diff_chain", 'def backward_diff_chain(x, funcs, params):\n    """\n'
                            "    Reverse-mode differentiation of a chain of computations.\n    \"\"\"\n"
                            "    xs = evaluate_chain(x, funcs, params, return_all=True)\n"
                            "    K = len(funcs)  # Number of functions.\n"
                            "    u = None # the gradient of the loss does not require an input    \n"
                            "    J = [None] * K\n\n"
                            "    for (k,(f,p,x)) in reversed(list(enumerate(zip(funcs,params,xs)))):\n"
                            "        vjp_x, vjp_param = f.make_vjp(x,p)(u)\n        u = vjp_x\n"
                            "        J[k] = vjp_param\n\n    return xs[-1], u, J\n"),
    ("optim_SGD", "def optim_SGD(grads, learning_rate = 1e-2):\n"
                  "    return [-learning_rate*g.sum(0) for i,g in enumerate(grads)]\n"),
    ("train", "def train(x, funcs, params, epochs=10, learning_rate=1e-2):\n    losses = []\n"
              "    for epoch in range(epochs):\n"
              "        loss, grad_x, grads = backward_diff_chain(x, funcs, params)\n"
              "        print(\"progress:\", \"epoch:\", epoch, \"loss\",loss)\n"
              "        losses.append(loss)\n"
              "        updates = optim_SGD(grads, learning_rate)\n"
              "        params = update_params(updates, params)\n    return params, losses\n"),
)


def _student(add, dot, loss, chain, backward, optim, train):
    return (("add", ADD[add]), ("dot", DOT[dot]), ("squared_loss", SQUARED_LOSS[loss]),
            ("evaluate_chain", EVALUATE_CHAIN[chain]), ("backward_diff_chain", BACKWARD[backward]),
            ("optim_SGD", OPTIM[optim]), ("train", TRAIN[train]))


CORRECT = [
    Variant("course_published", cells=COURSE_PUBLISHED,
            description="the course's published solution (dataflowr/notebooks Module2/autodiff_functional_sol.ipynb)"),
    Variant("summed_param_grads",
            cells=_student("summed", "summed", "course", "index_loop", "course", "np_sum", "course"),
            description="VJPs that return parameter gradients summed over the batch (x.T @ u, u.sum(0))"),
    Variant("matmul_broadcast",
            cells=_student("course", "matmul_broadcast", "uses_u", "accumulate", "index_loop_seeded", "loop",
                           "while_arrays"),
            description="@ and broadcasting for the per-sample outer products; a chain seeded with u = ones(1) "
                        "and a loss VJP that scales by u; losses kept as arrays of shape (1,)"),
    Variant("loops_over_samples",
            cells=_student("ones", "loops", "course", "two_paths", "appended_then_reversed", "map", "item_tuple"),
            description="per-sample loops with np.outer; gradients appended then reversed; reduce for the value"),
    Variant("lambdas",
            cells=_student("lambda_copies", "tensordot", "lambda", "course", "recursive", "course", "course"),
            description="VJPs as lambdas, a summed tensordot for W, a recursive backward pass"),
    Variant("einsum_summed_target",
            cells=_student("course", "tensordot", "summed_target", "index_loop", "appended_then_reversed", "np_sum",
                           "while_arrays"),
            description="einsum for grad_x, a summed target gradient of y's row shape"),
    Variant("course_vjps_own_loops",
            cells=_student("course", "course", "course", "two_paths", "index_loop_seeded", "map", "item_tuple"),
            description="the course's VJPs with an index loop seeded by ones(1) and a tuple return"),
    Variant("mixed_conventions",
            cells=_student("summed", "course", "uses_u", "accumulate", "recursive", "loop", "course"),
            description="add summed, dot per sample: each VJP graded in its own convention"),
    Variant("loops_and_lambdas",
            cells=_student("lambda_copies", "loops", "lambda", "index_loop", "course", "np_sum", "while_arrays"),
            description="loops for dot, lambdas for add and the loss"),
]
