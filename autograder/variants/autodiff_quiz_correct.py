"""Other right ways of answering the autodiff quiz, as students write them: each must get full marks."""
from . import Variant


def _ways(name: str, description: str, *edits: tuple[int, str, str]) -> Variant:
    return Variant(name, tuple((f"answer_{n} = {right}\n", f"answer_{n} = {other}\n") for n, right, other in edits),
                   description=description)


_NP = "__import__('numpy')"
CORRECT = [
    _ways("numpy_integers", "numpy integers for the choices", (1, "2", f"{_NP}.int64(2)"), (3, "3", f"{_NP}.int32(3)"),
          (12, "[0, 2, 4]", f"[{_NP}.int64(4), 0, {_NP}.int16(2)]")),
    _ways("tuples_any_order", "several answers as tuples, in another order", (7, "[1, 3]", "(3, 1)"),
          (12, "[0, 2, 4]", "(4, 2, 0)")),
    _ways("sets", "several answers as sets", (7, "[1, 3]", "{3, 1}"), (12, "[0, 2, 4]", "{0, 4, 2}")),
    _ways("frozenset_and_array", "a frozenset and a numpy array", (7, "[1, 3]", "frozenset([1, 3])"),
          (12, "[0, 2, 4]", f"{_NP}.array([2, 0, 4])")),
    _ways("short_answer_alternative", "the short answer as an integer's text", (11, "'12.0'", "'12'")),
    _ways("case_and_spacing", "other case and spacing", (2, "'None'", "'  none '"), (5, "'error'", "'Error'"),
          (11, "'12.0'", "' 12.0'")),
    _ways("printed_lines", "the trace as printed, on two lines and with its final newline",
          (10, "'tensor([0., 0.], requires_grad=True) tensor([2., 4.])'",
           "'''tensor([0., 0.],   requires_grad=True)\ntensor([2., 4.])\n'''"), (2, "'None'", "'None\\n'")),
    _ways("backquoted", "answers written in backquotes as in the prompt", (11, "'12.0'", "'`12.0`'"),
          (2, "'None'", "'`None`'")),
    _ways("computed", "answers computed rather than typed", (4, "1", "int('1')"), (8, "1", "len([0])"),
          (7, "[1, 3]", "sorted({3, 1})"), (9, "3", "[0, 1, 2, 3][-1]")),
    _ways("list_of_one_type", "a list built from a range", (12, "[0, 2, 4]", "list(range(0, 5, 2))")),
]
