"""The custom-expression language of alert rules: tokenizer, recursive-descent parser, AST and
evaluator. Nothing here calls ``eval`` or compiles Python: the AST is the project's own and
only the names and functions listed below can be reached.

Grammar (lowest precedence first)::

    expr    := or
    or      := and ("OR" and)*
    and     := not ("AND" not)*
    not     := "NOT" not | compare
    compare := sum (("<" | "<=" | ">" | ">=" | "==" | "!=") sum)?
    sum     := product (("+" | "-") product)*
    product := unary (("*" | "/" | "%") unary)*
    unary   := "-" unary | atom
    atom    := NUMBER | "true" | "false" | NAME | NAME "(" args? ")" | "(" expr ")"

Names are metrics (``reject_rate``); functions are ``hour()``, ``minute()``, ``weekday()``
(0 = Monday), ``between(x, low, high)``, ``abs``, ``min``, ``max``. Keywords are case-insensitive
(``and``/``AND``); ``&&``, ``||`` and ``!`` are accepted too. Errors carry the 1-based column.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

_TOKEN = re.compile(
    r"\s*(?:(?P<number>\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+)"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_]*)"
    r"|(?P<op><=|>=|==|!=|&&|\|\||[-+*/%<>()!,]))"
)
_KEYWORDS = {"and": "AND", "or": "OR", "not": "NOT", "&&": "AND", "||": "OR", "!": "NOT"}
MAX_LENGTH = 2000
MAX_DEPTH = 50


class ExpressionError(ValueError):
    """An expression that cannot be parsed or evaluated; ``column`` is 1-based (0: unknown)."""

    def __init__(self, message: str, column: int = 0) -> None:
        self.column = column
        super().__init__(f"{message} at column {column}" if column else message)


@dataclass(frozen=True)
class Token:
    kind: str  # number, name, op, end
    text: str
    column: int


@dataclass(frozen=True)
class Number:
    value: float


@dataclass(frozen=True)
class Name:
    name: str
    column: int


@dataclass(frozen=True)
class Call:
    function: str
    args: tuple[Node, ...]
    column: int


@dataclass(frozen=True)
class Unary:
    op: str
    operand: Node


@dataclass(frozen=True)
class Binary:
    op: str
    left: Node
    right: Node


Node = Number | Name | Call | Unary | Binary


def tokenize(text: str) -> list[Token]:
    """The tokens of ``text``; raises :class:`ExpressionError` at the first unknown character."""
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"expression longer than {MAX_LENGTH} characters")
    tokens: list[Token] = []
    position = 0
    while position < len(text):
        if text[position:].isspace():
            break
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            column = position + len(text[position:]) - len(text[position:].lstrip()) + 1
            if text[column - 1] == ".":
                raise ExpressionError("attribute access is not allowed", column)
            raise ExpressionError(f"unexpected character {text[column - 1]!r}", column)
        kind = match.lastgroup or "op"
        value = match.group(kind)
        column = match.start(kind) + 1
        if kind == "name" and value.lower() in _KEYWORDS:
            kind, value = "op", _KEYWORDS[value.lower()]
        elif kind == "op" and value in _KEYWORDS:
            value = _KEYWORDS[value]
        tokens.append(Token(kind, value, column))
        position = match.end()
    tokens.append(Token("end", "", len(text) + 1))
    return tokens


FUNCTIONS: dict[str, tuple[int, int]] = {
    "hour": (0, 0),
    "minute": (0, 0),
    "weekday": (0, 0),
    "between": (3, 3),
    "abs": (1, 1),
    "min": (1, 16),
    "max": (1, 16),
}
"""Function name → (fewest, most) arguments."""
_COMPARISONS = ("<", "<=", ">", ">=", "==", "!=")


class _Parser:
    def __init__(self, tokens: list[Token], allowed_names: frozenset[str] | None) -> None:
        self.tokens = tokens
        self.index = 0
        self.allowed = allowed_names
        self.depth = 0

    @property
    def current(self) -> Token:
        return self.tokens[self.index]

    def take(self, *texts: str) -> Token | None:
        token = self.current
        if token.kind == "op" and token.text in texts:
            self.index += 1
            return token
        return None

    def expect(self, text: str) -> None:
        if self.take(text) is None:
            raise ExpressionError(
                f"expected {text!r}, found {self._describe()}", self.current.column
            )

    def _describe(self) -> str:
        return "end of expression" if self.current.kind == "end" else repr(self.current.text)

    def parse(self) -> Node:
        node = self.or_()
        if self.current.kind != "end":
            raise ExpressionError(f"unexpected {self._describe()}", self.current.column)
        return node

    def or_(self) -> Node:
        node = self.and_()
        while self.take("OR"):
            node = Binary("OR", node, self.and_())
        return node

    def and_(self) -> Node:
        node = self.not_()
        while self.take("AND"):
            node = Binary("AND", node, self.not_())
        return node

    def not_(self) -> Node:
        if self.take("NOT"):
            return Unary("NOT", self._nested(self.not_))
        return self.compare()

    def compare(self) -> Node:
        node = self.sum()
        token = self.take(*_COMPARISONS)
        if token is not None:
            node = Binary(token.text, node, self.sum())
            if self.current.kind == "op" and self.current.text in _COMPARISONS:
                raise ExpressionError("chained comparisons need AND", self.current.column)
        return node

    def sum(self) -> Node:
        node = self.product()
        while (token := self.take("+", "-")) is not None:
            node = Binary(token.text, node, self.product())
        return node

    def product(self) -> Node:
        node = self.unary()
        while (token := self.take("*", "/", "%")) is not None:
            node = Binary(token.text, node, self.unary())
        return node

    def unary(self) -> Node:
        if self.take("-"):
            return Unary("-", self._nested(self.unary))
        return self.atom()

    def _nested(self, rule: Callable[[], Node]) -> Node:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ExpressionError("expression nested too deeply", self.current.column)
        try:
            return rule()
        finally:
            self.depth -= 1

    def atom(self) -> Node:
        token = self.current
        if token.kind == "number":
            self.index += 1
            return Number(float(token.text))
        if token.kind == "name":
            self.index += 1
            return self._name(token)
        if self.take("("):
            node = self._nested(self.or_)
            self.expect(")")
            return node
        raise ExpressionError(f"expected a value, found {self._describe()}", token.column)

    def _name(self, token: Token) -> Node:
        lowered = token.text.lower()
        if lowered in ("true", "false"):
            return Number(1.0 if lowered == "true" else 0.0)
        if self.current.kind == "op" and self.current.text == "(":
            return self._call(token)
        if self.allowed is not None and token.text not in self.allowed:
            raise ExpressionError(f"unknown name {token.text!r}", token.column)
        return Name(token.text, token.column)

    def _call(self, token: Token) -> Node:
        if token.text not in FUNCTIONS:
            raise ExpressionError(f"unknown function {token.text!r}", token.column)
        self.expect("(")
        args: list[Node] = []
        if self.take(")") is None:
            args.append(self._nested(self.or_))
            while self.take(","):
                args.append(self._nested(self.or_))
            self.expect(")")
        low, high = FUNCTIONS[token.text]
        if not low <= len(args) <= high:
            count = f"{low}" if low == high else f"{low} to {high}"
            raise ExpressionError(f"{token.text}() takes {count} arguments", token.column)
        return Call(token.text, tuple(args), token.column)


def parse_expression(text: str, allowed_names: frozenset[str] | None = None) -> Node:
    """The AST of ``text``; with ``allowed_names``, any other name is an error."""
    return _Parser(tokenize(text), allowed_names).parse()


def names_in(node: Node) -> set[str]:
    """The metric names an expression reads."""
    if isinstance(node, Name):
        return {node.name}
    if isinstance(node, Call):
        return set().union(*(names_in(arg) for arg in node.args)) if node.args else set()
    if isinstance(node, Unary):
        return names_in(node.operand)
    if isinstance(node, Binary):
        return names_in(node.left) | names_in(node.right)
    return set()


class MissingValue(Exception):
    """A metric the expression reads has no value now (the rule is in NoData)."""


def evaluate(node: Node, values: Mapping[str, float], now: dt.datetime) -> float:
    """The value of ``node`` (booleans are 1.0 / 0.0) with metric ``values`` at ``now`` (UTC)."""
    if isinstance(node, Number):
        return node.value
    if isinstance(node, Name):
        value = values.get(node.name)
        if value is None or math.isnan(value):
            raise MissingValue(node.name)
        return value
    if isinstance(node, Unary):
        operand = evaluate(node.operand, values, now)
        return float(not operand) if node.op == "NOT" else -operand
    if isinstance(node, Binary):
        return _binary(node, values, now)
    return _call(node, values, now)


def _binary(node: Binary, values: Mapping[str, float], now: dt.datetime) -> float:
    left = evaluate(node.left, values, now)
    if node.op == "AND":
        return float(bool(left) and bool(evaluate(node.right, values, now)))
    if node.op == "OR":
        return float(bool(left) or bool(evaluate(node.right, values, now)))
    right = evaluate(node.right, values, now)
    if node.op in ("/", "%") and right == 0:
        raise ExpressionError("division by zero")
    return _ARITHMETIC[node.op](left, right)


_ARITHMETIC: dict[str, Callable[[float, float], float]] = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / b,
    "%": lambda a, b: a % b,
    "<": lambda a, b: float(a < b),
    "<=": lambda a, b: float(a <= b),
    ">": lambda a, b: float(a > b),
    ">=": lambda a, b: float(a >= b),
    "==": lambda a, b: float(a == b),
    "!=": lambda a, b: float(a != b),
}


def _call(node: Call, values: Mapping[str, float], now: dt.datetime) -> float:
    if node.function == "hour":
        return float(now.hour)
    if node.function == "minute":
        return float(now.minute)
    if node.function == "weekday":
        return float(now.weekday())
    args = [evaluate(arg, values, now) for arg in node.args]
    if node.function == "between":
        return float(args[1] <= args[0] <= args[2])
    if node.function == "abs":
        return abs(args[0])
    return min(args) if node.function == "min" else max(args)
