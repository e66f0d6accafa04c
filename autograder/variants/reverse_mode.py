"""Realistic mistakes in the reverse-mode engine, each aimed at the hidden tests it must fail.

`benchmarks/check_reverse_mode.py` builds every variant from the solution notebook and shows
which of its checks catches it. The targets name hidden tests of
`autograder/graders/reverse_mode/` (the part after "::", without parameters);
`max_other_failures` bounds the tests a bug fails besides those (measured, with a small margin).
"""
from . import Variant
from .backprop import SOLUTION, STUB

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
            ("test_random_graphs",),
            "compute_gradients keeps only the last partial adjoint of a node used more than once",
            max_other_failures=6),
    Variant("topo_sort_pre_order", ((TOPO_POST_ORDER, TOPO_PRE_ORDER),),
            ("test_topo_sort", "test_random_graphs"),
            "topo_sort_dfs appends a node before visiting its inputs (pre-order)",
            max_other_failures=14),
    Variant("broadcast_to_no_sum",
            (("        return sum_to_shape(out_grad, node.inputs[0].shape)\n", "        return out_grad\n"),),
            ("test_op_gradient",),
            "BroadcastTo.gradient returns out_grad without summing over the broadcast axes",
            max_other_failures=13),
    Variant("summation_axes_not_restored",
            (("        return out_grad.reshape(tuple(kept_shape)).broadcast_to(in_shape)\n",
              "        return out_grad.broadcast_to(in_shape)\n"),),
            ("test_op_gradient",),
            "Summation.gradient broadcasts out_grad without putting the summed axes back "
            "(right only when the summed axes are leading ones or all of them)",
            max_other_failures=4),
    Variant("matmul_transposed_wrong_way",
            (("        grad_b = a.transpose() @ out_grad\n", "        grad_b = out_grad.transpose() @ a\n"),),
            ("test_op_gradient",),
            "MatMul.gradient of b is out_grad^T a (the transpose of the right answer)",
            max_other_failures=6),
    Variant("matmul_batch_not_summed",
            (("        return sum_to_shape(grad_a, a.shape), sum_to_shape(grad_b, b.shape)\n",
              "        return grad_a, grad_b\n"),),
            ("test_op_gradient",),
            "MatMul.gradient does not sum over the batch dimensions that matmul broadcast",
            max_other_failures=2),
    Variant("gradients_from_numpy_values", RAW_NUMPY_EDITS,
            ("test_second_derivatives",),
            "gradients built with numpy on .value (EWiseMul, PowerScalar, Exp, Log, Cos, Sin): "
            "first derivatives right, second derivatives wrong",
            max_other_failures=2),
    Variant("transpose_axes_ignored",
            (("        return out_grad.transpose(self.axes)  # a swap of two axes undoes itself\n",
              "        return out_grad.transpose()\n"),),
            ("test_op_gradient",),
            "Transpose.gradient always swaps the last two axes, even when other axes were given",
            max_other_failures=2),
    Variant("log_ignores_upstream",
            (("        return out_grad / node.inputs[0]\n", "        return 1 / node.inputs[0]\n"),),
            ("test_op_gradient",),
            "Log.gradient returns 1 / a, dropping the upstream gradient",
            max_other_failures=3),
    Variant("div_denominator_sign",
            (("        return out_grad / b, -out_grad * a / b ** 2\n",
              "        return out_grad / b, out_grad * a / b ** 2\n"),),
            ("test_op_gradient",),
            "EWiseDiv.gradient of the denominator has the wrong sign",
            max_other_failures=3),
    Variant("grad_accumulated_across_backwards",
            (("        node.grad = adjoint\n",
              "        node.grad = adjoint if node.grad is None else node.grad + adjoint\n"),),
            ("test_independent_graphs", "test_second_derivatives"),
            "compute_gradients adds to an earlier .grad (as PyTorch does) instead of setting it",
            max_other_failures=2),
    Variant("fit_linear_mean_loss",
            (("        loss = ((y_hat - y_t) ** 2).sum()\n", "        loss = ((y_hat - y_t) ** 2).sum() / n\n"),),
            ("test_fit_linear", "test_fit_linear_recovers_hidden_parameters"),
            "fit_linear descends the mean squared error instead of the summed one",
            max_other_failures=0),
    Variant("fit_challenge_returns_course_values",
            (("    return abs(float(params[0])), float(params[1]), float(params[2])\n",
              "    return 0.3, 0.5, 2.0\n"),),
            ("test_fit_challenge",),
            "fit_challenge returns the course's example values",
            max_other_failures=0),
]

DEMO_CLASS = {
    "alice": SOLUTION,
    "bob": STUB,
    "carol": BUGS[0],   # overwrites the adjoints of a reused node
    "dave": BUGS[2],    # broadcast_to without the sum
    "erin": BUGS[6],    # gradients from numpy values: no second derivatives
}
