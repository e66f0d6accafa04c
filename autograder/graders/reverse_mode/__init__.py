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
