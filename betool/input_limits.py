"""Limits on what a request may carry, each refused with a clear 4xx instead of a 500.

- Bodies: ``DATA_UPLOAD_MAX_MEMORY_SIZE`` bytes (413), JSON nested at most ``MAX_JSON_DEPTH``
  deep (422: a deeply nested document would otherwise exhaust the recursion limit of every
  reader after the parser).
- Numbers and dates a database cannot hold (``offset=10**20``, a year 392): 422.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest
from ninja.parser import Parser

from betool.errors import ApiError, CoreErrorCode

MAX_JSON_DEPTH = 64
# The range of a database integer (PostgreSQL bigint, SQLite INTEGER).
MAX_DB_INT = 2**63 - 1


def json_depth_exceeded(value: Any, limit: int = MAX_JSON_DEPTH) -> bool:
    """True when ``value`` nests deeper than ``limit`` (iterative: no recursion to exhaust)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


def parse_json(raw: bytes | str) -> Any:
    """A JSON document of bounded depth; raises ``ApiError`` (422) otherwise."""
    try:
        document = json.loads(raw)
    except RecursionError:
        document = None
        too_deep = True
    except ValueError as error:
        raise ApiError(
            CoreErrorCode.INVALID_INPUT, f"The body is not valid JSON ({error}).", status=422
        ) from None
    else:
        too_deep = json_depth_exceeded(document)
    if too_deep:
        raise ApiError(
            CoreErrorCode.INVALID_INPUT,
            f"The JSON is nested too deeply (at most {MAX_JSON_DEPTH} levels).",
            status=422,
        )
    return document


def too_large() -> ApiError:
    from django.conf import settings

    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return ApiError(
        CoreErrorCode.PAYLOAD_TOO_LARGE,
        f"The request is too large (at most {limit // 1024} KiB).",
        status=413,
    )


class LimitedJsonParser(Parser):
    """django-ninja's JSON parser, with the body size and depth limits."""

    def parse_body(self, request: HttpRequest) -> Any:
        try:
            raw = request.body
        except RequestDataTooBig:
            raise too_large() from None
        return parse_json(raw)


__all__ = ["MAX_DB_INT", "MAX_JSON_DEPTH", "LimitedJsonParser", "json_depth_exceeded", "parse_json"]
