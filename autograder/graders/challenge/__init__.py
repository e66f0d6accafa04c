"""Hidden graders of the challenge: its concepts, in the order they run."""
from autograder.grading.marks import Concept

CONCEPTS = (
    Concept("layers", "test_layers.py", 23, "Your layers on their own, my_cos included"),
    Concept("composition", "test_composition.py", 16, "Chains of your layers with cos"),
    Concept("fit", "test_fit.py", 21, "Recovering hidden p*, w* and b*"),
)
TOTAL_POINTS = 60

# Each unit is graded with the reference for the others (autograder/grading/units.py).
PROGRAM = ("imports", "backprop_layers", "my_cos", "fit_challenge1", "fit_challenge2")
UNITS = {
    "multiplication_weight": ("multiplication_weight",),
    "my_exp": ("my_exp",),
    "my_composition": ("my_composition",),
    "my_cos": ("my_cos",),
    "fit_challenge1": ("fit_challenge1",),
    "fit_challenge2": ("fit_challenge2",),
}
