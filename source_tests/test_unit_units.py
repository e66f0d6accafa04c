"""The namespace where a student's unit meets the reference for the rest (fast)."""
from __future__ import annotations

import builtins

from autograder.sandbox.units import COUNTS, mixed_namespace

REFERENCE = [("given", "class Base:\n    def hello(self):\n        return 'base'\n"),
             ("units", "def helper(x):\n    return x + 1\n\n"
                       "def unit(x):\n    return helper(x) * 2\n\n"
                       "class Layer(Base):\n    def forward(self, x):\n        return helper(x)\n")]


def student_namespace(source: str) -> dict:
    namespace = {"__name__": "__main__", "__builtins__": builtins}
    exec(REFERENCE[0][1], namespace)
    exec(source, namespace)
    return namespace


def test_the_students_unit_calls_the_reference_for_other_names():
    student = student_namespace("def helper(x):\n    return 1000\n\ndef unit(x):\n    return helper(x) * 3\n")
    mixed = mixed_namespace(student, REFERENCE, ["unit"])
    assert mixed["unit"](1) == 6, "the student's unit, the reference's helper"
    assert student["unit"](1) == 3000, "the student's namespace is untouched"
    both = mixed_namespace(student, REFERENCE, ["unit", "helper"])
    assert both["unit"](1) == 3000


def test_a_class_is_rebound_with_its_given_base_and_super():
    student = student_namespace("def _own(x):\n    return -x\n\n"
                                "class Layer(Base):\n    def forward(self, x):\n        return _own(helper(x))\n"
                                "    def hello(self):\n        return 'student ' + super().hello()\n")
    mixed = mixed_namespace(student, REFERENCE, ["Layer"])
    layer = mixed["Layer"]()
    assert isinstance(layer, mixed["Base"]) and not isinstance(layer, student["Base"])
    assert layer.hello() == "student base"
    assert layer.forward(1) == -2, "the student's own helper comes along; the reference's helper is used"


def test_a_unit_the_student_did_not_write_is_missing_and_calls_are_counted():
    mixed = mixed_namespace(student_namespace(""), REFERENCE, ["unit"], counted=("helper",))
    assert "unit" not in mixed
    assert mixed["Layer"]().forward(2) == 3 and mixed[COUNTS] == {"helper": 1}
