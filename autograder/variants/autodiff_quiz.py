"""Realistic misconceptions in the autodiff quiz, each a wrong answer to one question (the case it must fail)."""
from . import Variant
from .backprop import SOLUTION, STUB


def _answer(name: str, number: int, right: str, wrong: str, description: str) -> Variant:
    return Variant(name, ((f"answer_{number} = {right}\n", f"answer_{number} = {wrong}\n"),),
                   (f"test_question[{number}]",), description, max_other_failures=0)


BUGS = [
    _answer("tensor_requires_grad_by_default", 1, "2", "0", "thinks torch.tensor(...) requires grad by default"),
    _answer("grad_starts_at_zeros", 2, "'None'", "'tensor([0., 0., 0.])'",
            "thinks .grad starts as zeros once requires_grad is set"),
    _answer("tracing_with_the_value_none", 2, "'None'", "None",
            "answers a trace with the value None, not the string it prints"),
    _answer("loss_terms_for_gradient", 3, "3", "0", "gives the loss's terms (b - 1)**2 for their derivative"),
    _answer("backward_overwrites_grad", 4, "1", "0", "thinks a second backward overwrites .grad"),
    _answer("second_graph_raises", 4, "1", "2", "thinks any second backward raises, even on a new graph"),
    _answer("freed_graph_accumulates", 5, "'error'", "'tensor([0., 4., 8.])'",
            "thinks backward through the same graph twice just accumulates"),
    _answer("data_is_tracked", 6, "2", "0", "thinks what is computed from b.data is recorded by autograd"),
    _answer("detach_copies", 7, "[1, 3]", "[0, 1]", "thinks detach() returns an independent copy"),
    _answer("several_answers_as_one", 7, "[1, 3]", "3", "gives one choice where several are right"),
    _answer("no_grad_still_requires_grad", 8, "1", "0", "thinks no_grad keeps requires_grad and only drops grad_fn"),
    _answer("leaf_in_place_allowed", 9, "3", "0", "thinks a leaf that requires grad can be changed in place"),
    _answer("step_zeroes_grad", 10, "'tensor([0., 0.], requires_grad=True) tensor([2., 4.])'",
            "'tensor([0., 0.], requires_grad=True) tensor([0., 0.])'", "thinks the update step zeroes .grad"),
    _answer("chain_rule_outer_only", 11, "'12.0'", "'3.0'", "stops the chain rule at dz/dy"),
    _answer("times_zero_zeroes", 12, "[0, 2, 4]", "[0, 1, 2, 4]", "thinks w.grad * 0 zeroes the gradient"),
    _answer("grad_none_forgotten", 12, "[0, 2, 4]", "[0, 2]", "does not know that setting .grad to None works"),
]

DEMO_CLASS = {
    "alice": SOLUTION,
    "bob": STUB,
    "carol": BUGS[4],   # backward overwrites .grad
    "dave": BUGS[8],    # detach copies
    "erin": BUGS[13],   # chain rule stopped at dz/dy
}
