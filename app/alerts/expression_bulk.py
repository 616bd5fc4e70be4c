"""An expression evaluated for every scope key at once (numpy arrays instead of one tree walk
per instance), to find the keys whose verdict may not be Clear or NoData.

Each node gives its value per key and two masks: where the per-instance evaluator
(:func:`app.alerts.expression.evaluate`) would raise :class:`~app.alerts.expression.MissingValue`
(a metric without a value), and where it may raise a division by zero. ``AND`` and ``OR``
short-circuit as there: the right side counts only where the left side lets it be evaluated.
The arithmetic is IEEE float64 like Python's floats (``%`` is numpy's ``mod``, which follows
Python's sign rule), so a key is Breach here exactly when it is per instance.
"""

from __future__ import annotations

import datetime as dt
import operator as op
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from app.alerts.expression import Binary, Call, Name, Node, Number, Unary

Array = npt.NDArray[np.float64]
Mask = npt.NDArray[np.bool_]
Column = Callable[[str], Array]
"""A metric's values on the aligned keys (NaN where the key has none)."""

_ARITHMETIC: dict[str, Callable[[Array, Array], Array]] = {
    "+": op.add,
    "-": op.sub,
    "*": op.mul,
    "/": op.truediv,
    "%": np.mod,
    "<": lambda a, b: (a < b).astype(np.float64),
    "<=": lambda a, b: (a <= b).astype(np.float64),
    ">": lambda a, b: (a > b).astype(np.float64),
    ">=": lambda a, b: (a >= b).astype(np.float64),
    "==": lambda a, b: (a == b).astype(np.float64),
    "!=": lambda a, b: (a != b).astype(np.float64),
}


@dataclass(frozen=True)
class Judged:
    """Per key: the value, where a metric is missing, where a division by zero may happen."""

    value: Array
    missing: Mask
    error: Mask


def needs_judging(node: Node, column: Column, size: int, now: dt.datetime) -> Mask:
    """The keys whose verdict may be Breach or Error: every other key is Clear (false) or
    NoData (a metric without a value) for certain."""
    with np.errstate(all="ignore"):
        judged = _walk(node, column, size, now)
    breach: Mask = np.not_equal(judged.value, 0)
    return judged.error | (~judged.missing & breach)


def _const(value: float, size: int) -> Judged:
    none = np.zeros(size, dtype=np.bool_)
    return Judged(np.full(size, value, dtype=np.float64), none, none)


def _walk(node: Node, column: Column, size: int, now: dt.datetime) -> Judged:
    if isinstance(node, Number):
        return _const(node.value, size)
    if isinstance(node, Name):
        values = column(node.name)
        return Judged(values, np.isnan(values), np.zeros(size, dtype=np.bool_))
    if isinstance(node, Unary):
        inner = _walk(node.operand, column, size, now)
        value = (inner.value == 0).astype(np.float64) if node.op == "NOT" else -inner.value
        return Judged(value, inner.missing, inner.error)
    if isinstance(node, Binary):
        return _binary(node, column, size, now)
    return _call(node, column, size, now)


def _binary(node: Binary, column: Column, size: int, now: dt.datetime) -> Judged:
    left = _walk(node.left, column, size, now)
    right = _walk(node.right, column, size, now)
    if node.op in ("AND", "OR"):
        truthy = left.value != 0
        # where the left side raises, the right side is never reached: the raise decides
        goes_on = (truthy if node.op == "AND" else ~truthy) & ~left.missing & ~left.error
        both = (right.value != 0) & truthy if node.op == "AND" else (right.value != 0) | truthy
        return Judged(
            both.astype(np.float64),
            left.missing | (goes_on & right.missing),
            left.error | (goes_on & right.error),
        )
    missing = left.missing | right.missing
    error = left.error | (~left.missing & right.error)
    if node.op in ("/", "%"):
        error = error | (~missing & (right.value == 0))
    return Judged(_ARITHMETIC[node.op](left.value, right.value), missing, error)


def _call(node: Call, column: Column, size: int, now: dt.datetime) -> Judged:
    if node.function in ("hour", "minute", "weekday"):
        at = {"hour": now.hour, "minute": now.minute, "weekday": now.weekday()}
        return _const(float(at[node.function]), size)
    args = [_walk(arg, column, size, now) for arg in node.args]
    missing = np.logical_or.reduce([a.missing for a in args])
    error = np.logical_or.reduce([a.error for a in args])
    values = [a.value for a in args]
    if node.function == "between":
        value = ((values[1] <= values[0]) & (values[0] <= values[2])).astype(np.float64)
    elif node.function == "abs":
        value = np.abs(values[0])
    elif node.function == "min":
        value = np.minimum.reduce(values)
    else:
        value = np.maximum.reduce(values)
    return Judged(value, missing, error)
