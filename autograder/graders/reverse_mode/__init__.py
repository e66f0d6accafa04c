"""Hidden graders of the reverse-mode engine: its concepts, in the order they
run. Its student processes have no torch: not imported, and its files not in
their filesystem."""
from autograder.grading.marks import Concept

CONCEPTS = (
    Concept("ops", "test_ops.py", 16, "Each op's gradient, against torch.autograd"),
    Concept("engine", "test_engine.py", 18.5,
            "The engine: topological order, adjoints on random graphs, second derivatives, independent graphs"),
    Concept("fits", "test_fits.py", 15, "Linear regression and the challenge, with your engine"),
)
TOTAL_POINTS = 49.5
STUDENT_MODULES = ("numpy", "matplotlib")
DENIED_MODULES = ("torch",)

# Each unit is graded with the reference for the others (autograder/grading/units.py).
PROGRAM = ("imports", "tensor", "ops_elementwise", "ops_math", "ops_shape", "ops_matmul", "topo_sort",
           "compute_gradients", "fit_challenge", "fit_linear")
OPS = ("EWiseAdd", "AddScalar", "EWiseMul", "MulScalar", "EWiseDiv", "DivScalar", "PowerScalar", "Negate", "Exp",
       "Log", "Cos", "Sin", "Summation", "BroadcastTo", "Reshape", "Transpose", "MatMul")
UNITS = {
    **{op: (op,) for op in OPS},
    "sum_to_shape": ("sum_to_shape",),
    "find_topo_sort": ("find_topo_sort", "topo_sort_dfs"),
    "compute_gradients": ("compute_gradients",),
    "fit_challenge": ("fit_challenge",),
    "fit_linear": ("fit_linear",),
}
