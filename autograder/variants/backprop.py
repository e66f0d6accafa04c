"""Realistic mistakes in the backprop practical, each aimed at one hidden test."""
from . import Variant

SOLUTION = Variant("solution", description="the reference solution")
STUB = Variant("stub", description="the released notebook, untouched")  # submitted as released

BUGS = [
    Variant("forgot_upstream_gradient",
            (("        return grad * self.w\n", "        return self.w\n"),),
            ("test_backward_input_gradient", "test_contract"),
            "multiplication_weight.backward drops the upstream gradient", max_other_failures=0),
    Variant("exp_backward_returns_grad",
            (("        return grad * self.y\n", "        return grad\n"),),
            ("test_backward_input_gradient", "test_step_without_parameter", "test_contract", "test_end_to_end"),
            "my_exp.backward forgets the local derivative", max_other_failures=0),
    Variant("param_grad_times_w",
            (("        self.grad = np.sum(grad * self.x)\n", "        self.grad = np.sum(grad * self.w)\n"),),
            ("test_parameter_gradient", "test_parameter_gradient_on_array", "test_end_to_end"),
            "stores grad * w as d loss / d w", max_other_failures=0),
    Variant("step_wrong_sign",
            (("        self.w -= learning_rate * self.grad\n", "        self.w += learning_rate * self.grad\n"),),
            ("test_step", "test_end_to_end"), "multiplication_weight.step climbs the loss", max_other_failures=0),
    Variant("composition_backward_forwards",
            (("        for layer in reversed(self.layers):\n            grad = layer.backward(grad)\n",
              "        for layer in self.layers:\n            grad = layer.backward(grad)\n"),),
            ("test_backward_parameter_gradients", "test_backward_on_arrays", "test_step_updates_every_layer",
             "test_end_to_end"), "my_composition.backward walks the layers forwards", max_other_failures=0),
    Variant("loss_grad_without_2",
            (("        self.loss_grad = 2 * (y_est - y_target)\n", "        self.loss_grad = (y_est - y_target)\n"),),
            ("test_compute_loss_gradient", "test_backward_parameter_gradients", "test_backward_on_arrays",
             "test_step_updates_every_layer", "test_end_to_end"), "the loss gradient misses its factor 2",
            max_other_failures=0),
    Variant("loss_grad_wrong_sign",
            (("        self.loss_grad = 2 * (y_est - y_target)\n", "        self.loss_grad = 2 * (y_target - y_est)\n"),),
            ("test_compute_loss_gradient", "test_backward_parameter_gradients", "test_backward_on_arrays",
             "test_step_updates_every_layer", "test_end_to_end"), "the loss gradient has the wrong sign",
            max_other_failures=0),
    Variant("forward_mutates_input",
            (("        self.x = x\n        return self.w * x\n",
              "        self.x = x\n        x *= self.w\n        return x\n"),),
            ("test_parameter_gradient_on_array", "test_contract"), "multiplication_weight.forward does x *= w in place",
            max_other_failures=0),
    Variant("exp_backward_exp_of_output",
            (("        return grad * self.y\n", "        return grad * np.exp(self.y)\n"),),
            ("test_backward_input_gradient", "test_step_without_parameter", "test_contract", "test_end_to_end"),
            "my_exp.backward takes exp of its saved output", max_other_failures=0),
    Variant("step_first_layer_only",
            (("        for layer in self.layers:\n            layer.step(learning_rate)\n",
              "        self.layers[0].step(learning_rate)\n"),),
            ("test_step_updates_every_layer", "test_end_to_end"), "my_composition.step steps only the first layer",
            max_other_failures=0),
    Variant("exp_forward_forgot_exp",
            (("        self.y = np.exp(x)\n        return self.y\n", "        self.y = np.exp(x)\n        return x\n"),),
            ("test_forward", "test_step_without_parameter", "test_contract", "test_end_to_end"),
            "my_exp.forward returns its input", max_other_failures=0),
    Variant("loss_not_squared",
            (("        return np.sum((y_est - y_target) ** 2)\n", "        return np.sum(y_est - y_target)\n"),),
            ("test_compute_loss_value", "test_composition_contract"), "compute_loss returns the error, not its square",
            max_other_failures=0),
    Variant("train_never_steps",
            (("        model.backward()\n        model.step(learning_rate)\n    return losses\n",
              "        model.backward()\n    return losses\n"),),
            ("test_train_recovers_parameters", "test_train_replays_the_notebook_run", "test_end_to_end"),
            "train forgets to call step", max_other_failures=0),
    Variant("train_first_sample_only",
            (("        j = rng.integers(len(xx))\n", "        j = 0\n"),),
            ("test_train_recovers_parameters", "test_train_replays_the_notebook_run", "test_end_to_end"),
            "train always uses the first sample", max_other_failures=0),
    Variant("train_returns_an_array",
            (("        model.step(learning_rate)\n    return losses\n",
              "        model.step(learning_rate)\n    return np.array(losses)\n"),),
            ("test_train_contract",), "train returns an array where the notebook asks for a list of floats",
            max_other_failures=0),
    Variant("input_grad_uses_x",
            (("        return grad * self.w\n", "        return grad * self.x\n"),),
            ("test_backward_input_gradient", "test_contract"),
            "multiplication_weight.backward returns grad * x as d loss / d x", max_other_failures=0),
    Variant("exp_backward_crashes",
            (("        return grad * self.y\n", "        return grad * self.output\n"),),
            ("test_backward_input_gradient", "test_step_without_parameter", "test_contract", "test_end_to_end"),
            "my_exp.backward uses an attribute forward never set (it crashes)", max_other_failures=0),
    Variant("train_another_order",
            (("    rng = np.random.default_rng(seed)\n", "    rng = np.random.default_rng(seed + 1)\n"),),
            ("test_train_replays_the_notebook_run",),
            "train runs a correct SGD but visits the samples in another order than the notebook's seed gives",
            max_other_failures=0),
    Variant("composition_backward_skips_first_layer",
            (("        for layer in reversed(self.layers):\n", "        for layer in reversed(self.layers[1:]):\n"),),
            ("test_compute_loss_gradient", "test_backward_parameter_gradients", "test_backward_on_arrays",
             "test_step_updates_every_layer", "test_end_to_end"),
            "my_composition.backward forgets the first layer", max_other_failures=0),
]

# The semantic choices of the course's published solution to this practical
# (Module2/sol/02_backprop_sol.ipynb of dataflowr/notebooks), written here in
# our own code: per-element parameter gradients for arrays, an element-wise
# loss, exp's backward from its saved output, a backward that returns nothing,
# and no train function (the course does not ask for one). It must pass every
# test but train's.
COURSE_STYLE = Variant(
    "course_style",
    cells=(
        ("layers", """class multiplication_weight(object):
    def __init__(self, w):
        self.w = w

    def forward(self, x):
        self.last_input = x
        return x * self.w

    def backward(self, grad):
        self.grad = grad * self.last_input   # per element for arrays, not summed
        return self.w * grad

    def step(self, learning_rate):
        self.w = self.w - learning_rate * self.grad

class my_exp(object):
    def forward(self, x):
        self.last_output = np.exp(x)     # keeps the output, not the input
        return np.exp(x)

    def backward(self, grad):
        return grad * self.last_output

    def step(self, learning_rate):
        pass
"""),
        ("composition", """class my_composition(object):
    def __init__(self, layers):
        self.layers = layers

    def forward(self, x):
        out = x
        for op in self.layers:
            out = op.forward(out)
        return out

    def compute_loss(self, y_est, y_target):
        self.dloss = 2 * (y_est - y_target)
        return (y_target - y_est) ** 2      # element-wise for arrays

    def backward(self):                      # returns nothing
        g = self.dloss
        for op in self.layers[::-1]:
            g = op.backward(g)

    def step(self, learning_rate):
        for op in self.layers:
            op.step(learning_rate)
"""),
        ("train", None),
    ),
    targets=("test_train_recovers_parameters", "test_train_replays_the_notebook_run", "test_train_contract",
             "test_end_to_end"),
    description="the course's published solution (layer classes only)",
    max_other_failures=0,
)

# A few of these make the demo class.
DEMO_CLASS = {
    "alice": SOLUTION,
    "bob": STUB,
    "carol": BUGS[0],   # forgot the upstream gradient
    "dave": BUGS[4],    # composition walks the layers forwards
    "erin": BUGS[3],    # step with the wrong sign
}
