"""Pages written for people (feedback for students, the class report for
instructors): jinja2 templates in autograder/templates, autoescaped, since
they show what students' code printed and raised."""
from __future__ import annotations

from jinja2 import Environment, PackageLoader, StrictUndefined


def _number(value: float) -> str:
    return f"{round(value, 2):g}"


def _percent(share: float) -> str:
    return f"{100 * share:.0f}%"


def environment() -> Environment:
    env = Environment(loader=PackageLoader("autograder", "templates"), autoescape=True, undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["number"] = _number
    env.filters["percent"] = _percent
    return env
