"""The JAX bonus notebook's contract, clause by clause, and the hidden tests that check each one."""
from autograder.grading.contract import Clause

CONTRACT = (
    Clause("loss", "loss(params, x, y) is the summed squared error of x @ params['w'] + params['b'] (as torch's "
           "MSELoss(reduction='sum') of nn.Linear), a 0-d array", ("test_loss_value",)),
    Clause("loss", "loss is pure: it uses only its arguments, keeps no state between calls and changes nothing it "
           "is given", ("test_loss_is_pure",)),
    Clause("loss_and_grad", "returns (value, grads) by jax.value_and_grad: grads a dict like params, the gradient "
           "with respect to params", ("test_loss_and_grad",)),
    Clause("make_step", "make_step(learning_rate) returns (optax.sgd(learning_rate), step); step(params, "
           "opt_state, x, y) returns (new_params, new_opt_state, the loss before the step), as optim.SGD",
           ("test_step",)),
    Clause("fit", "fit returns (ws, bs, losses): the parameters at the start and after each of the epochs steps, "
           "and the loss at the start of each step, as torch's nn.Linear + optim.SGD from the same initial values",
           ("test_fit_follows_torch",)),
    Clause("fit", "a long fit from zero recovers the hidden parameters", ("test_fit_recovers_hidden_parameters",)),
    Clause("per_sample_grads", "per_sample_grads with jax.vmap: a dict like params with a leading axis of n rows, "
           "row t the gradient of sample t's term alone",
           ("test_per_sample_grads[small]", "test_per_sample_grads[course]")),
)
