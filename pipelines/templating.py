"""Sandboxed Jinja2 for the templates and conditions that designers write in a graph.

A graph is user input: its templates never reach ``eval`` and never see Python internals.
Three layers keep it that way: a static check refuses any ``_``-prefixed attribute or key at
compile time (a clear error for the designer), the immutable sandbox refuses unsafe attributes
and mutating methods at render time (``attr`` filters, computed keys), and every operator,
filter, call, loop and output piece is bounded in size and time (``template_limits``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from jinja2 import ChainableUndefined, TemplateSyntaxError, nodes
from jinja2.compiler import CodeGenerator, Frame
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from pipelines import template_limits as limits

__all__ = [
    "CompiledCondition",
    "CompiledTemplate",
    "TemplateProblem",
    "compile_condition",
    "compile_template",
    "evaluate",
    "is_cheap_condition",
    "render",
    "template_variables",
]


class TemplateProblem(ValueError):
    """A template or condition that cannot be used; the message is for a designer."""


def _blank_none(value: object) -> object:
    # ``exchange.intent`` is None until a classifier runs; it should read as nothing, not "None".
    return "" if value is None else value


def _charged(helper: str, node: nodes.Node) -> nodes.Call:
    return nodes.Call(
        nodes.EnvironmentAttribute(helper), [node], [], None, None, lineno=node.lineno
    )


class _LimitedCodeGenerator(CodeGenerator):
    """Jinja's compiler, with every loop step, output piece and ``~`` going through the
    limits (the sandbox's own hooks only see operators, attributes and calls)."""

    def visit_Template(self, node: nodes.Template, frame: Frame | None = None) -> None:
        for loop in node.find_all(nodes.For):
            loop.iter = _charged("checked_iterate", loop.iter)
        for output in node.find_all(nodes.Output):
            output.nodes = [_charged("checked_emit", child) for child in output.nodes]
        super().visit_Template(node, frame)

    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:
        self.write("environment.checked_concat((")
        for piece in node.nodes:
            self.visit(piece, frame)
            self.write(", ")
        self.write("))")


class _BetoolSandbox(ImmutableSandboxedEnvironment):
    code_generator_class = _LimitedCodeGenerator
    intercepted_binops = frozenset({"+", "-", "*", "/", "//", "%", "**"})
    checked_concat = staticmethod(limits.checked_concat)
    checked_emit = staticmethod(limits.checked_emit)
    checked_iterate = staticmethod(limits.checked_iterate)

    def unsafe_undefined(self, obj: Any, attribute: str) -> Any:
        # The stock sandbox returns a silent Undefined; a designer deserves a loud refusal.
        raise SecurityError(
            f"Templates may not reach {attribute!r} of a {type(obj).__name__}: "
            "internal attributes are off limits."
        )

    def call_binop(self, context: Any, operator_name: str, left: Any, right: Any) -> Any:
        return limits.checked_binop(operator_name, left, right, self.binop_table[operator_name])

    def call(self, context: Any, obj: Any, /, *args: Any, **kwargs: Any) -> Any:
        if obj is limits.checked_emit or obj is limits.checked_iterate:
            return obj(*args)
        limits.check_method_call(obj, args, kwargs)
        return limits.checked_call(
            lambda: ImmutableSandboxedEnvironment.call(self, context, obj, *args, **kwargs), obj
        )

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        wrapped = super().wrap_str_format(value)
        if wrapped is not None:
            limits.check_format(value.__self__)
        return wrapped


_ENV = _BetoolSandbox(
    undefined=ChainableUndefined,
    finalize=_blank_none,
    autoescape=False,
    keep_trailing_newline=False,
    # No constant folding: a filter with constant arguments would run while compiling,
    # outside any budget.
    optimized=False,
)
_ENV.filters = limits.checked_filters(_ENV.filters)
# ``lipsum(n=10**9)`` generates text in a loop no check sees; a call flow has no use for it.
_ENV.globals.pop("lipsum", None)


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
    if len(source) > limits.MAX_SOURCE_CHARS:
        raise TemplateProblem(
            f"The template is too long ({len(source):,} characters; at most "
            f"{limits.MAX_SOURCE_CHARS:,})."
        )
    try:
        tree = _ENV.parse(source)
    except TemplateSyntaxError as error:
        raise TemplateProblem(f"Template error on line {error.lineno}: {error.message}") from None
    except RecursionError:
        raise TemplateProblem("The template nests too deeply.") from None
    _refuse_private_access(tree)
    try:
        limits.check_static(tree)
    except SecurityError as error:
        raise TemplateProblem(str(error)) from None
    return tree


def _output_checked(text: str) -> str:
    if len(text) > limits.MAX_OUTPUT_CHARS:
        raise TemplateProblem(
            f"The template makes too long a text ({len(text):,} characters; at most "
            f"{limits.MAX_OUTPUT_CHARS:,})."
        )
    return text


def _describe_failure(error: Exception) -> str:
    if isinstance(error, SecurityError):
        return str(error)
    return f"{type(error).__name__}: {error}"


@dataclass(frozen=True, slots=True)
class CompiledTemplate:
    """A template parsed once; a template without Jinja markup renders as its own text."""

    source: str
    _render: Callable[[Mapping[str, Any]], str] | None
    # Text and ``{{ dotted.names }}`` only: costs what its values cost, fine on the event loop.
    is_cheap: bool = True

    @property
    def is_static(self) -> bool:
        return self._render is None

    def render(self, context: Mapping[str, Any]) -> str:
        if self._render is None:
            return self.source
        if self.is_cheap:
            return _output_checked(self._render(context))
        with limits.render_budget():
            try:
                text = self._render(context)
            except SecurityError as error:
                raise TemplateProblem(str(error)) from None
            except RecursionError:
                raise TemplateProblem("The template recurses too deeply.") from None
        return _output_checked(text)


@dataclass(frozen=True, slots=True)
class CompiledCondition:
    """A Jinja expression compiled once, evaluated to a bool."""

    source: str
    _evaluate: Callable[..., Any]

    def __call__(self, context: Mapping[str, Any]) -> bool:
        with limits.render_budget():
            try:
                return bool(self._evaluate(**context))
            except SecurityError as error:
                raise TemplateProblem(str(error)) from None
            except RecursionError:
                raise TemplateProblem("The condition recurses too deeply.") from None


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
    return CompiledTemplate(source, _ENV.from_string(tree).render, is_cheap=False)


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


def is_cheap_condition(source: str) -> bool:
    """A condition that only reads a field (``exchange.intent``): no need to leave the loop."""
    try:
        tree = _parse("{{ " + source.strip() + " }}")
    except TemplateProblem:
        return True  # it fails at once, wherever it runs
    return _interpolation(tree) is not None


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
