"""The node-type registry: each type declared once, served to the editor as JSON Schema."""

from __future__ import annotations

import functools
from typing import Any

from pipelines.nodes.agent import AGENT
from pipelines.nodes.agent_tools import BargeInParams
from pipelines.nodes.base import BuildContext, ModelRef, NodeType, TemplateRef
from pipelines.nodes.call_control import (
    HANGUP,
    HOLD,
    TRANSFER,
    HangupParams,
    HoldParams,
    TransferParams,
)
from pipelines.nodes.classifier import CLASSIFIER
from pipelines.nodes.collect_digits import COLLECT_DIGITS, CollectDigitsParams
from pipelines.nodes.http_request import HTTP_REQUEST
from pipelines.nodes.note import NOTE
from pipelines.nodes.router import ROUTER
from pipelines.nodes.say import SAY
from pipelines.nodes.set_variables import SET_VARIABLES
from pipelines.nodes.start import PHONE_GATEWAY, START
from pipelines.turn.events import ActionKind, ActionParams

NODE_TYPES: dict[str, NodeType[Any]] = {
    node_type.key: node_type
    for node_type in (
        START,
        AGENT,
        CLASSIFIER,
        ROUTER,
        SAY,
        SET_VARIABLES,
        COLLECT_DIGITS,
        HTTP_REQUEST,
        TRANSFER,
        HOLD,
        HANGUP,
        NOTE,
    )
}

# The params class of each call-control action the node types emit.
ACTION_PARAMS: dict[ActionKind, type[ActionParams]] = {
    params.kind: params
    for params in (HangupParams, TransferParams, HoldParams, CollectDigitsParams, BargeInParams)
}


@functools.cache
def _catalog() -> tuple[dict[str, Any], ...]:
    return tuple(node_type.catalog_entry() for node_type in NODE_TYPES.values())


def node_type_catalog() -> list[dict[str, Any]]:
    """Every node type for the editor: label, handles, JSON Schema of its config."""
    return [dict(entry) for entry in _catalog()]


__all__ = [
    "ACTION_PARAMS",
    "NODE_TYPES",
    "PHONE_GATEWAY",
    "BuildContext",
    "ModelRef",
    "NodeType",
    "TemplateRef",
    "node_type_catalog",
]
