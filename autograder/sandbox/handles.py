"""Handles: objects that stay in the student process, as the grader reaches
them. `Student` exposes the notebook's globals (`student.my_exp`), or those
of a namespace mixing the student's units with the reference; `Remote`
stands for any object there (method calls, attribute reads and operators
cross the pipe)."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .codec import encode
from .errors import StudentCrashed

if TYPE_CHECKING:
    from .session import Sandbox

_METHOD = object()


# Operators a handle forwards to the object it stands for (name in Python's `operator` module).
_BINARY = {"add": "+", "sub": "-", "mul": "*", "truediv": "/", "matmul": "@", "pow": "**"}


class Remote:
    """An object in the student process; attribute reads, calls and
    arithmetic operators cross the pipe."""

    __slots__ = ("_sandbox", "_id", "_callable", "_type", "_generation", "_kind")

    def __init__(self, sandbox: Sandbox, tag: dict, generation: int):
        self._sandbox = sandbox
        self._id = tag["$h"]
        self._callable = bool(tag.get("$c"))
        self._type = str(tag.get("$n", "object"))[:80]
        self._generation = generation
        kind = tag.get("$t")
        self._kind = kind if type(kind) is int else ("object", self._id)  # its type, as the student process names it

    def _tag(self) -> dict:
        self._check_generation()
        return {"$h": self._id}

    def _check_generation(self) -> None:
        process = self._sandbox.process
        if process is None or process.generation != self._generation:
            raise StudentCrashed("this object belonged to a run of the notebook that has since ended")

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        known = self._sandbox.known_methods
        if (self._kind, name) in known:
            self._check_generation()
            return _RemoteMethod(self, name)
        value = self._sandbox.request({"op": "getattr", "target": self._tag(), "name": name},
                                      f"reading {self._type}.{name}")
        if value is _METHOD:
            known.add((self._kind, name))
            return _RemoteMethod(self, name)
        return value

    def __setattr__(self, name: str, value: Any) -> None:
        if name in Remote.__slots__:
            object.__setattr__(self, name, value)
            return
        payload = self._sandbox.encode_args((value,), {})["args"][0]
        self._sandbox.request({"op": "setattr", "target": self._tag(), "name": name, "value": payload},
                              f"setting {self._type}.{name}")

    def __getitem__(self, key: Any) -> Any:
        return self._sandbox.request({"op": "getitem", "target": self._tag(), "key": encode(key)},
                                     f"indexing {self._type}")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        message = {"op": "call", "target": self._tag(), **self._sandbox.encode_args(args, kwargs)}
        return self._sandbox.request(message, f"{self._type}()")

    def _operator(self, name: str, *args: Any) -> Any:
        message = {"op": "operator", "name": name, **self._sandbox.encode_args(args, {})}
        symbol = _BINARY.get(name, "-" if name == "neg" else name)
        return self._sandbox.request(message, f"{self._type} {symbol}")

    def __add__(self, other): return self._operator("add", self, other)  # noqa: E704
    def __radd__(self, other): return self._operator("add", other, self)  # noqa: E704
    def __sub__(self, other): return self._operator("sub", self, other)  # noqa: E704
    def __rsub__(self, other): return self._operator("sub", other, self)  # noqa: E704
    def __mul__(self, other): return self._operator("mul", self, other)  # noqa: E704
    def __rmul__(self, other): return self._operator("mul", other, self)  # noqa: E704
    def __truediv__(self, other): return self._operator("truediv", self, other)  # noqa: E704
    def __rtruediv__(self, other): return self._operator("truediv", other, self)  # noqa: E704
    def __matmul__(self, other): return self._operator("matmul", self, other)  # noqa: E704
    def __rmatmul__(self, other): return self._operator("matmul", other, self)  # noqa: E704
    def __pow__(self, other): return self._operator("pow", self, other)  # noqa: E704
    def __neg__(self): return self._operator("neg", self)  # noqa: E704

    def __repr__(self) -> str:
        return f"<student {self._type} object>"


class _RemoteMethod:
    __slots__ = ("owner", "name")

    def __init__(self, owner: Remote, name: str):
        self.owner = owner
        self.name = name

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        sandbox = self.owner._sandbox
        message = {"op": "callmethod", "target": self.owner._tag(), "name": self.name,
                   **sandbox.encode_args(args, kwargs)}
        return sandbox.request(message, f"{self.owner._type}.{self.name}")


class Student:
    """The notebook's global names: `student.my_exp` is the student's `my_exp`.
    With `space`, the names of a namespace built by `Sandbox.units`: the
    student's code for some units, the reference for the rest."""

    __slots__ = ("_sandbox", "_space")

    def __init__(self, sandbox: Sandbox, space: str | None = None):
        object.__setattr__(self, "_sandbox", sandbox)
        object.__setattr__(self, "_space", space)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        sandbox, space = self._sandbox, self._space
        key = name if space is None else f"{space}:{name}"
        known = sandbox.known_globals.get(key)
        if known is not None and sandbox.process is not None and known._generation == sandbox.process.generation:
            return known
        message = {"op": "global", "name": name} if space is None else {"op": "global", "name": name, "space": space}
        value = sandbox.request(message, f"reading {name}")
        if isinstance(value, Remote) and value._callable:
            value._type = name  # name it as the student wrote it, for messages
            sandbox.known_globals[key] = value
        return value
