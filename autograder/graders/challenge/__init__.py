"""Hidden graders of the challenge: its concepts, in the order they run."""
from autograder.grading.marks import Concept

CONCEPTS = (
    Concept("layers", "test_layers.py", 23, "Your layers on their own, my_cos included"),
    Concept("composition", "test_composition.py", 16, "Chains of your layers with cos"),
    Concept("fit", "test_fit.py", 21, "Recovering hidden p*, w* and b*"),
)
TOTAL_POINTS = 60
