"""The reverse_mode notebook's contract, clause by clause, and the hidden tests that check each one."""
from autograder.grading.contract import Clause

OP = "test_op_gradient["


def _op(unit: str, text: str, *cases: str) -> Clause:
    return Clause(unit, text, tuple(OP + c for c in (cases or (unit + "(",))))


CONTRACT = (
    _op("EWiseAdd", "gradient(out_grad, node) of a + b: out_grad for each input, a tuple of two Tensors"),
    _op("AddScalar", "AddScalar(scalar): the gradient of a + s is out_grad"),
    _op("EWiseMul", "the gradient of a * b: out_grad * b and out_grad * a"),
    _op("MulScalar", "MulScalar(scalar): the gradient of s * a is out_grad * s (a negative scalar drawn)"),
    _op("EWiseDiv", "the gradient of a / b for both inputs (denominators of either sign)"),
    _op("DivScalar", "DivScalar(scalar): the gradient of a / s"),
    _op("PowerScalar", "PowerScalar(scalar) for any number: integer, fractional and negative exponents",
        "PowerScalar(3)", "PowerScalar(2.5)", "PowerScalar(-1.5)"),
    _op("Negate", "the gradient of -a"),
    _op("Exp", "the gradient of exp(a) (it may use node, since exp' = exp)"),
    _op("Log", "the gradient of log(a)"),
    _op("Cos", "the gradient of cos(a)"),
    _op("Sin", "the gradient of sin(a)"),
    _op("MatMul", "MatMul on two matrices: the adjoints of A and B have their shapes", "MatMul() on (3, 4) @ (4, 2)"),
    _op("MatMul", "MatMul on stacks: batch dimensions broadcast as in numpy (a stack times a matrix, a matrix "
        "times a stack, a size-1 batch axis), each input's adjoint summed back to its shape",
        "MatMul() on a stack", "MatMul() on (3, 4) @ a stack", "MatMul() with broadcast batch dimensions"),
    _op("Summation", "Summation(axes) with axes None: the sum of every axis", "Summation() of all axes"),
    _op("Summation", "Summation(axes) with an int axis", "Summation(2)", "Summation(0) on (2, 3, 4)"),
    _op("Summation", "Summation(axes) with a tuple of axes", "Summation((0, 2))"),
    _op("Summation", "negative axes count from the end, as in numpy (an int and a tuple)",
        "Summation(-1)", "Summation((-3, -2))"),
    _op("Summation", "the summed axes come from the op's parameter, not from the shapes: two axes of equal size",
        "Summation(0) on (3, 3)"),
    _op("BroadcastTo", "BroadcastTo(shape) adds new leading axes (one or several)",
        "BroadcastTo((2, 3)) of (3,)", "BroadcastTo((2, 3, 4)) of (4,)"),
    _op("BroadcastTo", "BroadcastTo(shape) expands axes of size 1 (one or several, at the end or in the middle)",
        "BroadcastTo((3, 4)) of (3, 1)", "BroadcastTo((3, 3)) of (1, 1)", "BroadcastTo((2, 3, 5, 4)) of (3, 1, 4)"),
    _op("BroadcastTo", "BroadcastTo with new and expanded axes together", "BroadcastTo((2, 4, 3)) of (1, 3)"),
    _op("Reshape", "Reshape(shape): the adjoint reshaped back to the input's shape", "Reshape((6, 4))",
        "Reshape((2, 3))"),
    _op("Transpose", "Transpose() swaps the last two axes", "Transpose() of the last two axes"),
    _op("Transpose", "Transpose((i, j)) swaps axes i and j, also when axes have equal sizes",
        "Transpose((0, 2))", "Transpose((1, 2)) on (2, 3, 3)"),
    Clause("sum_to_shape", "sum_to_shape(t, shape) sums over the leading axes broadcasting added and over the axes "
           "where shape has a 1 (also in the middle, and with equal sizes), and gives the result the given shape",
           ("test_sum_to_shape",)),
    Clause("find_topo_sort", "find_topo_sort([output]) returns every node reachable from the output, each once, "
           "each after all of its inputs", ("test_topo_sort",)),
    Clause("find_topo_sort", "with several roots (one an ancestor of another), every node reachable from any of "
           "them, still each exactly once", ("test_topo_sort_several_roots",)),
    Clause("compute_gradients", "the adjoint of a node used several times is the sum of its partial adjoints, "
           "passed on in reverse topological order", ("test_random_graphs",)),
    Clause("compute_gradients", "every node of the graph gets its .grad, the leaves and the inner nodes, a Tensor "
           "each", ("test_random_graphs",)),
    Clause("compute_gradients", ".grad is set, not added to: a second backward gives its own gradients, and the "
           "values stay unchanged", ("test_independent_graphs",)),
    Clause("compute_gradients", "gradients are Tensors built from Tensor operations, so a second backward through "
           "x.grad gives second derivatives (also through broadcast_to, reshape and partial sums) and third ones",
           ("test_second_derivatives", "test_cube_derivatives")),
    Clause("fit_linear", "batch gradient descent on the summed squared error: the steps and the losses before each "
           "step", ("test_fit_linear",)),
    Clause("fit_linear", "run long enough, it recovers hidden parameters",
           ("test_fit_linear_recovers_hidden_parameters",)),
    Clause("fit_linear", "returns w and b as arrays of the shapes of w_init and b_init (b_init (1,) or a number), a "
           "list of float losses, and does not modify its inputs", ("test_fit_linear_contract",)),
    Clause("fit_linear", "the gradient comes from your engine (backward)",
           ("test_fit_uses_the_engine[fit_linear", "test_fit_linear_with_your_engine")),
    Clause("fit_challenge", "recovers p*, w* and b* (p or -p) of exp(w* cos(p* x) + b*)", ("test_fit_challenge",)),
    Clause("fit_challenge", "returns the tuple (p, w, b) of numbers and does not modify xx or yy",
           ("test_fit_challenge_contract",)),
    Clause("fit_challenge", "the polish is gradient descent with your engine",
           ("test_fit_uses_the_engine[fit_challenge",)),
)
