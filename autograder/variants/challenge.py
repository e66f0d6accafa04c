"""Realistic mistakes in the challenge, each aimed at one hidden test."""
from . import Variant
from .backprop import SOLUTION, STUB

COS_BACKWARD = "        return -np.sin(self.x) * grad\n"

BUGS = [
    Variant("cos_backward_plus_sin", ((COS_BACKWARD, "        return np.sin(self.x) * grad\n"),),
            ("test_backward_input_gradient", "test_step_without_parameter", "test_contract", "test_end_to_end"),
            "my_cos.backward with +sin (the wrong sign)", max_other_failures=0),
    Variant("cos_backward_uses_output",
            (("        self.x = x\n        return np.cos(x)\n", "        self.x = np.cos(x)\n        return self.x\n"),),
            ("test_backward_input_gradient", "test_step_without_parameter", "test_contract", "test_end_to_end"),
            "my_cos.backward takes sin of its saved output", max_other_failures=0),
    Variant("cos_backward_no_upstream", ((COS_BACKWARD, "        return -np.sin(self.x)\n"),),
            ("test_backward_input_gradient", "test_step_without_parameter", "test_contract", "test_end_to_end"),
            "my_cos.backward drops the upstream gradient", max_other_failures=0),
    Variant("fit2_forgot_exp",
            (("multiplication_weight(w0), add_bias(b0), my_exp()]", "multiplication_weight(w0), add_bias(b0)]"),),
            ("test_fit_challenge2", "test_fit_contract[fit_challenge2]"),
            "fit_challenge2 builds its model without my_exp", max_other_failures=0),
    Variant("fit1_b_never_updated",
            (("add_bias(float(b0)), my_exp()])", "add_bias(2.0), my_exp()])"),
             ("        model.step(rate)\n", "        model.layers[1].step(rate)\n")),
            ("test_fit_challenge1", "test_fit_contract[fit_challenge1]"),
            "fit_challenge1 starts b at 2.0 and never updates it", max_other_failures=0),
    Variant("fit2_returns_public_example",
            (("    return abs(float(layers[0].w)), float(layers[2].w), float(layers[3].b)\n",
              "    return 0.3, 0.5, 2.0\n"),),
            ("test_fit_challenge2", "test_fit_contract[fit_challenge2]"),
            "fit_challenge2 returns the course's example values", max_other_failures=0),
]

BUGS += [
    Variant("fit1_returns_an_array",
            (("    return float(model.layers[1].w), float(model.layers[2].b)\n",
              "    return np.array([model.layers[1].w, model.layers[2].b])\n"),),
            ("test_fit_contract[fit_challenge1]",),
            "fit_challenge1 returns an array where the notebook asks for (w, b) as numbers", max_other_failures=0),
    Variant("fit2_returns_abs_w",
            (("float(layers[2].w), float(layers[3].b)\n", "abs(float(layers[2].w)), float(layers[3].b)\n"),),
            ("test_fit_challenge2[1]", "test_fit_challenge2[3]", "test_fit_contract[fit_challenge2]"),
            "fit_challenge2 returns |w|, wrong for a negative w*", max_other_failures=0),
    Variant("fit1_returns_abs_w",
            (("    return float(model.layers[1].w), float(model.layers[2].b)\n",
              "    return abs(float(model.layers[1].w)), float(model.layers[2].b)\n"),),
            ("test_fit_challenge1[1]", "test_fit_challenge1[3]"),
            "fit_challenge1 returns |w|, wrong for a negative w*", max_other_failures=0),
]

LOOPS_FOREVER = Variant(
    "fit1_loops_forever",
    (("    # log y = w cos(x) + b is linear", "    while True:\n        pass\n    # log y = w cos(x) + b is linear"),),
    ("test_fit_challenge1",), "fit_challenge1 never returns")

DEMO_CLASS = {
    "alice": SOLUTION,
    "bob": STUB,
    "carol": BUGS[1],   # cos backward from its output
    "dave": BUGS[3],    # forgot the exp
    "erin": BUGS[5],    # returns the public example
}
