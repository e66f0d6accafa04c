"""Hidden graders of the functional autodiff notebook (the course's "autodiff_functional"): its
concepts, in the order they run. Its student processes have no torch, as reverse_mode's."""
from autograder.grading.marks import Concept

CONCEPTS = (
    Concept("vjps", "test_vjps.py", 12, "The VJP of each function, against torch.autograd"),
    Concept("chain", "test_chain.py", 12,
            "The chain: evaluate_chain, backward_diff_chain and the gradients end to end"),
    Concept("fit", "test_fit.py", 10, "The optimizer and the training loop, with gradients from the VJPs"),
)
TOTAL_POINTS = 34
STUDENT_MODULES = ("numpy",)
DENIED_MODULES = ("torch",)

# Each unit is graded with the reference for the others (autograder/grading/units.py).
PROGRAM = ("imports", "add", "dot", "squared_loss", "evaluate_chain", "backward_diff_chain", "optim_SGD",
           "update_params", "train")
UNITS = {
    "add": ("add", "add_make_vjp"),
    "dot": ("dot", "dot_make_vjp"),
    "squared_loss": ("squared_loss", "squared_loss_make_vjp"),
    "evaluate_chain": ("evaluate_chain",),
    "backward_diff_chain": ("backward_diff_chain",),
    "optim_SGD": ("optim_SGD",),
    "train": ("train",),
}
