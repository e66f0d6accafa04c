"""The loop that runs inside a student process.

It executes the notebook's cells in one namespace and then answers the
grader's requests (read a global, read an attribute, call a function or a
method) with plain data or handles. Nothing here is trusted by the grader:
the student's code can rewrite any of it, and only its own answers suffer.
"""
from __future__ import annotations

import builtins
import linecache
import operator
import sys
import traceback
from typing import Any

import numpy as np

from .channel import Channel, ChannelClosed
from .codec import ALLOWED_DTYPES, decode, encode, encode_tensor
from .units import mixed_namespace

MAX_TEXT = 4000
OPERATORS = frozenset({"add", "sub", "mul", "truediv", "matmul", "pow", "neg"})


def _safe_str(value: Any) -> str:
    try:
        text = str(value)
    except BaseException:  # a hostile __str__
        text = "<unprintable>"
    return text if len(text) <= MAX_TEXT else text[:MAX_TEXT] + " ..."


def _describe(exc: BaseException) -> dict:
    frames = traceback.extract_tb(exc.__traceback__)
    # Show the student only the frames of their own cells.
    own = [f for f in frames if f.filename.startswith("<code cell ")]  # notebook.CELL_FILE_PREFIX
    text = "".join(traceback.format_list(own))
    kind = type(exc).__name__
    if isinstance(exc, SystemExit):
        message = f"the code called exit({_safe_str(exc.code)})"
    else:
        message = _safe_str(exc)
    # Name the limit a failure comes from, when it is one of ours.
    errno = getattr(exc, "errno", None)
    if isinstance(exc, MemoryError):
        message += " (the memory limit of the notebook's process was reached)"
    elif errno == 27:  # EFBIG
        message += " (the limit on the size of files and printed output was reached)"
    elif errno == 11 and "fork" in "".join(traceback.format_tb(exc.__traceback__))[-2000:]:
        message += " (the limit on the number of processes was reached)"
    return {"type": kind, "message": message, "traceback": text[-MAX_TEXT:]}


def _jax_values(obj: Any) -> np.ndarray | None:
    """A concrete JAX array as a numpy copy (it crosses as plain data, like a numpy array); None for anything
    else, a traced value included (it has no values: it stays a handle)."""
    jax = sys.modules.get("jax")
    if jax is None or not isinstance(obj, jax.Array) or isinstance(obj, jax.core.Tracer):
        return None
    values = np.array(obj)
    return values if values.dtype.name in ALLOWED_DTYPES else None


class Worker:
    def __init__(self, channel: Channel):
        self.channel = channel
        self.namespace: dict[str, Any] = {"__name__": "__main__", "__builtins__": builtins}
        self.objects: dict[int, Any] = {}
        self.handle_ids: dict[int, int] = {}
        self.spaces: dict[str, dict[str, Any]] = {}  # namespaces mixing student units and the reference

    # -- handles -------------------------------------------------------
    def _handle_for(self, obj: Any) -> dict:
        torch = sys.modules.get("torch")
        if torch is not None and isinstance(obj, torch.Tensor) and obj.layout == torch.strided:
            return encode_tensor(obj.detach().cpu().resolve_conj().resolve_neg().numpy().copy(), obj.requires_grad)
        values = _jax_values(obj)
        if values is not None:
            return encode(values)
        # Its type's handle too: the grader learns a type's methods once, not per object.
        return {"$h": self._hid(obj), "$c": callable(obj), "$n": type(obj).__name__, "$t": self._hid(type(obj))}

    def _hid(self, obj: Any) -> int:
        key = id(obj)
        hid = self.handle_ids.get(key)
        if hid is None:
            hid = len(self.objects) + 1
            self.objects[hid] = obj  # keeps it alive, so id() is not reused
            self.handle_ids[key] = hid
        return hid

    def _plain_tensor(self, obj: Any) -> dict:
        """For `fetch`: tensors are plain data too; anything else is refused."""
        torch = sys.modules.get("torch")
        if (torch is not None and isinstance(obj, torch.Tensor)) or _jax_values(obj) is not None:
            return self._handle_for(obj)
        raise TypeError(f"a {type(obj).__name__} is not plain data")

    def _resolve(self, tag: dict) -> Any:
        try:
            return self.objects[tag["$h"]]
        except (KeyError, TypeError):
            raise LookupError("unknown handle") from None

    def _args(self, message: dict) -> tuple[list, dict]:
        args = decode(message.get("args", []), self._resolve, make_tensors=True)
        kwargs = decode(message["kwargs"], self._resolve, make_tensors=True) if message.get("kwargs") else {}
        return args, kwargs

    # -- requests ------------------------------------------------------
    def run_cell(self, message: dict) -> Any:
        name, source = message["name"], message["source"]
        linecache.cache[name] = (len(source), None, source.splitlines(True), name)
        code = compile(source, name, "exec")
        exec(code, self.namespace)
        plt = sys.modules.get("matplotlib.pyplot")
        if plt is not None:
            plt.close("all")
        return None

    def op_global(self, message: dict) -> Any:
        name = message["name"]
        space = self.namespace if message.get("space") is None else self.spaces[str(message["space"])]
        if name not in space:
            raise NameError(f"name {name!r} is not defined in the notebook")
        return space[name]

    def op_units(self, message: dict) -> Any:
        """Build (once per key) a namespace where the student's `units` meet the reference program."""
        key = str(message["key"])
        if key not in self.spaces:
            reference = [(str(name), str(source)) for name, source in message["reference"]]
            self.spaces[key] = mixed_namespace(self.namespace, reference, [str(n) for n in message["units"]],
                                               tuple(str(n) for n in message.get("counted", ())))
        return None

    def op_getattr(self, message: dict) -> Any:
        target = self._resolve(message["target"])
        value = getattr(target, message["name"])
        if getattr(value, "__self__", None) is target and callable(value):
            return _Method
        return value

    def op_setattr(self, message: dict) -> Any:
        target = self._resolve(message["target"])
        setattr(target, message["name"], decode(message["value"], self._resolve, make_tensors=True))

    def op_call(self, message: dict) -> Any:
        target = self._resolve(message["target"])
        args, kwargs = self._args(message)
        return target(*args, **kwargs)

    def op_callmethod(self, message: dict) -> Any:
        target = self._resolve(message["target"])
        args, kwargs = self._args(message)
        return getattr(target, message["name"])(*args, **kwargs)

    def op_sgd(self, message: dict) -> Any:
        """SGD iterations the grader chose, sent compactly: for each sample,
        model.forward(x), model.compute_loss(output, target), model.backward(),
        then step(rate * factor) on each target the grader named."""
        model = self._resolve(message["model"])
        steps = [(self._resolve(tag), float(rate)) for tag, rate in message["steps"]]
        for x, target, factor in zip(message["x"], message["y"], message["factor"]):
            model.compute_loss(model.forward(float(x)), float(target))
            model.backward()
            for obj, rate in steps:
                obj.step(rate * float(factor))

    def op_operator(self, message: dict) -> Any:
        """An arithmetic operator on handles (and plain values), reflected operands included."""
        name = message["name"]
        if name not in OPERATORS:
            raise LookupError(f"unknown operator {name!r}")
        args, _ = self._args(message)
        return getattr(operator, name)(*args)

    def op_getitem(self, message: dict) -> Any:
        target = self._resolve(message["target"])
        return target[decode(message["key"], self._resolve)]

    def op_put(self, message: dict) -> Any:
        value = decode(message["value"], self._resolve, make_tensors=True)
        return _Stored(value)

    def op_fetch(self, message: dict) -> Any:
        return _Plain(self._resolve(message["target"]))

    def dispatch(self, message: dict) -> dict:
        op = message.get("op")
        if op == "cell":
            self.run_cell(message)
            return {"ok": True}
        if op == "ping":
            return {"ok": True}
        handler = getattr(self, f"op_{op}", None)
        if handler is None:
            return {"ok": False, "error": {"type": "ProtocolError", "message": f"unknown op {op!r}"}}
        result = handler(message)
        if result is _Method:
            return {"ok": True, "method": True}
        if isinstance(result, _Plain):
            return {"ok": True, "value": encode(result.value, self._plain_tensor)}
        if isinstance(result, _Stored):
            return {"ok": True, "value": self._store(result.value)}
        return {"ok": True, "value": encode(result, self._handle_for)}

    def _store(self, value: Any) -> dict:
        hid = len(self.objects) + 1
        self.objects[hid] = value
        self.handle_ids[id(value)] = hid
        return {"$h": hid, "$c": False, "$n": type(value).__name__, "$t": self._hid(type(value))}

    def serve(self) -> None:
        while True:
            try:
                message = self.channel.recv()
            except ChannelClosed:
                return
            try:
                reply = self.dispatch(message)
            except BaseException as exc:  # student code may raise anything, SystemExit included
                reply = {"ok": False, "error": _describe(exc)}
            try:
                self.channel.send(reply)
            except ChannelClosed:
                return
            except BaseException as exc:  # e.g. an answer that cannot be encoded
                self.channel.send({"ok": False, "error": _describe(exc)})


class _Stored:
    __slots__ = ("value",)

    def __init__(self, value: Any):
        self.value = value


class _Plain(_Stored):
    pass


_Method = object()
