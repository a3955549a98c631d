"""CPU, memory and time limits of the template sandbox.

A template is written by a designer and fed by an anonymous caller, so every way it can
make a big value or run for long is bounded: integers by bits, each text or list a render
makes by its *weight* (characters, or items summed through nested lists), all the values a
render makes together by a work budget, and the render itself by a wall-clock deadline that
is checked at every operator, filter, call, loop step and output piece (not only before
async nodes). The checks run *before* the expensive step where the size can be known in
advance (``center``, ``*``, ``**``, ``%`` formatting, ``replace``, ``join``...), so a bomb is
refused without being built.

``check_static`` refuses, at validation time, what can be seen without running anything.
"""

from __future__ import annotations

import contextlib
import re
import string
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextvars import ContextVar
from functools import wraps
from typing import Any

from jinja2 import nodes
from jinja2.exceptions import SecurityError

__all__ = [
    "MAX_INT_BITS",
    "MAX_OUTPUT_CHARS",
    "MAX_RENDER_WORK",
    "MAX_SOURCE_CHARS",
    "MAX_VALUE_WEIGHT",
    "RENDER_TIME_LIMIT_S",
    "RenderBudget",
    "TemplateLimitExceeded",
    "checked_binop",
    "checked_filters",
    "current_budget",
    "deadline_scope",
    "render_budget",
]

# A template fills in one spoken line, a URL or a request body, not a file.
MAX_SOURCE_CHARS = 20_000
MAX_OUTPUT_CHARS = 100_000
# Characters of a text, or items of a list (summed through nested lists and dicts).
MAX_VALUE_WEIGHT = 100_000
# Everything one render makes, added up: bounds its memory and the work of its loops.
MAX_RENDER_WORK = 2_000_000
MAX_INT_BITS = 4096
MAX_NESTING = 32
# Outside a turn (the turn's own deadline applies inside one).
RENDER_TIME_LIMIT_S = 2.0
# A template rendered on the event loop blocks every session of the process: it gets this
# much, and the engine runs any template that is not a plain substitution off the loop.
ON_LOOP_TIME_LIMIT_S = 0.05
_MAX_INDENT = 64
_YIELD_EVERY_S = 0.001


class TemplateLimitExceeded(SecurityError):
    """A render went past one of the limits; the message names it, for the trace."""


class RenderBudget:
    """What one render may still spend: work units and time."""

    __slots__ = ("deadline", "limit_s", "next_yield", "work_left")

    def __init__(self, *, deadline: float, limit_s: float) -> None:
        self.deadline = deadline
        self.limit_s = limit_s
        self.work_left = MAX_RENDER_WORK
        self.next_yield = 0.0

    def tick(self) -> None:
        now = time.monotonic()
        if now >= self.next_yield:
            # A long render lets the other threads (the event loop) have the GIL each
            # millisecond, instead of at the interpreter's 5 ms switch interval.
            self.next_yield = now + _YIELD_EVERY_S
            time.sleep(0)
        if now > self.deadline:
            raise TemplateLimitExceeded(
                f"The template ran past its time limit ({self.limit_s:g} s)."
            )

    def spend(self, weight: int) -> None:
        self.work_left -= weight
        if self.work_left < 0:
            raise TemplateLimitExceeded(
                f"The template does too much work (over {MAX_RENDER_WORK:,} characters or "
                "items made in one render)."
            )
        self.tick()


_budget: ContextVar[RenderBudget | None] = ContextVar("betool_render_budget", default=None)
_deadline: ContextVar[float | None] = ContextVar("betool_render_deadline", default=None)


@contextlib.contextmanager
def deadline_scope(deadline: float) -> Iterator[None]:
    """Renders inside get at most until ``deadline`` (``time.monotonic()``, the event loop's
    clock): the turn's deadline, while a node runs."""
    token = _deadline.set(deadline)
    try:
        yield
    finally:
        _deadline.reset(token)


def _on_event_loop() -> bool:
    import asyncio

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


@contextlib.contextmanager
def render_budget() -> Iterator[RenderBudget]:
    """A fresh budget for one render (a nested render shares its caller's)."""
    outer = _budget.get()
    if outer is not None:
        yield outer
        return
    now = time.monotonic()
    ambient = _deadline.get()
    deadline = now + RENDER_TIME_LIMIT_S if ambient is None else ambient
    if _on_event_loop():
        deadline = min(deadline, now + ON_LOOP_TIME_LIMIT_S)
    budget = RenderBudget(deadline=deadline, limit_s=max(0.0, round(deadline - now, 3)))
    token = _budget.set(budget)
    try:
        yield budget
    finally:
        _budget.reset(token)


def current_budget() -> RenderBudget:
    budget = _budget.get()
    if budget is None:
        # Reached only by code that runs templates outside ``render_budget`` (a bug), or by
        # the static checks: a budget of its own still bounds it.
        now = time.monotonic()
        budget = RenderBudget(deadline=now + RENDER_TIME_LIMIT_S, limit_s=RENDER_TIME_LIMIT_S)
    return budget


# -- sizes -----------------------------------------------------------------------------


def _too_big(what: str) -> TemplateLimitExceeded:
    return TemplateLimitExceeded(
        f"{what} makes too big a value for a template (over {MAX_VALUE_WEIGHT:,} characters "
        "or items)."
    )


def weight(value: Any, *, limit: int = MAX_VALUE_WEIGHT, depth: int = 0) -> int:
    """Characters of a text, items of a collection summed through nesting; stops counting
    once past ``limit``."""
    if isinstance(value, str | bytes):
        return len(value)
    if isinstance(value, list | tuple | set | frozenset | dict):
        if depth > MAX_NESTING:
            raise TemplateLimitExceeded(
                f"A value nests deeper than {MAX_NESTING} levels in a template."
            )
        items: Iterable[Any] = value.items() if isinstance(value, dict) else value
        total = len(value)
        for item in items:
            if total > limit:
                break
            if isinstance(item, str):
                total += len(item)
            elif isinstance(item, list | tuple | set | frozenset | dict):
                total += weight(item, limit=limit - total, depth=depth + 1)
        return total
    return 1


def _check_value(value: Any, what: str) -> Any:
    if isinstance(value, int) and not isinstance(value, bool):
        if value.bit_length() > MAX_INT_BITS:
            raise TemplateLimitExceeded(
                f"{what} makes a number too large for a template (over {MAX_INT_BITS} bits)."
            )
        current_budget().tick()
        return value
    size = weight(value)
    if size > MAX_VALUE_WEIGHT:
        raise _too_big(what)
    current_budget().spend(size)
    return value


def _check_width(width: Any, what: str, *, limit: int = MAX_VALUE_WEIGHT) -> None:
    if isinstance(width, int) and width > limit:
        raise _too_big(what)
    if isinstance(width, str) and len(width) > limit:
        raise _too_big(what)


# -- formatting -------------------------------------------------------------------------

_PRINTF_SPEC = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\*|\d+)?(?:\.(\*|\d*))?[hlL]?(.)", re.DOTALL)
_DIGITS = re.compile(r"\d+")


def check_printf(template: str) -> None:
    """``'%030000000d' % 1``: widths and precisions are refused past the text limit."""
    for match in _PRINTF_SPEC.finditer(template):
        for number in match.group(1, 2):
            if number == "*":
                raise TemplateLimitExceeded("'*' widths are not allowed in template formatting.")
            if number and int(number) > MAX_VALUE_WEIGHT:
                raise _too_big("That format width")


def check_format(template: str) -> None:
    """``'{:>1000000000}'.format(x)``: the same for ``str.format``."""
    try:
        fields = list(string.Formatter().parse(template))
    except ValueError:
        return  # the call itself reports the malformed format
    for _, _, spec, _ in fields:
        if not spec:
            continue
        if "{" in spec:
            raise TemplateLimitExceeded("Nested format fields are not allowed in templates.")
        if any(int(number) > MAX_VALUE_WEIGHT for number in _DIGITS.findall(spec)):
            raise _too_big("That format width")


def _check_replace(text: Any, old: Any, new: Any, count: Any = -1) -> None:
    if not isinstance(text, str) or not isinstance(old, str) or not isinstance(new, str):
        return
    growth = len(new) - len(old)
    if growth <= 0:
        return
    hits = len(text) + 1 if not old else text.count(old)
    if isinstance(count, int) and count >= 0:
        hits = min(hits, count)
    if len(text) + hits * growth > MAX_VALUE_WEIGHT:
        raise _too_big("That replace")


def _check_join(separator: Any, items: Any) -> None:
    if not isinstance(items, list | tuple | set | frozenset | dict | str | range):
        return
    gaps = max(0, len(items) - 1) * (len(separator) if isinstance(separator, str) else 1)
    total = gaps
    for item in items if not isinstance(items, dict) else items.keys():
        total += weight(item) if not isinstance(item, int | float) else 24
        if total > MAX_VALUE_WEIGHT:
            raise _too_big("That join")


def _check_repeat(sequence: Any, count: Any) -> None:
    repeated = isinstance(sequence, str | list | tuple) and isinstance(count, int) and count > 0
    if repeated and weight(sequence) * count > MAX_VALUE_WEIGHT:
        raise _too_big("That repetition")


def _int_bits(value: Any) -> int:
    return value.bit_length() if isinstance(value, int) else 0


def _check_binop(operator_name: str, left: Any, right: Any) -> None:
    integers = isinstance(left, int) and isinstance(right, int)
    if operator_name == "**":
        # An exponent's bits multiply: (10**64)**64 is refused before it is computed.
        if integers and right > 0 and abs(left) > 1 and _int_bits(left) * right > MAX_INT_BITS:
            raise TemplateLimitExceeded(
                f"That power makes a number too large for a template (over {MAX_INT_BITS} bits)."
            )
    elif operator_name == "*":
        _check_repeat(left, right)
        _check_repeat(right, left)
        if integers and _int_bits(left) + _int_bits(right) > MAX_INT_BITS + 1:
            raise TemplateLimitExceeded(
                f"That product is too large for a template (over {MAX_INT_BITS} bits)."
            )
    elif operator_name == "%" and isinstance(left, str):
        check_printf(left)
    elif operator_name == "+":
        sequences = isinstance(left, str | list | tuple) and isinstance(right, str | list | tuple)
        if sequences and weight(left) + weight(right) > MAX_VALUE_WEIGHT:
            raise _too_big("That addition")


def checked_binop(
    operator_name: str, left: Any, right: Any, apply: Callable[[Any, Any], Any]
) -> Any:
    current_budget().tick()
    _check_binop(operator_name, left, right)
    return _check_value(apply(left, right), f"The '{operator_name}' operator")


def checked_concat(pieces: Iterable[Any]) -> str:
    """``a ~ b``: each piece is turned to text and the total checked as it grows."""
    parts: list[str] = []
    total = 0
    for piece in pieces:
        text = piece if isinstance(piece, str) else str(piece)
        total += len(text)
        if total > MAX_VALUE_WEIGHT:
            raise _too_big("That '~' concatenation")
        parts.append(text)
    current_budget().spend(total)
    return "".join(parts)


def checked_emit(value: Any) -> Any:
    """Every piece a template outputs (its own text too, which loops repeat) is charged."""
    budget = current_budget()
    budget.spend(len(value) if isinstance(value, str) else weight(value))
    return value


def checked_iterate(iterable: Any) -> Iterator[Any]:
    """The iterable of a ``{% for %}``: each step is charged, the deadline checked."""
    budget = current_budget()
    for item in iterable:
        budget.spend(1)
        yield item


# -- method calls -----------------------------------------------------------------------

_WIDTH_METHODS = frozenset({"center", "ljust", "rjust", "zfill"})
# Methods of builtin values a template may call; others (translate, expandtabs, encode...)
# can blow a text up, and no call flow needs them.
_ALLOWED_METHODS = {
    str: frozenset(
        {
            *_WIDTH_METHODS,
            "capitalize",
            "casefold",
            "count",
            "endswith",
            "find",
            "format",
            "format_map",
            "index",
            "isalnum",
            "isalpha",
            "isdecimal",
            "isdigit",
            "islower",
            "isnumeric",
            "isspace",
            "istitle",
            "isupper",
            "join",
            "lower",
            "lstrip",
            "partition",
            "removeprefix",
            "removesuffix",
            "replace",
            "rfind",
            "rindex",
            "rpartition",
            "rsplit",
            "rstrip",
            "split",
            "splitlines",
            "startswith",
            "strip",
            "swapcase",
            "title",
            "upper",
        }
    ),
    dict: frozenset({"get", "items", "keys", "values", "copy"}),
    list: frozenset({"count", "index", "copy"}),
    tuple: frozenset({"count", "index"}),
}


def check_method_call(function: Any, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> None:
    """Before ``'x'.center(10**9)`` and friends run."""
    owner = getattr(function, "__self__", None)
    name = getattr(function, "__name__", "")
    owner_type = next((kind for kind in _ALLOWED_METHODS if isinstance(owner, kind)), None)
    if owner_type is None or not callable(function) or isinstance(owner, type):
        return
    if name not in _ALLOWED_METHODS[owner_type]:
        raise TemplateLimitExceeded(f"Templates may not call {owner_type.__name__}.{name}().")
    if owner_type is not str:
        return
    if name in _WIDTH_METHODS and args:
        _check_width(args[0], f"{name}()")
    elif name == "replace" and len(args) >= 2:
        _check_replace(owner, *args[:3])
    elif name == "join" and args:
        _check_join(owner, args[0])


def checked_call(call: Callable[[], Any], function: Any) -> Any:
    current_budget().tick()
    return _check_value(call(), f"Calling {getattr(function, '__name__', 'that')}()")


# -- filters ----------------------------------------------------------------------------


def _pre_center(value: Any, width: Any = 80, *_: Any, **__: Any) -> None:
    _check_width(width, "center")


def _pre_indent(value: Any, width: Any = 4, *_: Any, **__: Any) -> None:
    _check_width(width, "indent", limit=_MAX_INDENT)
    lines = str(value).count("\n") + 1 if isinstance(value, str) else 1
    pad = width if isinstance(width, int) else len(width) if isinstance(width, str) else 0
    if lines * pad + weight(value) > MAX_VALUE_WEIGHT:
        raise _too_big("That indent")


def _pre_format(value: Any, *_: Any, **__: Any) -> None:
    if isinstance(value, str):
        check_printf(value)


def _pre_replace(value: Any, old: Any = "", new: Any = "", count: Any = None, **_: Any) -> None:
    _check_replace(value, old, new, -1 if count is None else count)


def _pre_join(value: Any, d: Any = "", attribute: Any = None, **_: Any) -> None:
    if attribute is None:
        _check_join(d, value)


def _pre_count(what: str) -> Callable[..., None]:
    def check(value: Any, count: Any = 1, *_: Any, **__: Any) -> None:
        _check_width(count, what)

    return check


def _pre_tojson(value: Any, indent: Any = None, **_: Any) -> None:
    _check_width(indent, "tojson", limit=_MAX_INDENT)


def _pre_wordwrap(value: Any, width: Any = 79, *_: Any, **__: Any) -> None:
    _check_width(width, "wordwrap")


def _pre_truncate(value: Any, length: Any = 255, *_: Any, **__: Any) -> None:
    _check_width(length, "truncate")


_FILTER_CHECKS: dict[str, Callable[..., None]] = {
    "center": _pre_center,
    "indent": _pre_indent,
    "format": _pre_format,
    "replace": _pre_replace,
    "join": _pre_join,
    "batch": _pre_count("batch"),
    "slice": _pre_count("slice"),
    "tojson": _pre_tojson,
    "wordwrap": _pre_wordwrap,
    "truncate": _pre_truncate,
}


def _checked_filter(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    check = _FILTER_CHECKS.get(name)
    pass_arg = getattr(function, "jinja_pass_arg", None)
    # ``replace`` takes the eval context first; its own arguments follow.
    skip = 1 if pass_arg is not None else 0
    label = f"The '{name}' filter"

    def checked(*args: Any, **kwargs: Any) -> Any:
        current_budget().tick()
        if check is not None:
            check(*args[skip:], **kwargs)
        return _check_value(function(*args, **kwargs), label)

    # ``wraps`` carries Jinja's pass_context / pass_eval_context marker over.
    return wraps(function)(checked)


def checked_filters(filters: Mapping[str, Callable[..., Any]]) -> dict[str, Callable[..., Any]]:
    return {name: _checked_filter(name, function) for name, function in filters.items()}


# -- static checks ----------------------------------------------------------------------


class _NotConstant(Exception):
    pass


def _constant(node: nodes.Node) -> Any:
    """The value of a constant expression, computed with the same checks as at runtime."""
    if isinstance(node, nodes.Const):
        return node.value
    if isinstance(node, nodes.Neg):
        value = _constant(node.node)
        if isinstance(value, int | float):
            return -value
    if isinstance(node, nodes.BinExpr):
        from jinja2.sandbox import SandboxedEnvironment

        apply = SandboxedEnvironment.default_binop_table[node.operator]
        return checked_binop(node.operator, _constant(node.left), _constant(node.right), apply)
    raise _NotConstant


def _loop_depth(node: nodes.Node, depth: int = 0) -> int:
    deepest = depth
    for child in node.iter_child_nodes():
        inner = depth + 1 if isinstance(child, nodes.For) else depth
        deepest = max(deepest, _loop_depth(child, inner))
    return deepest


def check_static(tree: nodes.Template) -> None:
    """What a template would do at every render and can be seen without context: raises
    ``TemplateLimitExceeded`` (a power too large, a width too wide, loops too deep...)."""
    for expression in tree.find_all((nodes.BinExpr, nodes.Filter)):
        try:
            if isinstance(expression, nodes.BinExpr):
                _constant(expression)
            elif isinstance(expression, nodes.Filter):
                check = _FILTER_CHECKS.get(expression.name)
                if check is None:
                    continue
                node_value = _constant(expression.node) if expression.node is not None else ""
                args = [_constant(arg) for arg in expression.args]
                kwargs = {str(kw.key): _constant(kw.value) for kw in expression.kwargs}
                check(node_value, *args, **kwargs)
        except _NotConstant:
            continue
        except TemplateLimitExceeded:
            raise
        except (ArithmeticError, TypeError, ValueError, LookupError):
            continue  # a constant that fails at runtime is reported there
    if _loop_depth(tree) > 3:
        raise TemplateLimitExceeded("Templates may nest loops at most 3 deep.")
