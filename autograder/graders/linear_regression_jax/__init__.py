"""Hidden graders of the JAX bonus: its concepts, in the order they run. Its student processes have jax
and optax (plain JAX, no Haiku or Flax) and no torch: the graders compare with torch in the grader."""
from autograder.grading.marks import Concept

CONCEPTS = (
    Concept("loss", "test_loss.py", 6, "The pure loss and its gradient with jax.value_and_grad, against torch.autograd"),
    Concept("training", "test_training.py", 9,
            "The jitted optax step and the training loop, against torch's nn.Linear + optim.SGD"),
    Concept("per_sample", "test_per_sample.py", 4, "Per-sample gradients with vmap, against torch one sample at a time"),
)
TOTAL_POINTS = 19
# Imported (never run: no JAX backend, whose threads a fork would not survive) once in the warm template.
STUDENT_MODULES = ("numpy", "matplotlib", "jax", "jax.numpy", "optax")
DENIED_MODULES = ("torch",)

# Each unit is graded with the reference for the others (autograder/grading/units.py).
PROGRAM = ("imports", "data", "loss_fn", "make_step", "fit", "per_sample")
UNITS = {
    "loss": ("loss",),
    "loss_and_grad": ("loss_and_grad",),
    "make_step": ("make_step",),
    "fit": ("fit",),
    "per_sample_grads": ("per_sample_grads",),
}
