"""The phone numbers that answer with a pipeline, told by telephony.

Numbers belong to telephony, the layer above pipelines. It registers how to find them
when its app is ready, so pipelines can show "answers +1555…" and refuse to delete a
pipeline that numbers still route to, without importing telephony.
"""

from __future__ import annotations

from collections.abc import Callable

NumbersByPipeline = Callable[[list[int]], dict[int, list[str]]]


def _no_numbers(_pipeline_ids: list[int]) -> dict[int, list[str]]:
    return {}


_lookup: NumbersByPipeline = _no_numbers


def numbers_lookup_register(lookup: NumbersByPipeline) -> None:
    global _lookup
    _lookup = lookup


def numbers_using(pipeline_ids: list[int]) -> dict[int, list[str]]:
    return _lookup(pipeline_ids) if pipeline_ids else {}
