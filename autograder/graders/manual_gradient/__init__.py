"""Hidden graders of the manual gradient assignment: its concepts, in the order they run."""
from autograder.grading.marks import Concept

CONCEPTS = (
    Concept("autograd_basics", "test_autograd_basics.py", 9,
            "Autograd basics: requires_grad, accumulated gradients, the gradient by hand"),
    Concept("gradients", "test_gradients.py", 6, "The linear-regression gradient, in numpy and in torch by hand"),
    Concept("fits", "test_fits.py", 14, "Gradient descent four ways, the closed form, and a step size that converges"),
)
TOTAL_POINTS = 29
# torch._dynamo too: torch.optim's first step imports it (~0.85 s), once in the template, not in each student process.
STUDENT_MODULES = ("numpy", "matplotlib", "torch", "torch._dynamo")

# Each unit is graded with the reference for the others (autograder/grading/units.py).
PROGRAM = ("imports", "make_differentiable", "accumulated_grads", "manual_gradient", "numpy_gd", "gradient_t",
           "fit_autograd", "fit_nn", "fit_lstsq", "learning_rate_for")
UNITS = {name: (name,) for name in ("make_differentiable", "accumulated_grads", "manual_gradient", "gradient",
                                    "fit_numpy", "gradient_t", "fit_autograd", "fit_nn", "fit_lstsq",
                                    "learning_rate_for")}
