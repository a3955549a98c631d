"""Error codes of the pipelines app, as the API returns them."""

from enum import StrEnum


class PipelineErrorCode(StrEnum):
    STALE_DRAFT = "stale_draft"
    GRAPH_INVALID = "graph_invalid"
    GRAPH_UNREADABLE = "graph_unreadable"
    GRAPH_TOO_LARGE = "graph_too_large"
    NOT_PUBLISHED = "not_published"
    IN_USE = "pipeline_in_use"
    UNKNOWN_TEMPLATE = "unknown_template"
    UNKNOWN_VERSION = "unknown_version"
