"""The functional autodiff notebook's contract, clause by clause, and the hidden tests that check each one."""
from autograder.grading.contract import Clause

CONTRACT = (
    Clause("add", "add.make_vjp(x, b)(u) returns (u for x, the per-sample gradients of b: u, or their sum)",
           ("test_vjp[add-",)),
    Clause("dot", "dot.make_vjp(x, W)(u) returns (u @ W.T, the per-sample gradients einsum('na,nb->nab', x, u) "
           "or their sum x.T @ u)", ("test_vjp[dot-",)),
    Clause("squared_loss", "squared_loss.make_vjp(y_pred, y)(None) returns (2 (y_pred - y), np.zeros_like(y)): "
           "the loss ends the chain, its VJP needs no u, and the target is not updated", ("test_vjp[squared_loss-",)),
    Clause("add", "add's VJP leaves x, b and u unchanged", ("test_vjp_leaves_inputs_unchanged[add]",)),
    Clause("dot", "dot's VJP leaves x, W and u unchanged", ("test_vjp_leaves_inputs_unchanged[dot]",)),
    Clause("squared_loss", "squared_loss's VJP leaves y_pred and y unchanged",
           ("test_vjp_leaves_inputs_unchanged[squared_loss]",)),
    Clause("evaluate_chain", "applies funcs[k] with params[k] in order; the final value, or with return_all=True "
           "the list of x and every output; inputs unchanged", ("test_evaluate_chain",)),
    Clause("backward_diff_chain", "walks the chain from the last function to the first, each vjp applied to the "
           "gradient from the function after it (None for the loss); returns (value, vjp_x, vjp_params) with the "
           "gradients in the order of params", ("test_backward_diff_chain", "test_gradients_end_to_end")),
    Clause("optim_SGD", "sums each per-sample gradient over axis 0 and returns -learning_rate times it "
           "(learning_rate 1e-2 by default)", ("test_optim_SGD",)),
    Clause("train", "each epoch: backward_diff_chain, optim_SGD at learning_rate, update_params; returns (params, "
           "losses), the losses before each step; works on any chain", ("test_train_follows_gradient_descent",)),
    Clause("train", "run long enough, it recovers hidden parameters", ("test_train_recovers_hidden_parameters",)),
)
