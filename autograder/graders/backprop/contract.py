"""The backprop notebook's contract, clause by clause, and the hidden tests that check each one."""
from autograder.grading.contract import Clause

CONTRACT = (
    Clause("multiplication_weight", "forward(x) returns w * x, for a number and for an array",
           ("test_forward[multiplication_weight",)),
    Clause("multiplication_weight", "backward(grad) returns d loss / d x = grad * w (a number, a vector, a matrix)",
           ("test_backward_input_gradient[multiplication_weight",)),
    Clause("multiplication_weight", "backward stores d loss / d w = grad * x in self.grad; for an array the sum "
           "(per-element gradients accepted too)",
           ("test_parameter_gradient[multiplication_weight", "test_parameter_gradient_on_array[multiplication_weight")),
    Clause("multiplication_weight", "step(learning_rate) does w -= learning_rate * self.grad",
           ("test_step[multiplication_weight",)),
    Clause("multiplication_weight", "a number in gives a number out, an array in an array of the same shape out; "
           "the arrays received are not modified", ("test_contract[multiplication_weight",)),
    Clause("my_exp", "forward(x) returns exp(x), for a number and for an array", ("test_forward[my_exp",)),
    Clause("my_exp", "backward(grad) returns grad * exp(x)", ("test_backward_input_gradient[my_exp",)),
    Clause("my_exp", "there is no parameter: step does nothing", ("test_step_without_parameter[my_exp",)),
    Clause("my_exp", "a number in gives a number out, an array in an array of the same shape out; the arrays "
           "received are not modified", ("test_contract[my_exp",)),
    Clause("my_composition", "compute_loss returns the squared error (for arrays the sum; per-element accepted)",
           ("test_compute_loss_value",)),
    Clause("my_composition", "compute_loss saves the gradient 2 (y_est - y_target) that backward starts from",
           ("test_compute_loss_gradient",)),
    Clause("my_composition", "forward applies the layers one after the other", ("test_forward_chain",)),
    Clause("my_composition", "backward calls backward on every layer, last layer first",
           ("test_backward_parameter_gradients", "test_backward_on_arrays")),
    Clause("my_composition", "step calls step on every layer", ("test_step_updates_every_layer",)),
    Clause("my_composition", "the layers are kept, in order, in self.layers; forward gives a number for a number "
           "and an array for an array", ("test_composition_contract",)),
    Clause("train", "n_iter SGD iterations, each on one sample, update the model in place (any correct SGD "
           "recovers the parameters)", ("test_train_recovers_parameters",)),
    Clause("train", "each iteration draws j = rng.integers(len(xx)) with rng = np.random.default_rng(seed), so "
           "that the grader can replay the run", ("test_train_replays_the_notebook_run",)),
    Clause("train", "returns the list of the n_iter losses as floats and does not modify xx or yy",
           ("test_train_contract",)),
    Clause("train", "your classes and train together fit the course's model (the one end-to-end test)",
           ("test_end_to_end",)),
)
