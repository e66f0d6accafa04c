"""The challenge notebook's contract, clause by clause, and the hidden tests that check each one."""
from autograder.grading.contract import Clause

CONTRACT = (
    Clause("multiplication_weight", "the backprop practical's multiplication_weight: forward, backward (d loss / d x "
           "and self.grad), step",
           ("test_forward[multiplication_weight", "test_backward_input_gradient[multiplication_weight",
            "test_parameter_gradient[multiplication_weight", "test_parameter_gradient_on_array[multiplication_weight",
            "test_step[multiplication_weight")),
    Clause("multiplication_weight", "a number in gives a number out, an array an array of the same shape; inputs "
           "not modified", ("test_contract[multiplication_weight",)),
    Clause("my_exp", "the backprop practical's my_exp: forward, backward, a step that does nothing",
           ("test_forward[my_exp", "test_backward_input_gradient[my_exp", "test_step_without_parameter[my_exp")),
    Clause("my_exp", "a number in gives a number out, an array an array of the same shape; inputs not modified",
           ("test_contract[my_exp",)),
    Clause("my_cos", "forward(x) returns cos(x) and saves x", ("test_forward[my_cos",)),
    Clause("my_cos", "backward(grad) returns -sin(x) * grad", ("test_backward_input_gradient[my_cos",)),
    Clause("my_cos", "there is no parameter: step does nothing", ("test_step_without_parameter[my_cos",)),
    Clause("my_cos", "works for numbers and arrays, without modifying its input", ("test_contract[my_cos",)),
    Clause("my_composition", "the backprop practical's my_composition: the loss, its gradient, forward, backward "
           "last layer first, step on every layer, through chains with cos",
           ("test_compute_loss_value", "test_compute_loss_gradient", "test_forward_chain",
            "test_backward_parameter_gradients", "test_backward_on_arrays", "test_step_updates_every_layer")),
    Clause("my_composition", "the layers are kept in self.layers; a number in gives a number out",
           ("test_composition_contract",)),
    Clause("my_composition", "your classes together fit exp(w cos(p x) + b) by SGD (the one end-to-end test)",
           ("test_end_to_end",)),
    Clause("fit_challenge1", "fit_challenge1(xx, yy) recovers w and b of exp(w cos(x) + b), w of either sign",
           ("test_fit_challenge1",)),
    Clause("fit_challenge1", "returns (w, b) as numbers and does not modify xx or yy",
           ("test_fit_contract[fit_challenge1",)),
    Clause("fit_challenge2", "fit_challenge2(xx, yy) recovers p, w and b of exp(w cos(p x) + b), w of either sign; "
           "p or -p is accepted (cos is even)", ("test_fit_challenge2",)),
    Clause("fit_challenge2", "returns (p, w, b) as numbers and does not modify xx or yy",
           ("test_fit_contract[fit_challenge2",)),
)
