"""The manual gradient notebook's contract, clause by clause, and the hidden cases that check it
(source_tests/test_unit_contracts.py fails when a clause has no case)."""
from autograder.grading.contract import Clause

CONTRACT = (
    Clause("make_differentiable", "given an integer tensor t, return a new float64 tensor with the same values that "
           "requires grad, leaving t as it is", ("test_make_differentiable",)),
    Clause("accumulated_grads", "backward twice on the same graph without zeroing: w.grad and b.grad hold twice the "
           "gradient", ("test_gradients_accumulate_over_two_backward_calls",)),
    Clause("accumulated_grads", "plain numbers in, (w.grad, b.grad) returned as floats",
           ("test_accumulated_grads_contract",)),
    Clause("manual_gradient", "dl/dw and dl/db of the summed loss; x and y* numbers or arrays of the same shape",
           ("test_manual_gradient[scalar]", "test_manual_gradient[vector]", "test_manual_gradient[matrix]")),
    Clause("manual_gradient", "returns (dl_dw, dl_db) as numbers; the arrays it is given unchanged",
           ("test_manual_gradient_contract",)),
    Clause("gradient", "grad_w and grad_b of the summed squared error of x @ w + b; b a float or an array of shape "
           "(1,)", ("test_gradient[float]", "test_gradient[array]")),
    Clause("gradient", "grad_w and grad_b with the shapes of w and b; do not modify the arrays you receive",
           ("test_gradient_contract",)),
    Clause("fit_numpy", "epochs steps of batch gradient descent from (w_init, b_init) with gradient",
           ("test_fit_follows_gradient_descent[fit_numpy]", "test_fit_recovers_hidden_parameters[fit_numpy]")),
    Clause("fit_numpy", "returns (w, b), arrays with the shapes of w_init and b_init (b of shape (1,), not a float); "
           "do not modify the arrays you receive", ("test_fit_contract[fit_numpy]",)),
    Clause("gradient_t", "(grad_w, grad_b) of the summed squared error of x_t.mm(w_t) + b_t, by hand, for any d",
           ("test_gradient_t",)),
    Clause("gradient_t", "tensors of the shapes of w_t (d, 1) and b_t (1, 1); nothing returned or received requires "
           "grad", ("test_gradient_t_contract",)),
    Clause("fit_autograd", "fresh tensors that require grad, loss.backward(), the update inside torch.no_grad(), "
           "gradients zeroed each epoch", ("test_fit_follows_gradient_descent[fit_autograd]",
                                           "test_fit_recovers_hidden_parameters[fit_autograd]")),
    Clause("fit_autograd", "returns tensors with the shapes of w_init and b_init; the tensors received stay as they "
           "are (values and requires_grad)", ("test_fit_contract[fit_autograd]",)),
    Clause("fit_nn", "nn.Linear(d, 1) starting at w_init and b_init, MSELoss(reduction='sum'), SGD with lr, epochs "
           "full-batch steps", ("test_fit_follows_gradient_descent[fit_nn]",
                                "test_fit_recovers_hidden_parameters[fit_nn]")),
    Clause("fit_nn", "returns the trained module, mapping (n, d) inputs to (n, 1) outputs; the inputs unchanged",
           ("test_fit_contract[fit_nn]",)),
    Clause("fit_lstsq", "the closed form: solve [x, 1] theta ~ y", ("test_fit_lstsq",)),
    Clause("fit_lstsq", "returns (w, b) with shapes (d, 1) and (1, 1)", ("test_fit_lstsq_contract",)),
    Clause("learning_rate_for", "a step with which gradient descent on the summed loss converges for any number of "
           "samples from 30 to 3000, and not so small that it takes forever",
           ("test_learning_rate_for[small]", "test_learning_rate_for[medium]", "test_learning_rate_for[large]")),
)
