"""Hidden graders of the manual gradient assignment: its concepts, in the order they run."""
from autograder.grading.marks import Concept

CONCEPTS = (
    Concept("autograd_basics", "test_autograd_basics.py", 9,
            "Autograd basics: requires_grad, accumulated gradients, the gradient by hand"),
    Concept("gradients", "test_gradients.py", 6, "The linear-regression gradient, in numpy and in torch by hand"),
    Concept("fits", "test_fits.py", 14, "Gradient descent four ways, the closed form, and a step size that converges"),
)
TOTAL_POINTS = 29
