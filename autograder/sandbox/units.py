"""Runs inside a student process: a namespace where the student's code for
some units of the notebook meets the reference for everything else, so that
a test of one unit charges only that unit.

The reference program (the notebook's given cells and the reference
solution) is executed in a fresh namespace. The student's functions and
classes of the units under test are then copied in *rebound* to that
namespace: the same code objects, but every global name they look up (other
units, the given classes) now finds the reference. Helpers the student added
under names the reference does not have come along, rebound the same way.

Reference cells are compiled under names that do not start with "<code cell "
(notebook.CELL_FILE_PREFIX, the names of the student's cells),
so a student's traceback never shows their frames or source.
"""
from __future__ import annotations

import builtins
import types
from typing import Any


class Rebinder:
    """Copies of the student's functions and classes whose globals are `new`."""

    def __init__(self, old: dict[str, Any], new: dict[str, Any]):
        self.old, self.new = old, new
        self.memo: dict[int, Any] = {}

    def rebind(self, obj: Any) -> Any:
        key = id(obj)
        if key in self.memo:
            return self.memo[key]
        if isinstance(obj, types.FunctionType) and obj.__globals__ is self.old:
            copy = self._function(obj, None)
        elif isinstance(obj, type) and self._written_by_student(obj):
            copy = self._class(obj)
        else:
            return obj
        self.memo[key] = copy
        return copy

    def _written_by_student(self, cls: type) -> bool:
        return any(isinstance(v, types.FunctionType) and v.__globals__ is self.old
                   for v in (getattr(m, "__func__", m) for m in vars(cls).values()))

    def _function(self, fn: types.FunctionType, class_cell: Any) -> types.FunctionType:
        closure = fn.__closure__
        if closure is not None and class_cell is not None and "__class__" in fn.__code__.co_freevars:
            index = fn.__code__.co_freevars.index("__class__")
            closure = closure[:index] + (class_cell,) + closure[index + 1:]
        copy = types.FunctionType(fn.__code__, self.new, fn.__name__, fn.__defaults__, closure)
        copy.__kwdefaults__ = fn.__kwdefaults__
        copy.__qualname__ = fn.__qualname__
        copy.__doc__ = fn.__doc__
        copy.__dict__.update(fn.__dict__)
        return copy

    def _member(self, value: Any, class_cell: Any) -> Any:
        if isinstance(value, types.FunctionType) and value.__globals__ is self.old:
            return self._function(value, class_cell)
        if isinstance(value, (staticmethod, classmethod)):
            return type(value)(self._member(value.__func__, class_cell))
        if isinstance(value, property):
            parts = [None if f is None else self._member(f, class_cell) for f in (value.fget, value.fset, value.fdel)]
            return property(*parts, value.__doc__)
        return value

    def _base(self, base: type) -> type:
        """A base the notebook gives (Op, Tensor, ...) is the reference's; the student's own base is rebound."""
        name = base.__name__
        if self.old.get(name) is base and isinstance(self.new.get(name), type):
            return self.new[name]
        return self.rebind(base)

    def _class(self, cls: type) -> type:
        class_cell = types.CellType()
        body = {name: self._member(value, class_cell) for name, value in vars(cls).items()
                if name not in ("__dict__", "__weakref__")}
        copy = type(cls)(cls.__name__, tuple(self._base(b) for b in cls.__bases__), body)
        copy.__qualname__ = cls.__qualname__
        class_cell.cell_contents = copy
        return copy


COUNTS = "_graded_calls"  # the global that holds how often each counted function was called


def _counted(fn: Any, name: str, counts: dict[str, int]) -> Any:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        counts[name] += 1
        return fn(*args, **kwargs)
    wrapper.__name__ = wrapper.__qualname__ = getattr(fn, "__name__", name)
    return wrapper


def mixed_namespace(student: dict[str, Any], reference: list[tuple[str, str]], units: list[str],
                    counted: tuple[str, ...] = ()) -> dict[str, Any]:
    """The reference program, with the student's `units` (names) in place of
    its own. A unit the student did not define is left out, so that using it
    fails as it would in the student's notebook. Calls of the `counted`
    functions are counted in the global `_graded_calls` (for example, to see
    that a fit uses the engine)."""
    namespace: dict[str, Any] = {"__name__": "__main__", "__builtins__": builtins}
    for name, source in reference:
        exec(compile(source, f"<reference {name}>", "exec"), namespace)
    reference_names = set(namespace)
    rebinder = Rebinder(student, namespace)
    for name in units:
        if name in student:
            namespace[name] = rebinder.rebind(student[name])
        else:
            namespace.pop(name, None)
    for name, value in list(student.items()):  # the student's own helpers
        if name not in reference_names and not name.startswith("__"):
            namespace[name] = rebinder.rebind(value)
    counts = namespace[COUNTS] = {}
    for name in counted:
        if callable(namespace.get(name)):
            counts[name] = 0
            namespace[name] = _counted(namespace[name], name, counts)
    return namespace
