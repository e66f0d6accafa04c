"""Hidden graders of the backprop practical: its concepts, in the order they run."""
from autograder.grading.marks import Concept

CONCEPTS = (
    Concept("layers", "test_layers.py", 16.5, "Your layers on their own: forward, backward, grad and step"),
    Concept("composition", "test_composition.py", 20, "my_composition: the loss, and chains of your layers"),
    Concept("fit", "test_fit.py", 8, "Recovering hidden w* and b*: your train, and your units together"),
)
TOTAL_POINTS = 44.5

# Each unit is graded with the reference for the others (autograder/grading/units.py).
PROGRAM = ("imports", "add_bias", "layers", "composition", "train")
UNITS = {
    "multiplication_weight": ("multiplication_weight",),
    "my_exp": ("my_exp",),
    "my_composition": ("my_composition",),
    "train": ("train",),
}
