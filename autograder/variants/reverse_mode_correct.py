"""Correct reverse-mode engines written from the notebook's text in the styles a class produces.

Each solution is a whole set of solution cells (the notebook's given code kept: every op's
compute, the given parameters). Styles vary per cell: operators vs the op classes, recursive vs
iterative DFS vs Kahn's algorithm, partial adjoints in a dict of lists, a defaultdict or summed as
they come, sum_to_shape as one sum, a loop of sums or inline in BroadcastTo, Summation's gradient
by reshape + broadcast or by inserting axes one at a time, and fits with different graph
formulations and optimisers. Some cells are real students' code from published NEEDLE
(CMU 10-714 hw1) solutions, adapted mechanically to the notebook's names (the repository is named
in the description). Every one must get full marks on every student id.
"""
from . import Variant

# ---------------------------------------------------------------- element-wise ops
_ELEMENTWISE = '''class EWiseAdd(EWiseOp):
    def compute(self, a, b):
        return a + b

    def gradient(self, out_grad, node):
        {add}


class AddScalar(Op):
    def __init__(self, scalar):
        self.scalar = scalar

    def compute(self, a):
        return a + self.scalar

    def gradient(self, out_grad, node):
        {add_scalar}


class EWiseMul(EWiseOp):
    def compute(self, a, b):
        return a * b

    def gradient(self, out_grad, node):
        {mul}


class MulScalar(Op):
    def __init__(self, scalar):
        self.scalar = scalar

    def compute(self, a):
        return a * self.scalar

    def gradient(self, out_grad, node):
        {mul_scalar}


class EWiseDiv(EWiseOp):
    def compute(self, a, b):
        return a / b

    def gradient(self, out_grad, node):
        {div}


class DivScalar(Op):
    def __init__(self, scalar):
        self.scalar = scalar

    def compute(self, a):
        return a / self.scalar

    def gradient(self, out_grad, node):
        {div_scalar}


class PowerScalar(Op):
    """a ** scalar, for any number scalar (integer, fractional, negative)."""
    def __init__(self, scalar):
        self.scalar = scalar

    def compute(self, a):
        return np.power(a, self.scalar)

    def gradient(self, out_grad, node):
        {power}


class Negate(Op):
    def compute(self, a):
        return -a

    def gradient(self, out_grad, node):
        {negate}
'''

ELEMENTWISE_OPERATORS = _ELEMENTWISE.format(
    add="return out_grad, out_grad",
    add_scalar="return (out_grad,)",
    mul="lhs, rhs = node.inputs\n        return out_grad * rhs, out_grad * lhs",
    mul_scalar="return self.scalar * out_grad",
    div="a, b = node.inputs\n        return out_grad / b, -out_grad * node / b",
    div_scalar="return out_grad * (1 / self.scalar)",
    power="x = node.inputs[0]\n        return self.scalar * x ** (self.scalar - 1) * out_grad",
    negate="return out_grad * -1")

ELEMENTWISE_CLASSES = _ELEMENTWISE.format(
    add="return (out_grad, out_grad)",
    add_scalar="return out_grad",
    mul="return EWiseMul()(out_grad, node.inputs[1]), EWiseMul()(out_grad, node.inputs[0])",
    mul_scalar="return MulScalar(self.scalar)(out_grad)",
    div=("a, b = node.inputs\n        inv_b = PowerScalar(-1)(b)\n"
         "        return EWiseMul()(out_grad, inv_b), Negate()(EWiseMul()(EWiseMul()(out_grad, a), "
         "PowerScalar(-2)(b)))"),
    div_scalar="return DivScalar(self.scalar)(out_grad)",
    power=("local = MulScalar(self.scalar)(PowerScalar(self.scalar - 1)(node.inputs[0]))\n"
           "        return EWiseMul()(out_grad, local)"),
    negate="return Negate()(out_grad)")

# Evan6998/dlsys-hw1, python/needle/ops/ops_mathematic.py (add, multiply, ... written as the notebook's operators)
ELEMENTWISE_EVAN6998 = _ELEMENTWISE.format(
    add="return out_grad, out_grad",
    add_scalar="return out_grad",
    mul="lhs, rhs = node.inputs\n        return out_grad * rhs, out_grad * lhs",
    mul_scalar="return (out_grad * self.scalar,)",
    div=("return (out_grad * (Tensor([1]).broadcast_to(node.inputs[1].shape) / node.inputs[1]),\n"
         "                out_grad * -node.inputs[0] / node.inputs[1] ** 2)"),
    div_scalar="return out_grad / self.scalar",
    power="return out_grad * self.scalar * node.inputs[0] ** (self.scalar - 1)",
    negate="return -out_grad")

# ---------------------------------------------------------------- exp, log, cos, sin
_MATH = '''class Exp(Op):
    def compute(self, a):
        return np.exp(a)

    def gradient(self, out_grad, node):
        {exp}


class Log(Op):
    def compute(self, a):
        return np.log(a)

    def gradient(self, out_grad, node):
        {log}


class Cos(Op):
    def compute(self, a):
        return np.cos(a)

    def gradient(self, out_grad, node):
        {cos}


class Sin(Op):
    def compute(self, a):
        return np.sin(a)

    def gradient(self, out_grad, node):
        {sin}
'''
MATH_NODE = _MATH.format(exp="return out_grad * node", log="return out_grad / node.inputs[0]",
                         cos="return out_grad * -(node.inputs[0].sin())",
                         sin="return out_grad * node.inputs[0].cos()")
MATH_RECOMPUTED = _MATH.format(exp="(a,) = node.inputs\n        return out_grad * a.exp()",
                               log="(a,) = node.inputs\n        return out_grad * a ** -1",
                               cos="(a,) = node.inputs\n        return Negate()(EWiseMul()(out_grad, Sin()(a)))",
                               sin="(a,) = node.inputs\n        return EWiseMul()(Cos()(a), out_grad)")

# ---------------------------------------------------------------- shape ops
_SHAPE = '''def sum_to_shape(t, shape):
    """Sum the Tensor t down to `shape`: over the leading axes that broadcasting added to `shape`,
    and over the axes where `shape` has a 1 but t has not. The adjoint of a broadcast."""
{sum_to_shape}


class Summation(Op):
    def __init__(self, axes=None):
        self.axes = tuple(axes) if isinstance(axes, list) else axes

    def compute(self, a):
        return np.sum(a, axis=self.axes)

    def gradient(self, out_grad, node):
{summation}


class BroadcastTo(Op):
    def __init__(self, shape):
        self.shape = _as_shape(shape)

    def compute(self, a):
        return np.broadcast_to(a, self.shape)

    def gradient(self, out_grad, node):
{broadcast}


class Reshape(Op):
    def __init__(self, shape):
        self.shape = _as_shape(shape)

    def compute(self, a):
        return np.reshape(a, self.shape)

    def gradient(self, out_grad, node):
{reshape}


class Transpose(Op):
    """Swap two axes: the last two with axes=None, axes i and j with axes=(i, j)."""
    def __init__(self, axes=None):
        if axes is not None and len(axes) != 2:
            raise ValueError(f"Transpose swaps two axes: give a pair such as (0, 1), or None for the last two; got {{axes}}")
        self.axes = None if axes is None else tuple(axes)

    def compute(self, a):
        if self.axes is None:
            return np.swapaxes(a, -1, -2)
        return np.swapaxes(a, *self.axes)

    def gradient(self, out_grad, node):
{transpose}
'''

SUM_TO_SHAPE_ONE_SUM = '''    shape = _as_shape(shape)
    extra = t.ndim - len(shape)
    padded = (1,) * extra + shape
    axes = tuple(i for i in range(t.ndim) if padded[i] == 1 and t.shape[i] != 1)
    if axes:
        t = t.sum(axes)
    return t.reshape(shape)'''
SUM_TO_SHAPE_LOOP = '''    shape = _as_shape(shape)
    while t.ndim > len(shape):  # the leading axes broadcasting added
        t = t.sum(0)
    for axis, size in enumerate(shape):  # the axes of size 1 it expanded, kept as size 1
        if size == 1 and t.shape[axis] != 1:
            kept = list(t.shape)
            kept[axis] = 1
            t = t.sum(axis).reshape(tuple(kept))
    return t'''
SUM_TO_SHAPE_NEGATIVE = '''    target = _as_shape(shape)
    if t.shape == target:
        return t
    summed = []
    for k in range(1, t.ndim + 1):  # from the last axis backwards, as numpy aligns shapes
        if k > len(target) or (target[-k] == 1 and t.shape[-k] != 1):
            summed.append(t.ndim - k)
    return Summation(tuple(sorted(summed)))(t).reshape(target)'''

SUMMATION_RESHAPE = '''        shape = node.inputs[0].shape
        if self.axes is None:
            axes = range(len(shape))
        elif isinstance(self.axes, (tuple, list)):
            axes = self.axes
        else:
            axes = [self.axes]
        axes = {a % len(shape) for a in axes}
        kept = tuple(1 if i in axes else n for i, n in enumerate(shape))
        return out_grad.reshape(kept).broadcast_to(shape)'''
SUMMATION_INSERT = '''        shape = node.inputs[0].shape
        ndim = len(shape)
        if self.axes is None:
            axes = list(range(ndim))
        else:
            axes = list(self.axes) if isinstance(self.axes, tuple) else [self.axes]
        axes = sorted(a + ndim if a < 0 else a for a in axes)
        expanded = list(out_grad.shape)
        for a in axes:  # in increasing order, each insert lands where the axis was
            expanded.insert(a, 1)
        return BroadcastTo(shape)(Reshape(tuple(expanded))(out_grad))'''
SUMMATION_NUMPY_KEEPDIMS = '''        a = node.inputs[0]
        kept = np.sum(np.zeros(a.shape), axis=self.axes, keepdims=True).shape  # numpy's rules for the axes
        return out_grad.reshape(kept).broadcast_to(a.shape)'''

BROADCAST_HELPER = "        return sum_to_shape(out_grad, node.inputs[0].shape)"
# Evan6998/dlsys-hw1, python/needle/ops/ops_mathematic.py: BroadcastTo.gradient written out, not a helper
BROADCAST_EVAN6998 = '''        in_shape = node.inputs[0].shape
        out_shape = out_grad.shape

        pad = len(out_shape) - len(in_shape)
        in_ext = (1,) * pad + in_shape

        reduce_axes = [i for i, (d_in, d_out) in enumerate(zip(in_ext, out_shape))
                    if d_in == 1 and d_out != 1]

        g = out_grad.sum(tuple(reduce_axes)) if reduce_axes else out_grad
        return g.reshape(in_shape)'''
RESHAPE_A = "        return out_grad.reshape(node.inputs[0].shape)"
RESHAPE_B = "        (a,) = node.inputs\n        return Reshape(a.shape)(out_grad)"
TRANSPOSE_A = "        return out_grad.transpose(self.axes)"
TRANSPOSE_B = "        return Transpose(self.axes)(out_grad) if self.axes else Transpose()(out_grad)"


def shape_cell(sum_to_shape, summation, broadcast, reshape=RESHAPE_A, transpose=TRANSPOSE_A):
    return _SHAPE.format(sum_to_shape=sum_to_shape, summation=summation, broadcast=broadcast, reshape=reshape,
                         transpose=transpose)


# ---------------------------------------------------------------- MatMul
_MATMUL = '''class MatMul(Op):
    def check_inputs(self, a, b):
        if a.ndim < 2 or b.ndim < 2:
            raise ValueError(f"MatMul takes 2-D arrays or stacks of them, got shapes {{a.shape}} and {{b.shape}}: "
                             "reshape a vector to (n, 1) or (1, n)")

    def compute(self, a, b):
        return np.matmul(a, b)

    def gradient(self, out_grad, node):
{body}
'''
MATMUL_HELPER = _MATMUL.format(body='''        a, b = node.inputs
        return sum_to_shape(out_grad @ b.transpose(), a.shape), sum_to_shape(a.transpose() @ out_grad, b.shape)''')
MATMUL_PADDED = _MATMUL.format(body='''        a, b = node.inputs
        grads = []
        for grad, x in ((out_grad @ Transpose()(b), a), (Transpose()(a) @ out_grad, b)):
            padded = (1,) * (grad.ndim - x.ndim) + x.shape  # x's shape, aligned with the batch of grad
            axes = tuple(i for i in range(grad.ndim - 2) if padded[i] != grad.shape[i])
            if axes:
                grad = grad.sum(axes)
            grads.append(grad.reshape(x.shape))
        return tuple(grads)''')
MATMUL_SWAP = _MATMUL.format(body='''        lhs, rhs = node.inputs
        grad_lhs = MatMul()(out_grad, Transpose((-1, -2))(rhs))
        grad_rhs = MatMul()(Transpose((-2, -1))(lhs), out_grad)
        if grad_lhs.shape != lhs.shape:
            grad_lhs = sum_to_shape(grad_lhs, lhs.shape)
        if grad_rhs.shape != rhs.shape:
            grad_rhs = sum_to_shape(grad_rhs, rhs.shape)
        return grad_lhs, grad_rhs''')

# ---------------------------------------------------------------- find_topo_sort
_TOPO = '''def find_topo_sort(node_list):
    """Every node reachable from node_list, each once, each after all of its inputs."""
{find}


def topo_sort_dfs(node, visited, topo_order):
    """Post-order depth-first search: the inputs of node first, then node."""
{dfs}
'''
DFS_RECURSIVE = '''    if node not in visited:
        visited.add(node)
        for parent in node.inputs:
            topo_sort_dfs(parent, visited, topo_order)
        topo_order.append(node)'''
TOPO_RECURSIVE = _TOPO.format(find='''    order, seen = [], set()
    for root in node_list:
        topo_sort_dfs(root, seen, order)
    return order''', dfs=DFS_RECURSIVE)
TOPO_ITERATIVE = _TOPO.format(find='''    visited, topo_order = set(), []
    for root in node_list:
        topo_sort_dfs(root, visited, topo_order)
    return topo_order''', dfs='''    stack = [(node, False)]
    while stack:
        current, inputs_done = stack.pop()
        if inputs_done:
            topo_order.append(current)
            continue
        if current in visited:
            continue
        visited.add(current)
        stack.append((current, True))
        for parent in reversed(current.inputs):
            if parent not in visited:
                stack.append((parent, False))''')
TOPO_KAHN = _TOPO.format(find='''    # Kahn's algorithm: the reachable nodes, then each node once its inputs are placed
    reachable, stack = [], list(node_list)
    seen = set()
    while stack:
        t = stack.pop()
        if t not in seen:
            seen.add(t)
            reachable.append(t)
            stack.extend(t.inputs)
    waiting = {t: len(set(t.inputs)) for t in reachable}
    users = {t: [] for t in reachable}
    for t in reachable:
        for parent in set(t.inputs):
            users[parent].append(t)
    ready = [t for t in reachable if waiting[t] == 0]
    order = []
    while ready:
        t = ready.pop()
        order.append(t)
        for user in users[t]:
            waiting[user] -= 1
            if waiting[user] == 0:
                ready.append(user)
    return order''', dfs=DFS_RECURSIVE)
# Evan6998/dlsys-hw1, python/needle/autograd.py
TOPO_EVAN6998 = _TOPO.format(find='''    topo_order = []
    visited = set()
    
    for n in node_list:
        topo_sort_dfs(n, visited, topo_order)
    
    return topo_order''', dfs='''    if not node or node in visited:
        return
    for n in node.inputs:
        topo_sort_dfs(n, visited, topo_order)
    visited.add(node)
    topo_order.append(node)''')
# SplashCloud/dlsys-10714-hw1, python/needle/autograd.py (is_leaf() is `node.op is None` here)
TOPO_SPLASHCLOUD = _TOPO.format(find='''    visited = set()
    topo_order = []
    for node in node_list:
      topo_sort_dfs(node, visited, topo_order)
    return topo_order''', dfs='''    if id(node) in visited:
      return
    if node.op is None:
      visited.add(id(node))
      topo_order.append(node)
      return
    lhs = node.inputs[0]
    topo_sort_dfs(lhs, visited, topo_order)
    if len(node.inputs) > 1:
      rhs = node.inputs[1]
      topo_sort_dfs(rhs, visited, topo_order)
    visited.add(id(node))
    topo_order.append(node)''')

# ---------------------------------------------------------------- compute_gradients
_COMPUTE = '''def compute_gradients(output_tensor, out_grad):
    """Set .grad of every node of the graph of output_tensor to its adjoint, the gradient of
    sum(out_grad * output_tensor) with respect to that node (a Tensor)."""
{body}
'''
COMPUTE_REDUCE = _COMPUTE.format(body='''    from functools import reduce
    from operator import add
    grads = {output_tensor: [out_grad]}
    for node in find_topo_sort([output_tensor])[::-1]:
        node.grad = reduce(add, grads[node])
        if node.op is not None:
            for parent, g in zip(node.inputs, node.op.gradient_as_tuple(node.grad, node)):
                grads.setdefault(parent, []).append(g)''')
COMPUTE_RUNNING = _COMPUTE.format(body='''    adjoint = {output_tensor: out_grad}  # summed as they arrive
    for node in reversed(find_topo_sort([output_tensor])):
        node.grad = adjoint.pop(node)
        if node.op is None:
            continue
        for parent, partial in zip(node.inputs, node.op.gradient_as_tuple(node.grad, node)):
            adjoint[parent] = adjoint[parent] + partial if parent in adjoint else partial''')
COMPUTE_DEFAULTDICT = _COMPUTE.format(body='''    from collections import defaultdict
    partials = defaultdict(list)
    partials[output_tensor].append(out_grad)
    order = find_topo_sort([output_tensor])
    for node in reversed(order):
        total = partials[node][0]
        for extra in partials[node][1:]:
            total = EWiseAdd()(total, extra)
        node.grad = total
        if node.op is None:
            continue
        for i, partial in enumerate(node.op.gradient_as_tuple(total, node)):
            partials[node.inputs[i]].append(partial)''')
# Evan6998/dlsys-hw1, python/needle/autograd.py (sum_node_list inlined: functools.reduce of add)
COMPUTE_EVAN6998 = _COMPUTE.format(body='''    from operator import add
    from functools import reduce
    node_to_output_grads_list = {}
    node_to_output_grads_list[output_tensor] = [out_grad]

    reverse_topo_order = list(reversed(find_topo_sort([output_tensor])))

    for node in reverse_topo_order:
        grads = node_to_output_grads_list[node]
        node.grad = reduce(add, grads)
        if node.op is None:
            continue
        
        input_gradients = node.op.gradient_as_tuple(node.grad, node)

        for input_node, in_partial in zip(node.inputs, input_gradients):
            if input_node not in node_to_output_grads_list:
                node_to_output_grads_list[input_node] = [in_partial]
            else:
                node_to_output_grads_list[input_node].append(in_partial)''')
# SplashCloud/dlsys-10714-hw1, python/needle/autograd.py (Python's sum: 0 + Tensor is AddScalar(0))
COMPUTE_SPLASHCLOUD = _COMPUTE.format(body='''    node_to_output_grads_list = {}
    node_to_output_grads_list[output_tensor] = [out_grad]

    reverse_topo_order = list(reversed(find_topo_sort([output_tensor])))

    for node in reverse_topo_order:
      node.grad = sum(node_to_output_grads_list[node])
      if node.op is None: # leaf node
        continue
      gradients = node.op.gradient_as_tuple(node.grad, node)
      n_inputs = len(node.inputs)
      for i in range(n_inputs):
        if node.inputs[i] not in node_to_output_grads_list.keys():
          node_to_output_grads_list[node.inputs[i]] = []
        node_to_output_grads_list[node.inputs[i]].append(gradients[i])''')

# ---------------------------------------------------------------- fit_challenge
_GRID = '''    log_y = np.log(yy)
    best = None
    for p in np.arange(0.02, 5.0, 0.002):  # for a fixed p, log y = w cos(p x) + b is linear in (w, b)
        design = np.stack([np.cos(p * xx), np.ones_like(xx)], axis=1)
        coef, residual, _, _ = np.linalg.lstsq(design, log_y, rcond=None)
        score = residual[0] if len(residual) else np.inf
        if best is None or score < best[0]:
            best = (score, p, coef[0], coef[1])
    _, p0, w0, b0 = best
'''
_GRID_FAST = '''    log_y = np.log(yy)
    grid = np.arange(0.02, 5.0, 0.002)
    c = np.cos(grid[:, None] * xx[None, :])
    c = c - c.mean(axis=1, keepdims=True)
    centred = log_y - log_y.mean()
    slope = (c @ centred) / np.maximum((c * c).sum(axis=1), 1e-12)
    k = int(np.argmin(((centred[None, :] - slope[:, None] * c) ** 2).sum(axis=1)))
    p0, w0 = grid[k], slope[k]
    b0 = log_y.mean() - w0 * np.cos(p0 * xx).mean()
'''
_LOSS = '''def _challenge_loss(xx, log_y, p, w, b):
    n = len(xx)
    x = Tensor(xx, requires_grad=False)
    target = Tensor(log_y, requires_grad=False)
    pred = w.broadcast_to((n,)) * (p.broadcast_to((n,)) * x).cos() + b.broadcast_to((n,))
    return ((pred - target) ** 2).sum() / n


'''
FIT_CHALLENGE_GD = _LOSS + '''def fit_challenge(xx, yy):
''' + _GRID + '''    params = np.array([p0, w0, b0])
    scale = np.mean(xx ** 2)  # the gradient in p carries a factor x
    steps = np.array([0.2 / (max(w0 ** 2, 1e-3) * scale), 0.2, 0.2])
    for _ in range(300):
        p, w, b = Tensor(params[0]), Tensor(params[1]), Tensor(params[2])
        _challenge_loss(xx, log_y, p, w, b).backward()
        params = params - steps * np.array([float(p.grad.value), float(w.grad.value), float(b.grad.value)])
    return float(params[0]), float(params[1]), float(params[2])
'''
FIT_CHALLENGE_ADAM = _LOSS + '''def fit_challenge(xx, yy):
''' + _GRID_FAST + '''    theta = np.array([p0, w0, b0], dtype=float)
    m, v = np.zeros(3), np.zeros(3)
    rate, beta1, beta2 = 2e-4, 0.9, 0.999
    for t in range(1, 201):
        leaves = [Tensor(value) for value in theta]
        _challenge_loss(xx, log_y, *leaves).backward()
        g = np.array([leaf.grad.value for leaf in leaves], dtype=float)
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g ** 2
        theta = theta - rate / np.sqrt(t) * (m / (1 - beta1 ** t)) / (np.sqrt(v / (1 - beta2 ** t)) + 1e-12)
    return -theta[0], theta[1], theta[2]  # cos is even: -p is the same model
'''
FIT_CHALLENGE_MULTISTART = _LOSS + '''def fit_challenge(xx, yy):
    log_y = np.log(yy)
    coarse = np.arange(0.05, 5.0, 0.01)
    scores = []
    for p in coarse:
        design = np.stack([np.cos(p * xx), np.ones_like(xx)], axis=1)
        coef = np.linalg.lstsq(design, log_y, rcond=None)[0]
        scores.append((np.mean((design @ coef - log_y) ** 2), p, coef[0], coef[1]))
    best = None
    for _, p0, w0, b0 in sorted(scores)[:4]:  # gradient descent from the four best starts, with momentum
        theta, velocity = np.array([p0, w0, b0]), np.zeros(3)
        steps = np.array([0.1 / (max(w0 ** 2, 1e-3) * np.mean(xx ** 2)), 0.1, 0.1])
        for _ in range(250):
            p, w, b = Tensor(theta[0]), Tensor(theta[1]), Tensor(theta[2])
            loss = _challenge_loss(xx, log_y, p, w, b)
            loss.backward()
            grad = np.array([p.grad.value, w.grad.value, b.grad.value], dtype=float)
            velocity = 0.8 * velocity - steps * grad
            theta = theta + velocity
        final = float(_challenge_loss(xx, log_y, *(Tensor(t) for t in theta)).value)
        if best is None or final < best[0]:
            best = (final, theta)
    p, w, b = best[1]
    return abs(float(p)), float(w), float(b)
'''
FIT_CHALLENGE_NEWTON = _LOSS + '''def fit_challenge(xx, yy):
''' + _GRID_FAST + '''    theta = np.array([p0, w0, b0])
    for _ in range(8):  # Newton: the Hessian from second derivatives with the engine
        leaves = [Tensor(t) for t in theta]
        loss = _challenge_loss(xx, log_y, *leaves)
        compute_gradients(loss, Tensor(np.ones(()), requires_grad=False))
        grads = [leaf.grad for leaf in leaves]
        g = np.array([float(gr.value) for gr in grads])
        hessian = np.zeros((3, 3))
        for i, gr in enumerate(grads):
            gr.backward()
            hessian[i] = [float(leaf.grad.value) for leaf in leaves]
        theta = theta - np.linalg.solve(hessian + 1e-12 * np.eye(3), g)
    return float(theta[0]), float(theta[1]), float(theta[2])
'''

# ---------------------------------------------------------------- fit_linear
FIT_LINEAR_MATMUL = '''def fit_linear(x, y, w_init, b_init, learning_rate, epochs):
    n, d = x.shape
    X = Tensor(x, requires_grad=False)
    Y = Tensor(y.reshape(n, 1), requires_grad=False)
    w, b = w_init.copy(), np.copy(b_init)
    losses = []
    for epoch in range(epochs):
        W = Tensor(w.reshape(d, 1))
        B = Tensor(np.reshape(b, (1, 1)))
        residual = X @ W + B.broadcast_to((n, 1)) - Y
        loss = (residual * residual).sum()
        losses.append(loss.value.item())
        loss.backward()
        w = w - learning_rate * W.grad.value.reshape(w.shape)
        b = b - learning_rate * B.grad.value.reshape(np.shape(b))
    return w, b, losses
'''
FIT_LINEAR_ELEMENTWISE = '''def fit_linear(x, y, w_init, b_init, learning_rate, epochs):
    n, d = np.shape(x)
    x_t = Tensor(x, requires_grad=False)
    y_t = Tensor(y, requires_grad=False)
    w = np.array(w_init, dtype=float)
    b = np.array(b_init, dtype=float)
    losses = []
    for _ in range(epochs):
        w_t, b_t = Tensor(w), Tensor(b)
        y_hat = (x_t * w_t.broadcast_to((n, d))).sum(1) + b_t.reshape((1,)).broadcast_to((n,))
        loss = ((y_hat - y_t) ** 2).sum()
        loss.backward()
        losses.append(float(loss.value))
        w = w - learning_rate * w_t.grad.value
        b = b - learning_rate * b_t.grad.value
    return w, b, losses
'''
FIT_LINEAR_ROW = '''def fit_linear(x, y, w_init, b_init, learning_rate, epochs):
    n, d = x.shape
    xt = Tensor(x, requires_grad=False).transpose()  # (d, n)
    target = Tensor(np.array(y, dtype=float).reshape(1, n), requires_grad=False)
    w = np.array(w_init, dtype=float).reshape(1, d)
    b = float(np.sum(b_init))
    losses = []
    for _ in range(epochs):
        w_row = Tensor(w)
        b_scalar = Tensor(b)
        error = w_row @ xt + b_scalar.broadcast_to((1, n)) - target
        loss = (error ** 2).sum()
        compute_gradients(loss, Tensor(1.0, requires_grad=False))
        losses.append(float(loss.numpy()))
        w = w - learning_rate * w_row.grad.numpy()
        b = b - learning_rate * float(b_scalar.grad.numpy())
    return w.reshape(np.shape(w_init)), np.full(np.shape(b_init), b), losses
'''
FIT_LINEAR_LOOP = '''def fit_linear(x, y, w_init, b_init, learning_rate, epochs):
    n, d = x.shape
    params = np.concatenate([np.ravel(w_init), np.ravel(b_init)]).astype(float)  # [w..., b]
    design = Tensor(np.hstack([x, np.ones((n, 1))]), requires_grad=False)
    targets = Tensor(y[:, None], requires_grad=False)
    losses = []
    for _ in range(epochs):
        theta = Tensor(params.reshape(d + 1, 1))
        r = design @ theta + -1 * targets
        loss = (r.transpose() @ r).sum()
        loss.backward()
        losses.append(float(loss.value))
        params = params - learning_rate * theta.grad.value.ravel()
    return params[:d].copy(), params[d:].reshape(np.shape(b_init)), losses
'''


def _solution(ew, math, shape, matmul, topo, compute, challenge, linear):
    return (("ops_elementwise", ew), ("ops_math", math), ("ops_shape", shape), ("ops_matmul", matmul),
            ("topo_sort", topo), ("compute_gradients", compute), ("fit_challenge", challenge),
            ("fit_linear", linear))


CORRECT = [
    Variant("operators_recursive_lists_grid_gd",
            cells=_solution(ELEMENTWISE_OPERATORS, MATH_NODE,
                            shape_cell(SUM_TO_SHAPE_ONE_SUM, SUMMATION_RESHAPE, BROADCAST_HELPER), MATMUL_HELPER,
                            TOPO_RECURSIVE, COMPUTE_REDUCE, FIT_CHALLENGE_GD, FIT_LINEAR_MATMUL),
            description="style: Tensor operators, recursive DFS, dict of lists summed with reduce, sum_to_shape as "
                        "one sum, Summation by reshape + broadcast (axes mod ndim), grid then GD, fit_linear with "
                        "MatMul and .copy()"),
    Variant("classes_iterative_running_adam",
            cells=_solution(ELEMENTWISE_CLASSES, MATH_RECOMPUTED,
                            shape_cell(SUM_TO_SHAPE_LOOP, SUMMATION_INSERT, BROADCAST_HELPER, RESHAPE_B, TRANSPOSE_B),
                            MATMUL_PADDED, TOPO_ITERATIVE, COMPUTE_RUNNING, FIT_CHALLENGE_ADAM,
                            FIT_LINEAR_ELEMENTWISE),
            description="style: op classes called directly, iterative DFS with an explicit stack, adjoints summed "
                        "as they arrive, sum_to_shape as a loop of sums, Summation by inserting axes one at a time, "
                        "MatMul with padded batch shapes, vectorised grid then Adam returning -p, fit_linear "
                        "element-wise without MatMul"),
    Variant("kahn_defaultdict_multistart",
            cells=_solution(ELEMENTWISE_OPERATORS, MATH_RECOMPUTED,
                            shape_cell(SUM_TO_SHAPE_NEGATIVE, SUMMATION_NUMPY_KEEPDIMS, BROADCAST_HELPER),
                            MATMUL_SWAP, TOPO_KAHN, COMPUTE_DEFAULTDICT, FIT_CHALLENGE_MULTISTART, FIT_LINEAR_ROW),
            description="style: Kahn's algorithm, defaultdict of lists, sum_to_shape aligned from the last axis, "
                        "Summation's axes by numpy's keepdims on the shape, MatMul with Transpose((-1, -2)), "
                        "multi-start GD with momentum returning |p|, fit_linear as a row w @ x^T with "
                        "compute_gradients called directly and b a float inside"),
    Variant("classes_recursive_newton",
            cells=_solution(ELEMENTWISE_CLASSES, MATH_NODE,
                            shape_cell(SUM_TO_SHAPE_LOOP, SUMMATION_RESHAPE, BROADCAST_HELPER), MATMUL_HELPER,
                            TOPO_RECURSIVE, COMPUTE_DEFAULTDICT, FIT_CHALLENGE_NEWTON, FIT_LINEAR_LOOP),
            description="style: op classes, recursive DFS, defaultdict, grid then Newton with the Hessian from the "
                        "engine's second derivatives, fit_linear on [x, 1] @ [w; b] with r^T r as the loss"),
    Variant("iterative_reduce_inline_broadcast",
            cells=_solution(ELEMENTWISE_OPERATORS, MATH_RECOMPUTED,
                            shape_cell(SUM_TO_SHAPE_ONE_SUM, SUMMATION_INSERT, BROADCAST_EVAN6998, RESHAPE_B),
                            MATMUL_PADDED, TOPO_ITERATIVE, COMPUTE_REDUCE, FIT_CHALLENGE_MULTISTART,
                            FIT_LINEAR_MATMUL),
            description="style: BroadcastTo's sum written inline (as Evan6998/dlsys-hw1 does), iterative DFS, "
                        "reduce, multi-start GD, fit_linear with MatMul"),
    Variant("kahn_running_newton_elementwise",
            cells=_solution(ELEMENTWISE_CLASSES, MATH_NODE,
                            shape_cell(SUM_TO_SHAPE_NEGATIVE, SUMMATION_RESHAPE, BROADCAST_HELPER, RESHAPE_A,
                                       TRANSPOSE_B),
                            MATMUL_SWAP, TOPO_KAHN, COMPUTE_RUNNING, FIT_CHALLENGE_NEWTON, FIT_LINEAR_ELEMENTWISE),
            description="style: Kahn's algorithm, running sums, Newton, element-wise fit_linear"),
    Variant("real_evan6998_engine",
            cells=_solution(ELEMENTWISE_EVAN6998, MATH_NODE,
                            shape_cell(SUM_TO_SHAPE_ONE_SUM, SUMMATION_INSERT, BROADCAST_EVAN6998), MATMUL_HELPER,
                            TOPO_EVAN6998, COMPUTE_EVAN6998, FIT_CHALLENGE_GD, FIT_LINEAR_ROW),
            description="real code: Evan6998/dlsys-hw1 (python/needle/autograd.py: find_topo_sort, topo_sort_dfs, "
                        "compute_gradient_of_variables; ops_mathematic.py: element-wise gradients and "
                        "BroadcastTo) adapted to the notebook's names; its Summation (int axes fail) and MatMul "
                        "(no size-1 batch axis) are in BUGS, written here in the notebook's way"),
    Variant("real_splashcloud_engine",
            cells=_solution(ELEMENTWISE_OPERATORS, MATH_NODE,
                            shape_cell(SUM_TO_SHAPE_LOOP, SUMMATION_RESHAPE, BROADCAST_HELPER), MATMUL_PADDED,
                            TOPO_SPLASHCLOUD, COMPUTE_SPLASHCLOUD, FIT_CHALLENGE_ADAM, FIT_LINEAR_LOOP),
            description="real code: SplashCloud/dlsys-10714-hw1 (python/needle/autograd.py: find_topo_sort by "
                        "id(node), compute_gradient_of_variables with Python's sum) adapted to the notebook's "
                        "names; its ops are in BUGS"),
    Variant("operators_kahn_reduce_gd_row",
            cells=_solution(ELEMENTWISE_OPERATORS, MATH_NODE,
                            shape_cell(SUM_TO_SHAPE_NEGATIVE, SUMMATION_INSERT, BROADCAST_HELPER, RESHAPE_B,
                                       TRANSPOSE_A),
                            MATMUL_HELPER, TOPO_KAHN, COMPUTE_REDUCE, FIT_CHALLENGE_GD, FIT_LINEAR_ROW),
            description="style: Kahn's algorithm, reduce, grid then GD, fit_linear as a row"),
    Variant("evan_ops_iterative_defaultdict_adam",
            cells=_solution(ELEMENTWISE_EVAN6998, MATH_RECOMPUTED,
                            shape_cell(SUM_TO_SHAPE_LOOP, SUMMATION_NUMPY_KEEPDIMS, BROADCAST_EVAN6998),
                            MATMUL_SWAP, TOPO_ITERATIVE, COMPUTE_DEFAULTDICT, FIT_CHALLENGE_ADAM, FIT_LINEAR_LOOP),
            description="style: Evan6998/dlsys-hw1's element-wise gradients and BroadcastTo, iterative DFS, "
                        "defaultdict, Adam, fit_linear on [x, 1]"),
]


# ---------------------------------------------------------------- real students' ops with mistakes (BUGS)
# Published NEEDLE hw1 solutions, adapted mechanically to the notebook's names (ops called as Tensor
# methods and operators, .inputs as given); cos and sin, which NEEDLE's hw1 has not, and the notebook's
# own sum_to_shape are written the notebook's way. reverse_mode.BUGS holds one entry per engine.
_EVAN6998_SUMMATION = '''        in_shape = node.inputs[0].shape
        axes = self.axes

        # If summed over all axes, just broadcast back to the original shape.
        if not axes:
            return out_grad.broadcast_to(in_shape)

        axes = tuple(sorted(ax if ax >= 0 else ax + len(in_shape) for ax in axes))

        og_shape = out_grad.shape
        target_shape = []
        j = 0  # index into og_shape over non-reduced axes
        for i in range(len(in_shape)):
            if i in axes:
                target_shape.append(1)
            else:
                target_shape.append(og_shape[j])
                j += 1

        reshaped = out_grad.reshape(tuple(target_shape))
        return reshaped.broadcast_to(in_shape)'''
_EVAN6998_MATMUL = _MATMUL.format(body='''        lhs, rhs = node.inputs
        lgrad, rgrad = out_grad @ rhs.transpose(), lhs.transpose() @ out_grad
        if len(lhs.shape) < len(lgrad.shape):
            lgrad = lgrad.sum(tuple([i for i in range(len(lgrad.shape) - len(lhs.shape))]))
        if len(rhs.shape) < len(rgrad.shape):
            rgrad = rgrad.sum(tuple([i for i in range(len(rgrad.shape) - len(rhs.shape))]))
        return lgrad, rgrad''')
REAL_EVAN6998_OPS = (
    ("ops_elementwise", ELEMENTWISE_EVAN6998), ("ops_math", MATH_NODE),
    ("ops_shape", shape_cell(SUM_TO_SHAPE_ONE_SUM, _EVAN6998_SUMMATION, BROADCAST_EVAN6998, RESHAPE_A,
                             "        return out_grad.transpose(self.axes) if self.axes else out_grad.transpose()")),
    ("ops_matmul", _EVAN6998_MATMUL))

REAL_SPLASHCLOUD_OPS = (
    ("ops_elementwise", _ELEMENTWISE.format(
        add="return out_grad, out_grad", add_scalar="return out_grad",
        mul="lhs, rhs = node.inputs\n        return out_grad * rhs, out_grad * lhs",
        mul_scalar="return (out_grad * self.scalar,)",
        div="a, b = node.inputs\n        return out_grad * b ** -1, out_grad * -(a * b ** -2)",
        div_scalar="return out_grad * (1 / self.scalar) # 注意操作数的位置决定返回的类型",
        power="a = node.inputs[0]\n        return out_grad * self.scalar * a ** (self.scalar - 1)",
        negate="return out_grad * -1")),
    ("ops_math", _MATH.format(exp="a = node.inputs[0]\n        return out_grad * a.exp()",
                              log="a = node.inputs[0]\n        return out_grad * a ** -1",
                              cos="return out_grad * -(node.inputs[0].sin())",
                              sin="return out_grad * node.inputs[0].cos()")),
    ("ops_shape", shape_cell(SUM_TO_SHAPE_ONE_SUM, '''        a = node.inputs[0]
        shape = list(out_grad.shape)
        axes = tuple(i for i in range(len(a.shape))) if self.axes is None else self.axes
        for axis in axes:
          shape.insert(axis, 1)
        return out_grad.reshape(shape).broadcast_to(a.shape)''', '''        a = node.inputs[0]
        expand = len(out_grad.shape) - len(a.shape)
        axes = tuple(i for i in range(expand))
        for i in range(len(out_grad.shape)-1, expand-1, -1):
          if a.shape[i-expand] != out_grad.shape[i]:
            axes += (i,)
        return out_grad.sum(axes).reshape(a.shape)''')),
    ("ops_matmul", _MATMUL.format(body='''        a, b = node.inputs
        a_bar, b_bar = out_grad @ b.transpose(), a.transpose() @ out_grad
        if a_bar.shape != a.shape:
          expand = tuple(i for i in range(len(a_bar.shape) - len(a.shape)))
          a_bar = a_bar.sum(expand)
        if b_bar.shape != b.shape:
          expand = tuple(i for i in range(len(b_bar.shape) - len(b.shape)))
          b_bar = b_bar.sum(expand)
        return a_bar, b_bar''')))

REAL_SYLARWU_OPS = (
    ("ops_elementwise", _ELEMENTWISE.format(
        add="return out_grad, out_grad", add_scalar="return out_grad",
        mul="lhs, rhs = node.inputs\n        return out_grad * rhs, out_grad * lhs",
        mul_scalar="return (out_grad * self.scalar,)",
        div="a, b = node.inputs\n        # out_grad / b, -(out_grad * node / b)\n"
            "        return out_grad / b, (out_grad * node / b) * -1",
        div_scalar="return out_grad / self.scalar",
        power="a, = node.inputs\n        # out_grad * self.scalar * (a ** self.scalar)\n"
              "        return out_grad * ((a ** self.scalar) * self.scalar)",
        negate="return out_grad * -1")),
    ("ops_math", _MATH.format(exp="return out_grad * node", log="a, = node.inputs\n        return out_grad / a",
                              cos="return out_grad * -(node.inputs[0].sin())",
                              sin="return out_grad * node.inputs[0].cos()")),
    ("ops_shape", shape_cell(SUM_TO_SHAPE_ONE_SUM, '''        a, = node.inputs
        if self.axes is None:
            return out_grad.broadcast_to(a.shape)
        target_axes = set(x if x >= 0 else x + len(a.shape) for x in self.axes)
        match_shape = [1 if i in target_axes else a.shape[i] for i in range(len(a.shape))]
        return out_grad.reshape(match_shape).broadcast_to(a.shape)''', '''        a, = node.inputs
        sum_axes = []
        for i in range(len(out_grad.shape)):
            if i >= len(a.shape) or a.shape[i] != out_grad.shape[i]:
                sum_axes.append(i)
        if sum_axes:
            return out_grad.sum(tuple(sum_axes)).reshape(a.shape)
        else:
            return out_grad''', "        a, = node.inputs\n        return out_grad.reshape(a.shape)")),
    ("ops_matmul", _MATMUL.format(body='''        a, b = node.inputs
        a_shape_len = len(a.shape)
        b_shape_len = len(b.shape)
        a_grad = out_grad @ b.transpose()
        b_grad = a.transpose() @ out_grad

        if a_shape_len > b_shape_len:
            sum_axes = [x for x in range(a_shape_len - b_shape_len)]
            b_grad = b_grad.sum(tuple(sum_axes))
        elif a_shape_len < b_shape_len:
            sum_axes = [x for x in range(b_shape_len - a_shape_len)]
            a_grad = a_grad.sum(tuple(sum_axes))
        return a_grad, b_grad''')))

REAL_AND86802_OPS = (
    ("ops_elementwise", _ELEMENTWISE.format(
        add="return out_grad, out_grad", add_scalar="return out_grad",
        mul="lhs, rhs = node.inputs\n        return out_grad * rhs, out_grad * lhs",
        mul_scalar="return (out_grad * self.scalar,)",
        div="a, b = node.inputs\n        return out_grad / b, -a * b ** -2",
        div_scalar="return out_grad / self.scalar",
        power="n = node.inputs[0]\n        return out_grad * self.scalar * (n ** (self.scalar-1))",
        negate="return -out_grad")),
    ("ops_math", _MATH.format(exp="return out_grad * node", log="return out_grad / node.inputs[0]",
                              cos="return out_grad * -(node.inputs[0].sin())",
                              sin="return out_grad * node.inputs[0].cos()")),
    ("ops_shape", shape_cell(SUM_TO_SHAPE_ONE_SUM, '''        shape = node.inputs[0].shape
        axes = self.axes if self.axes else list(range(len(shape)))
        aug_axes = [1 if i in axes else s for i, s in enumerate(shape)]
        return out_grad.reshape(aug_axes).broadcast_to(shape)''', '''        shape0 = node.inputs[0].shape
        shape = [1] * (len(self.shape) - len(shape0)) + list(shape0)
        reduced_axes = []
        for i in range(len(self.shape)):
          if self.shape[i] != shape[i]:
            reduced_axes.append(i)
        return out_grad.sum(tuple(reduced_axes)).reshape(shape0)''',
                             "        shape0 = node.inputs[0].shape\n        return out_grad.reshape(shape0)")),
    ("ops_matmul", _MATMUL.format(body='''        a, b = node.inputs
        if len(a.shape) < len(b.shape):
            axes = tuple(range(len(b.shape) - len(a.shape)))
            return (out_grad @ b.transpose()).sum(axes), a.transpose() @ out_grad
        elif len(a.shape) > len(b.shape):
            axes = tuple(range(len(a.shape) - len(b.shape)))
            return out_grad @ b.transpose(), (a.transpose() @ out_grad).sum(axes)
        return out_grad @ b.transpose(), a.transpose() @ out_grad''')))
