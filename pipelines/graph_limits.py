"""How big a graph may be: a call flow a person draws, not a generated maze.

Past these sizes saving, validating and compiling would cost every user of the process
seconds; the API refuses the graph with 413 and says which limit it passed.
"""

from __future__ import annotations

from typing import Any

from betool.errors import ApiError
from betool.input_limits import json_depth_exceeded
from pipelines.errors import PipelineErrorCode

MAX_NODES = 2_000
MAX_EDGES = 8_000
MAX_DEPTH = 32


def check_graph_size(graph: Any) -> None:
    """Raises ``ApiError`` (413) for a graph with too many nodes or edges, or nested too
    deeply (a viewport or config nested a thousand levels)."""
    if not isinstance(graph, dict):
        return  # the document reader reports the wrong shape
    for key, limit in (("nodes", MAX_NODES), ("edges", MAX_EDGES)):
        items = graph.get(key)
        if isinstance(items, list) and len(items) > limit:
            raise ApiError(
                PipelineErrorCode.GRAPH_TOO_LARGE,
                f"The graph has {len(items):,} {key}; a pipeline may have at most {limit:,}.",
                status=413,
                details={"limit": key, "max": limit},
            )
    if json_depth_exceeded(graph, MAX_DEPTH):
        raise ApiError(
            PipelineErrorCode.GRAPH_TOO_LARGE,
            f"The graph is nested too deeply (at most {MAX_DEPTH} levels).",
            status=413,
            details={"limit": "depth", "max": MAX_DEPTH},
        )
