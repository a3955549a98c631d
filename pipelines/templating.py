"""Sandboxed Jinja2 for the templates and conditions that designers write in a graph.

A graph is user input: its templates never reach ``eval`` and never see Python internals.
Three layers keep it that way: a static check refuses any ``_``-prefixed attribute or key at
compile time (a clear error for the designer), the immutable sandbox refuses unsafe attributes
and mutating methods at render time (``attr`` filters, computed keys), and intercepted
operators stop ``'x' * 10**9``-style memory bombs.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from jinja2 import ChainableUndefined, TemplateSyntaxError, nodes
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment

__all__ = [
    "CompiledCondition",
    "CompiledTemplate",
    "TemplateProblem",
    "compile_condition",
    "compile_template",
    "evaluate",
    "render",
    "template_variables",
]

# Bigger results than these are refused: a template renders one spoken line, not a file.
_MAX_REPEAT_RESULT = 10_000
_MAX_POWER_EXPONENT = 64


class TemplateProblem(ValueError):
    """A template or condition that cannot be used; the message is for a designer."""


def _blank_none(value: object) -> object:
    # ``exchange.intent`` is None until a classifier runs; it should read as nothing, not "None".
    return "" if value is None else value


class _BetoolSandbox(ImmutableSandboxedEnvironment):
    intercepted_binops = frozenset({"*", "**"})

    def unsafe_undefined(self, obj: Any, attribute: str) -> Any:
        # The stock sandbox returns a silent Undefined; a designer deserves a loud refusal.
        raise SecurityError(
            f"Templates may not reach {attribute!r} of a {type(obj).__name__}: "
            "internal attributes are off limits."
        )

    def call_binop(self, context: Any, operator_name: str, left: Any, right: Any) -> Any:
        if operator_name == "**":
            if isinstance(right, int | float) and abs(right) > _MAX_POWER_EXPONENT:
                raise SecurityError("That power is too large for a template.")
            return operator.pow(left, right)
        for sequence, count in ((left, right), (right, left)):
            if (
                isinstance(sequence, str | list | tuple)
                and isinstance(count, int)
                and len(sequence) * count > _MAX_REPEAT_RESULT
            ):
                raise SecurityError("That repetition makes too long a text for a template.")
        return operator.mul(left, right)


_ENV = _BetoolSandbox(
    undefined=ChainableUndefined,
    finalize=_blank_none,
    autoescape=False,
    keep_trailing_newline=False,
)


def _refuse_private_access(tree: nodes.Node) -> None:
    for node in tree.find_all((nodes.Getattr, nodes.Getitem)):
        if isinstance(node, nodes.Getattr):
            name: object = node.attr
        elif isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const):
            name = node.arg.value
        else:
            continue
        if isinstance(name, str) and name.startswith("_"):
            raise TemplateProblem(
                f"'{name}' is an internal name; templates may only use exchange fields, "
                "caller details and variables."
            )


def _parse(source: str) -> nodes.Template:
    try:
        tree = _ENV.parse(source)
    except TemplateSyntaxError as error:
        raise TemplateProblem(f"Template error on line {error.lineno}: {error.message}") from None
    _refuse_private_access(tree)
    return tree


def _describe_failure(error: Exception) -> str:
    if isinstance(error, SecurityError):
        return str(error)
    return f"{type(error).__name__}: {error}"


@dataclass(frozen=True, slots=True)
class CompiledTemplate:
    """A template parsed once; a template without Jinja markup renders as its own text."""

    source: str
    _render: Callable[[Mapping[str, Any]], str] | None

    @property
    def is_static(self) -> bool:
        return self._render is None

    def render(self, context: Mapping[str, Any]) -> str:
        if self._render is None:
            return self.source
        try:
            return self._render(context)
        except SecurityError as error:
            raise TemplateProblem(str(error)) from None


@dataclass(frozen=True, slots=True)
class CompiledCondition:
    """A Jinja expression compiled once, evaluated to a bool."""

    source: str
    _evaluate: Callable[..., Any]

    def __call__(self, context: Mapping[str, Any]) -> bool:
        try:
            return bool(self._evaluate(**context))
        except SecurityError as error:
            raise TemplateProblem(str(error)) from None


def _has_markup(source: str) -> bool:
    return "{{" in source or "{%" in source or "{#" in source


def _lookup(scope: Mapping[str, Any], path: tuple[str, ...]) -> str:
    value: Any = scope
    for part in path:
        # Exact dict checks: the scope is plain dicts, and ABC checks cost more than the rest.
        if value.__class__ is not dict and not isinstance(value, Mapping):
            return ""
        value = value.get(part)
    return "" if value is None else str(value)


def _interpolation(tree: nodes.Template) -> Callable[[Mapping[str, Any]], str] | None:
    """A direct renderer for the common template: text and ``{{ dotted.names }}`` only.

    It reads mappings only (never attributes), so it is at least as safe as the sandbox, and
    it skips Jinja's per-render context set-up, which dominates the cost of short templates.
    """
    if len(tree.body) != 1 or not isinstance(tree.body[0], nodes.Output):
        return None
    parts: list[str | tuple[str, ...]] = []
    for child in tree.body[0].nodes:
        if isinstance(child, nodes.TemplateData):
            parts.append(child.data)
            continue
        path = _dotted_path(child)
        if path is None:
            return None
        parts.append(tuple(path.split(".")))
    frozen = tuple(parts)

    def render_parts(scope: Mapping[str, Any]) -> str:
        out: list[str] = []
        for part in frozen:
            out.append(part if part.__class__ is str else _lookup(scope, part))  # type: ignore[arg-type]
        return "".join(out)

    return render_parts


@functools.lru_cache(maxsize=4096)
def compile_template(source: str) -> CompiledTemplate:
    """Parse and check ``source`` once; raises ``TemplateProblem``."""
    if not _has_markup(source):
        return CompiledTemplate(source, None)
    tree = _parse(source)
    fast = _interpolation(tree)
    if fast is not None:
        return CompiledTemplate(source, fast)
    return CompiledTemplate(source, _ENV.from_string(source).render)


@functools.lru_cache(maxsize=4096)
def compile_condition(source: str) -> CompiledCondition:
    """Compile a Jinja expression such as ``exchange.intent == 'billing'``."""
    expression = source.strip()
    if expression.startswith("{{") and expression.endswith("}}"):
        expression = expression[2:-2].strip()
    if not expression:
        raise TemplateProblem("The condition is empty.")
    _parse("{{ " + expression + " }}")
    try:
        compiled = _ENV.compile_expression(expression, undefined_to_none=False)
    except TemplateSyntaxError as error:
        raise TemplateProblem(f"Condition error: {error.message}") from None
    return CompiledCondition(source, compiled)


def render(template: str, context: Mapping[str, Any]) -> str:
    """Render ``template`` against ``context`` in the sandbox; raises ``TemplateProblem``."""
    try:
        return compile_template(template).render(context)
    except TemplateProblem:
        raise
    except Exception as error:
        message = f"The template could not be filled in ({_describe_failure(error)})"
        raise TemplateProblem(message) from error


def evaluate(condition: str, context: Mapping[str, Any]) -> bool:
    """Evaluate a condition expression in the sandbox; raises ``TemplateProblem``."""
    try:
        return compile_condition(condition)(context)
    except TemplateProblem:
        raise
    except Exception as error:
        message = f"The condition could not be checked ({_describe_failure(error)})"
        raise TemplateProblem(message) from error


def _dotted_path(node: nodes.Node) -> str | None:
    parts: list[str] = []
    while isinstance(node, nodes.Getattr):
        parts.append(node.attr)
        node = node.node
    if not isinstance(node, nodes.Name):
        return None
    parts.append(node.name)
    return ".".join(reversed(parts))


def _free_names(tree: nodes.Template) -> set[str]:
    from jinja2 import meta

    return meta.find_undeclared_variables(tree)


@functools.lru_cache(maxsize=4096)
def template_variables(template: str, *, expression: bool = False) -> frozenset[str]:
    """The outside names a template reads, as dotted paths: ``{"exchange.user_message", "plan"}``.

    Only the longest attribute chain from each free name is reported, so a validator can check
    both roots (``plan``) and fields (``exchange.intnet``). Raises ``TemplateProblem``.
    """
    source = "{{ " + template + " }}" if expression else template
    if not expression and not _has_markup(source):
        return frozenset()
    tree = _parse(source)
    free = _free_names(tree)
    paths: set[str] = set()
    inner: set[int] = set()
    for node in tree.find_all(nodes.Getattr):
        if id(node) in inner:
            continue
        path = _dotted_path(node)
        child = node.node
        while isinstance(child, nodes.Getattr):
            inner.add(id(child))
            child = child.node
        if path is not None and path.split(".", 1)[0] in free:
            paths.add(path)
    roots_with_fields = {path.split(".", 1)[0] for path in paths}
    return frozenset(paths | (free - roots_with_fields))
