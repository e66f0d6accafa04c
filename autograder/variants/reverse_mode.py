"""Realistic mistakes in the reverse-mode engine, each aimed at the hidden tests it must fail.

`benchmarks/sweep.py` grades every variant on many student ids and shows the points each loses. The targets name hidden tests of
`autograder/graders/reverse_mode/` (the part after "::", without parameters);
`max_other_failures` bounds the tests a bug fails besides those (measured, with a small margin).
"""
from . import Variant
from .backprop import SOLUTION, STUB
from .reverse_mode_correct import REAL_AND86802_OPS, REAL_EVAN6998_OPS, REAL_SPLASHCLOUD_OPS, REAL_SYLARWU_OPS

# Lines of the solution notebook (code cells, solution markers removed) the edits replace.
TOPO_POST_ORDER = ("    visited.add(node)\n"
                   "    for input_node in node.inputs:\n"
                   "        topo_sort_dfs(input_node, visited, topo_order)\n"
                   "    topo_order.append(node)\n")
TOPO_PRE_ORDER = ("    visited.add(node)\n"
                  "    topo_order.append(node)\n"
                  "    for input_node in node.inputs:\n"
                  "        topo_sort_dfs(input_node, visited, topo_order)\n")

# Every gradient that uses an input's value, rewritten with numpy on `.value`: the first
# derivatives are right, but the gradients are constants cut from the graph.
RAW_NUMPY_EDITS = (
    ("        return out_grad * b, out_grad * a\n",
     "        return out_grad * Tensor(b.value), out_grad * Tensor(a.value)\n"),
    ("        return out_grad * (self.scalar * node.inputs[0] ** (self.scalar - 1))\n",
     "        return out_grad * Tensor(self.scalar * node.inputs[0].value ** (self.scalar - 1))\n"),
    ("        return out_grad * node\n",
     "        return out_grad * Tensor(np.exp(node.inputs[0].value))\n"),
    ("        return out_grad / node.inputs[0]\n",
     "        return out_grad * Tensor(1 / node.inputs[0].value)\n"),
    ("        return -out_grad * node.inputs[0].sin()\n",
     "        return out_grad * Tensor(-np.sin(node.inputs[0].value))\n"),
    ("        return out_grad * node.inputs[0].cos()\n",
     "        return out_grad * Tensor(np.cos(node.inputs[0].value))\n"),
)

BUGS = [
    Variant("adjoints_overwritten",
            (("            node_to_grads.setdefault(input_node, []).append(partial)\n",
              "            node_to_grads[input_node] = [partial]\n"),),
            ("test_random_graphs", "test_second_derivatives"),
            "compute_gradients keeps only the last partial adjoint of a node used more than once",
            max_other_failures=0),
    Variant("topo_sort_pre_order", ((TOPO_POST_ORDER, TOPO_PRE_ORDER),),
            ("test_topo_sort", "test_topo_sort_several_roots", "test_fit_linear_with_your_engine"),
            "topo_sort_dfs appends a node before visiting its inputs (pre-order)",
            max_other_failures=0),
    Variant("broadcast_to_no_sum",
            (("        return sum_to_shape(out_grad, node.inputs[0].shape)\n", "        return out_grad\n"),),
            ("test_op_gradient", "test_second_derivatives", "test_fit_linear_with_your_engine"),
            "BroadcastTo.gradient returns out_grad without summing over the broadcast axes",
            max_other_failures=0),
    Variant("summation_axes_not_restored",
            (("        return out_grad.reshape(tuple(kept_shape)).broadcast_to(in_shape)\n",
              "        return out_grad.broadcast_to(in_shape)\n"),),
            ("test_op_gradient", "test_second_derivatives"),
            "Summation.gradient broadcasts out_grad without putting the summed axes back "
            "(right only when the summed axes are leading ones or all of them)",
            max_other_failures=0),
    Variant("matmul_transposed_wrong_way",
            (("        grad_b = a.transpose() @ out_grad\n", "        grad_b = out_grad.transpose() @ a\n"),),
            ("test_op_gradient", "test_second_derivatives", "test_fit_linear_with_your_engine"),
            "MatMul.gradient of b is out_grad^T a (the transpose of the right answer)",
            max_other_failures=0),
    Variant("matmul_batch_not_summed",
            (("        return sum_to_shape(grad_a, a.shape), sum_to_shape(grad_b, b.shape)\n",
              "        return grad_a, grad_b\n"),),
            ("test_op_gradient",),
            "MatMul.gradient does not sum over the batch dimensions that matmul broadcast",
            max_other_failures=0),
    Variant("gradients_from_numpy_values", RAW_NUMPY_EDITS,
            ("test_second_derivatives", "test_cube_derivatives"),
            "gradients built with numpy on .value (EWiseMul, PowerScalar, Exp, Log, Cos, Sin): "
            "first derivatives right, second derivatives wrong",
            max_other_failures=0),
    Variant("transpose_axes_ignored",
            (("        return out_grad.transpose(self.axes)  # a swap of two axes undoes itself\n",
              "        return out_grad.transpose()\n"),),
            ("test_op_gradient",),
            "Transpose.gradient always swaps the last two axes, even when other axes were given",
            max_other_failures=0),
    Variant("log_ignores_upstream",
            (("        return out_grad / node.inputs[0]\n", "        return 1 / node.inputs[0]\n"),),
            ("test_op_gradient", "test_second_derivatives"),
            "Log.gradient returns 1 / a, dropping the upstream gradient",
            max_other_failures=0),
    Variant("div_denominator_sign",
            (("        return out_grad / b, -out_grad * a / b ** 2\n",
              "        return out_grad / b, out_grad * a / b ** 2\n"),),
            ("test_op_gradient",),
            "EWiseDiv.gradient of the denominator has the wrong sign",
            max_other_failures=0),
    Variant("grad_accumulated_across_backwards",
            (("        node.grad = adjoint\n",
              "        node.grad = adjoint if node.grad is None else node.grad + adjoint\n"),),
            ("test_independent_graphs", "test_second_derivatives", "test_cube_derivatives"),
            "compute_gradients adds to an earlier .grad (as PyTorch does) instead of setting it",
            max_other_failures=0),
    Variant("fit_linear_mean_loss",
            (("        loss = ((y_hat - y_t) ** 2).sum()\n", "        loss = ((y_hat - y_t) ** 2).sum() / n\n"),),
            ("test_fit_linear", "test_fit_linear_recovers_hidden_parameters", "test_fit_linear_with_your_engine"),
            "fit_linear descends the mean squared error instead of the summed one",
            max_other_failures=0),
    Variant("fit_challenge_returns_course_values",
            (("    return abs(float(params[0])), float(params[1]), float(params[2])\n",
              "    return 0.3, 0.5, 2.0\n"),),
            ("test_fit_challenge",),
            "fit_challenge returns the course's example values",
            max_other_failures=0),
    Variant("summation_int_axis_only",
            (("        if self.axes is None:\n"
              "            summed = range(len(in_shape))\n"
              "        elif isinstance(self.axes, tuple):\n"
              "            summed = self.axes\n"
              "        else:\n"
              "            summed = (self.axes,)\n",
              "        summed = (self.axes,)\n"),),
            ("test_op_gradient", "test_second_derivatives", "test_fit_linear_with_your_engine"),
            "Summation.gradient treats axes as one int: an error for a tuple of axes or None",
            max_other_failures=0),
    Variant("mul_scalar_arguments_swapped",
            (("        return out_grad * self.scalar\n", "        return MulScalar(out_grad)(self.scalar)\n"),),
            ("test_op_gradient",),
            "MulScalar.gradient as MulScalar(out_grad)(self.scalar), NEEDLE's mul_scalar(self.scalar, out_grad) "
            "with its arguments swapped",
            max_other_failures=0),
    Variant("topo_sort_visited_per_root",
            (("        topo_sort_dfs(node, visited, topo_order)\n    return topo_order\n",
              "        topo_sort_dfs(node, set(), topo_order)\n    return topo_order\n"),),
            ("test_topo_sort_several_roots",),
            "find_topo_sort starts a new visited set for each root: a node reachable from two roots appears twice",
            max_other_failures=0),
    Variant("grad_on_leaves_only",
            (("        node.grad = adjoint\n        if node.op is None:\n            continue\n",
              "        if node.op is None:\n            node.grad = adjoint\n            continue\n"),),
            ("test_random_graphs",),
            "compute_gradients sets .grad on the leaves only, not on the nodes inside the graph",
            max_other_failures=0),
    Variant("summation_gradient_cut_from_graph",
            (("        return out_grad.reshape(tuple(kept_shape)).broadcast_to(in_shape)\n",
              "        return Tensor(np.broadcast_to(out_grad.value.reshape(kept_shape), in_shape))\n"),),
            ("test_second_derivatives",),
            "Summation.gradient computed with numpy on out_grad.value and wrapped in a new Tensor: first "
            "derivatives right, cut from the graph for a second one",
            max_other_failures=0),
    Variant("broadcast_to_gradient_cut_from_graph",
            (("        return sum_to_shape(out_grad, node.inputs[0].shape)\n",
              "        return Tensor(sum_to_shape(out_grad, node.inputs[0].shape).value)\n"),),
            ("test_second_derivatives",),
            "BroadcastTo.gradient wraps the value of its result in a new Tensor: first derivatives right, "
            "cut from the graph for a second one",
            max_other_failures=0),
    Variant("summation_axes_from_shapes",
            (("        if self.axes is None:\n"
              "            summed = range(len(in_shape))\n"
              "        elif isinstance(self.axes, tuple):\n"
              "            summed = self.axes\n"
              "        else:\n"
              "            summed = (self.axes,)\n",
              "        summed = [i for i, n in enumerate(in_shape) if n not in out_grad.shape]\n"),),
            ("test_op_gradient",),
            "Summation.gradient finds the summed axes as the input's sizes missing from the output's: wrong when "
            "two axes have the same size",
            max_other_failures=0),
    Variant("transpose_axes_from_shapes",
            (("        return out_grad.transpose(self.axes)  # a swap of two axes undoes itself\n",
              "        return out_grad.transpose(tuple(i for i, (m, n) in enumerate(zip(node.shape, "
              "node.inputs[0].shape)) if m != n))\n"),),
            ("test_op_gradient",),
            "Transpose.gradient finds the swapped axes where the input's and output's sizes differ: wrong when "
            "they have the same size",
            max_other_failures=0),
    Variant("broadcast_to_one_axis_only",
            (("        return sum_to_shape(out_grad, node.inputs[0].shape)\n",
              "        in_shape = node.inputs[0].shape\n"
              "        if len(in_shape) < len(self.shape):\n"
              "            return out_grad.sum(0).reshape(in_shape)\n"
              "        axis = next(i for i, n in enumerate(in_shape) if n != self.shape[i])\n"
              "        return out_grad.sum(axis).reshape(in_shape)\n"),),
            ("test_op_gradient",),
            "BroadcastTo.gradient sums over one new or expanded axis only",
            max_other_failures=0),
    Variant("summation_negative_axes",
            (("        kept_shape = list(in_shape)\n"
              "        for axis in summed:\n"
              "            kept_shape[axis] = 1  # a negative axis counts from the end, as in numpy\n",
              "        kept_shape = [1 if i in summed else n for i, n in enumerate(in_shape)]\n"),),
            ("test_op_gradient", "test_second_derivatives"),
            "Summation.gradient marks the summed axes by their position from the start: a negative axis is missed",
            max_other_failures=0),
    Variant("sum_to_shape_leading_axes_only",
            (("    axes = tuple(range(lead)) + tuple(lead + i for i, size in enumerate(shape)\n"
              "                                      if size == 1 and t.shape[lead + i] != 1)\n",
              "    axes = tuple(range(lead))\n"),),
            ("test_sum_to_shape", "test_fit_linear_with_your_engine"),
            "sum_to_shape sums the new leading axes only, not the expanded size-1 axes",
            max_other_failures=0),
    Variant("fit_challenge_without_engine",
            (("    for _ in range(200):\n", "    for _ in range(0):\n"),),
            ("test_fit_uses_the_engine",),
            "fit_challenge fits with the grid and least squares only, never calling the engine",
            max_other_failures=0),
    Variant("fit_linear_reshape_for_transpose",
            (("        y_hat = x_t @ w_t.reshape((d, 1)) + b_t.reshape((1, 1)).broadcast_to((n, 1))\n",
              "        y_hat = (w_t.reshape((1, d)) @ x_t.reshape((d, n))).reshape((n, 1)) "
              "+ b_t.reshape((1, 1)).broadcast_to((n, 1))\n"),),
            ("test_fit_linear", "test_fit_linear_recovers_hidden_parameters", "test_fit_linear_with_your_engine"),
            "fit_linear reshapes x to (d, n) where it means x transposed: the gradient in w is right only when d = 1",
            max_other_failures=0),
    Variant("fit_challenge_abs_w",
            (("    return abs(float(params[0])), float(params[1]), float(params[2])\n",
              "    return abs(float(params[0])), abs(float(params[1])), float(params[2])\n"),),
            ("test_fit_challenge",),
            "fit_challenge returns |w| (right only when the hidden w is positive)",
            max_other_failures=0),
    Variant("fit_linear_b_as_float",
            (("    return w, b, losses\n", "    return w, float(np.sum(b)), losses\n"),),
            ("test_fit_linear_contract",),
            "fit_linear returns b as a float where b_init is an array of shape (1,): a contract slip only",
            max_other_failures=0),
    Variant("real_evan6998_ops", cells=REAL_EVAN6998_OPS,
            targets=("test_op_gradient", "test_second_derivatives"),
            description="real code, Evan6998/dlsys-hw1: Summation.gradient takes only tuple axes (an int axis "
                        "other than 0 raises), MatMul sums only the batch axes one input lacks (not a size-1 one)",
            max_other_failures=0),
    Variant("real_splashcloud_ops", cells=REAL_SPLASHCLOUD_OPS,
            targets=("test_op_gradient", "test_second_derivatives"),
            description="real code, SplashCloud/dlsys-10714-hw1: Summation.gradient inserts tuple axes only "
                        "(int and negative axes fail), MatMul sums only the batch axes one input lacks",
            max_other_failures=0),
    Variant("real_sylarwu_ops", cells=REAL_SYLARWU_OPS,
            targets=("test_op_gradient", "test_second_derivatives", "test_cube_derivatives",
                     "test_fit_linear_with_your_engine"),
            description="real code, SylarWu/dlsys_hw1: PowerScalar.gradient uses a ** s for a ** (s - 1), "
                        "BroadcastTo compares shapes without aligning them, Summation takes tuple axes only, "
                        "MatMul sums only the batch axes one input lacks",
            max_other_failures=0),
    Variant("real_and86802_ops", cells=REAL_AND86802_OPS,
            targets=("test_op_gradient", "test_second_derivatives"),
            description="real code, and86802/10714-hw1: EWiseDiv.gradient of b drops out_grad, Summation takes "
                        "tuple axes only (axis 0 as an int sums everything), MatMul sums only the batch axes one "
                        "input lacks",
            max_other_failures=0),
]

DEMO_CLASS = {
    "alice": SOLUTION,
    "bob": STUB,
    "carol": BUGS[0],   # overwrites the adjoints of a reused node
    "dave": BUGS[2],    # broadcast_to without the sum
    "erin": BUGS[6],    # gradients from numpy values: no second derivatives
}
