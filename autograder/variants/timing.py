"""Submissions that test the time limits: a correct solution made several
times slower (a CPU-burning loop, no sleep), and one whose method hangs or
ends its process. The benchmark's class and the limit tests use them."""
from __future__ import annotations

import importlib

import nbformat

from . import Variant, fill_notebook
from .sweep import released, solution

# Where a hanging or crashing submission goes wrong: (cell grade_id, code appended to it).
BREAKS = {
    "backprop": ("layers", "my_exp.backward = lambda self, grad: {action}"),
    "challenge": ("my_cos", "my_cos.backward = lambda self, grad: {action}"),
    "manual_gradient": ("numpy_gd", "gradient = lambda *args: {action}"),
    "reverse_mode": ("ops_math", "Exp.gradient = lambda self, out_grad, node: {action}"),
}
ACTIONS = {"hang": "next(x for x in iter(int, 1) if x)", "crash": "__import__('os')._exit(3)"}  # hang: spins, allocates nothing

# Appended to the last cell of the reference program: every function and method the notebook
# defined then burns (factor - 1) times its own CPU time after each outermost call. Each wrapper
# finds what it wraps, and its state, through global names, so that the graders' rebinding of a
# unit (sandbox/units.py) rebinds the wrapped code too.
SLOW_DOWN = '''
def _burn(function, args, kwargs):
    clock = __import__("time").process_time
    if _burn.depth:
        return function(*args, **kwargs)
    _burn.depth += 1
    start = clock()
    try:
        return function(*args, **kwargs)
    finally:
        _burn.depth -= 1
        end = clock() + {extra} * (clock() - start)
        while clock() < end:
            pass


_burn.depth = 0


def _ours(value):
    return type(value).__name__ == "function" and value.__globals__ is globals()


def _slowed(key, function):
    globals()["_original_" + key] = function
    exec(f"def _slow_{key}(*args, **kwargs):\\n    return _burn(_original_{key}, args, kwargs)", globals())
    wrapper = globals()["_slow_" + key]
    wrapper.__name__, wrapper.__qualname__, wrapper.__doc__ = function.__name__, function.__qualname__, function.__doc__
    wrapper.__wrapped__ = function
    return wrapper


for _name, _value in list(globals().items()):
    if _name.startswith("_"):
        continue
    if _ours(_value):
        globals()[_name] = _slowed(_name, _value)
    elif isinstance(_value, type) and any(_ours(v) for v in vars(_value).values()):
        for _attribute, _method in list(vars(_value).items()):
            if _ours(_method):
                setattr(_value, _attribute, _slowed(f"{_name}_{_attribute}", _method))
'''


def _solved_cell(assignment: str, grade_id: str) -> str:
    solved = fill_notebook(nbformat.read(str(released(assignment)), 4), nbformat.read(str(solution(assignment)), 4))
    return next(c.source for c in solved.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def broken(assignment: str, action: str) -> Variant:
    """The solution with one student method that hangs ("hang") or ends its process ("crash")."""
    grade_id, code = BREAKS[assignment]
    source = _solved_cell(assignment, grade_id) + "\n" + code.format(action=ACTIONS[action]) + "\n"
    return Variant(action, cells=((grade_id, source),))


def slowed(assignment: str, factor: float = 5.0) -> Variant:
    """The reference solution with every function and method `factor` times slower (CPU, not sleep)."""
    last = importlib.import_module(f"autograder.graders.{assignment}").PROGRAM[-1]
    source = _solved_cell(assignment, last) + "\n" + SLOW_DOWN.replace("{extra}", repr(factor - 1))
    return Variant(f"slowed_{factor:g}x", cells=((last, source),),
                   description=f"the reference solution, every function and method {factor:g} times slower")
