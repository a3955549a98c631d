"""Each call-control action's params: one dataclass, sent by field name, in the API schema."""

from __future__ import annotations

import json
from typing import get_args

from pipelines.action_schemas import action_message_schemas
from pipelines.nodes import ACTION_PARAMS
from pipelines.nodes.agent_tools import BargeInParams
from pipelines.nodes.call_control import HangupParams, HoldParams, TransferParams
from pipelines.nodes.collect_digits import CollectDigitsParams
from pipelines.turn.events import ActionEvent, ActionKind

EXAMPLES = (
    HangupParams(reason="pipeline"),
    TransferParams(destination="+15550111", mode="warm"),
    HoldParams(seconds=5.0, music=False, reason="looking it up"),
    CollectDigitsParams(max_digits=4, terminator="", timeout_s=10.0),
    BargeInParams(enabled=False),
)


def test_every_action_has_one_params_class() -> None:
    assert set(ACTION_PARAMS) == set(get_args(ActionKind))
    assert {type(params) for params in EXAMPLES} == set(ACTION_PARAMS.values())


def test_an_action_event_sends_its_params_by_field_name() -> None:
    event = ActionEvent(CollectDigitsParams(max_digits=4, terminator="", timeout_s=10.0), "d")
    assert json.loads(json.dumps(event.as_dict())) == {
        "type": "action",
        "action": "collect_digits",
        "params": {"max_digits": 4, "terminator": "", "timeout_s": 10.0},
        "node_id": "d",
    }


def test_the_api_schema_declares_every_params_field_as_sent() -> None:
    schemas = action_message_schemas()
    for params in EXAMPLES:
        declared = schemas[type(params).__name__]
        assert set(declared["properties"]) == set(params.as_dict())
        assert set(declared["required"]) == set(params.as_dict())
    by_action = {
        member["properties"]["action"]["const"]: member["properties"]["params"]["$ref"]
        for member in schemas["ActionMessage"]["oneOf"]
    }
    assert by_action == {
        kind: f"#/components/schemas/{params.__name__}" for kind, params in ACTION_PARAMS.items()
    }
    assert schemas["TransferParams"]["properties"]["mode"]["enum"] == ["cold", "warm"]
