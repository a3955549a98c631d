"""What a suite is: scenarios of caller steps with expectations, as designers write them.

One declaration (pydantic) reads the stored JSON, validates what the API receives and is
served to the editor; ``suite_problems`` adds the checks that need the graph.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    GetJsonSchemaHandler,
    ValidationError,
    model_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

from pipelines.no_input import DEFAULT_SILENCE_TIMEOUT_S
from pipelines.turn.voice import TRANSFER_OUTCOMES, TransferOutcome

VariableValue = str | int | float | bool | None
_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$"


StepKind = Literal["say", "digits", "silence", "hangup", "transfer_outcome", "voicemail"]


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _kind_required(schema: dict[str, Any]) -> None:
    # An expectation is read through the union discriminated by its kind: the kind must be
    # sent, whatever its default when one is built in Python.
    required = schema.setdefault("required", [])
    if "kind" not in required:
        required.insert(0, "kind")


class _Expectation(_Spec):
    model_config = ConfigDict(extra="forbid", json_schema_extra=_kind_required)


class VisitedExpectation(_Expectation):
    """The nodes the turn (or the call) went through."""

    kind: Literal["visited"] = "visited"
    nodes: list[str] = Field(min_length=1)
    # in_order: these nodes, in this order, others may come between; exactly: only these.
    mode: Literal["in_order", "includes", "exactly"] = "in_order"


class NotVisitedExpectation(_Expectation):
    kind: Literal["not_visited"] = "not_visited"
    nodes: list[str] = Field(min_length=1)


class BranchExpectation(_Expectation):
    """A node left by this output (``intent:sales``, ``condition:vip``, ``else``...)."""

    kind: Literal["branch"] = "branch"
    node: str = Field(min_length=1)
    output: str = Field(min_length=1)


class IntentExpectation(_Expectation):
    """``exchange.intent`` after the turn; an empty ``equals`` means no intent was found."""

    kind: Literal["intent"] = "intent"
    equals: str = ""


class VariableExpectation(_Expectation):
    """A variable set to a value; ``equals`` left out means only that it is set."""

    kind: Literal["variable"] = "variable"
    name: str = Field(min_length=1)
    equals: VariableValue = None
    is_set: bool = True


class ActionExpectation(_Expectation):
    """The call was transferred (to ``destination`` if given), held, hung up, or asked for
    digits; ``digits`` checks what a collect-digits node kept."""

    kind: Literal["action"] = "action"
    action: Literal["transfer", "hold", "hangup", "collect_digits", "digits_collected"]
    destination: str = ""
    digits: str = ""


class SaidExpectation(_Expectation):
    """What the agent said. ``mentions`` is judged by a language model when the workspace
    has one, else by the words of ``text`` all being said."""

    kind: Literal["said"] = "said"
    match: Literal["contains", "not_contains", "regex", "mentions"] = "contains"
    text: str = Field(min_length=1, max_length=2000)

    @model_validator(mode="after")
    def _regex_compiles(self) -> SaidExpectation:
        if self.match == "regex":
            try:
                re.compile(self.text)
            except re.error as error:
                message = f"the pattern {self.text!r} is not a regular expression: {error}"
                raise ValueError(message) from None
        return self


class NoFallbackExpectation(_Expectation):
    """The pipeline's fallback line was not needed (no error, timeout or loop limit)."""

    kind: Literal["no_fallback"] = "no_fallback"


class LatencyExpectation(_Expectation):
    """The turn took at most ``max_ms`` (every turn, at the end). ``engine``: the graph's own
    time. ``caller``: from the end of the caller's speech to the agent's first audio, as a
    run by voice measures it; a text run has no audio and checks the engine's time, the part
    of that wait the pipeline owns."""

    kind: Literal["latency"] = "latency"
    max_ms: float = Field(gt=0, le=120_000)
    of: Literal["engine", "caller"] = "engine"


Expectation = Annotated[
    VisitedExpectation
    | NotVisitedExpectation
    | BranchExpectation
    | IntentExpectation
    | VariableExpectation
    | ActionExpectation
    | SaidExpectation
    | NoFallbackExpectation
    | LatencyExpectation,
    Field(discriminator="kind"),
]


class Step(_Spec):
    """One thing the caller does: say text, press digits, stay silent, or hang up; or how
    the telephone network answered the transfer the last turn asked for; or, on an outbound
    call, that a voicemail took it (the Start node's voicemail branch runs)."""

    kind: StepKind = "say"
    text: str = Field("", max_length=2000)
    digits: str = Field("", pattern=r"^[0-9*#]*$", max_length=64)
    seconds: float = Field(0, ge=0, le=600)
    outcome: TransferOutcome | None = None
    expect: list[Expectation] = Field(default_factory=list)

    @model_validator(mode="after")
    def _has_what_it_needs(self) -> Step:
        if self.kind == "say" and not self.text.strip():
            raise ValueError("a 'say' step needs the caller's words")
        if self.kind == "digits" and not self.digits:
            raise ValueError("a 'digits' step needs the keys the caller presses")
        if self.kind == "transfer_outcome" and self.outcome is None:
            raise ValueError(
                "a 'transfer_outcome' step needs the outcome: " + ", ".join(TRANSFER_OUTCOMES)
            )
        if self.kind == "voicemail" and self.text.strip():
            raise ValueError("a 'voicemail' step has no words: the machine's greeting is not heard")
        if self.kind == "hangup" and self.expect:
            raise ValueError("nothing can be expected of a hang-up step: expect it at the end")
        return self


class CannedAnswer(_Spec):
    """A language model's answer, played in order instead of asking a model: text to say,
    and optionally one tool call (``transfer_call``, ``choose_intent``...)."""

    text: str = Field("", max_length=4000)
    tool: str = Field("", pattern=r"^([a-zA-Z][a-zA-Z0-9_]{0,63})?$")
    arguments: dict[str, Any] = Field(default_factory=dict)


class SimulatedCaller(_Spec):
    """A language model plays the caller; the scenario runs ``runs`` times."""

    persona: str = Field(min_length=1, max_length=2000)
    goal: str = Field(min_length=1, max_length=2000)
    max_turns: int = Field(6, ge=1, le=30)
    runs: int = Field(3, ge=1, le=20)
    # The share of runs that must pass (flows with models are not deterministic).
    min_pass_rate: float = Field(0.8, ge=0, le=1)
    model: str = Field("", max_length=120, description="Empty: the workspace's default model.")


class Scenario(_Spec):
    id: str = Field(pattern=_ID_PATTERN)
    name: str = Field(min_length=1, max_length=200)
    caller_number: str = Field("+15550100", max_length=32)
    variables: dict[str, VariableValue] = Field(default_factory=dict)
    # The caller's SIP attributes (``sip.*``, the headers livekit-sip maps included), as a
    # real call's were: a run by voice joins the room with them.
    attributes: dict[str, str] = Field(default_factory=dict, max_length=64)
    # The number's silence timeout the call runs with (0: none); a silence step of this
    # long re-prompts the caller, two in a row hang up.
    silence_timeout_s: float = Field(DEFAULT_SILENCE_TIMEOUT_S, ge=0, le=600)
    steps: list[Step] = Field(default_factory=list, max_length=100)
    # Checked once the steps are done, over the whole call.
    expect: list[Expectation] = Field(default_factory=list)
    # None: the workspace's real models answer; a list (even empty): only these answers.
    model_answers: list[CannedAnswer] | None = None
    simulated: SimulatedCaller | None = None

    @model_validator(mode="after")
    def _steps_or_simulated(self) -> Scenario:
        if self.simulated is None and not self.steps:
            raise ValueError("a scenario needs at least one caller step (or a simulated caller)")
        for index, step in enumerate(self.steps[:-1]):
            if step.kind == "hangup":
                raise ValueError(f"step {index + 1} hangs up: only the last step can")
        return self


class Suite(_Spec):
    scenarios: list[Scenario] = Field(default_factory=list, max_length=500)
    require_passing_to_publish: bool = False

    @model_validator(mode="after")
    def _unique_ids(self) -> Suite:
        seen: set[str] = set()
        for scenario in self.scenarios:
            if scenario.id in seen:
                raise ValueError(f"two scenarios have the id '{scenario.id}'")
            seen.add(scenario.id)
        return self


@dataclass(frozen=True, slots=True)
class _ShapedAs:
    """A field validated as plain JSON, described in JSON Schema as ``model``."""

    model: type[BaseModel]

    def __get_pydantic_json_schema__(
        self, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return handler(self.model.__pydantic_core_schema__)


# A suite document (or one scenario of it) as the API carries it: JSON that the services
# validate with ``suite_parse``, so that a problem is reported where it is (scenario, step),
# and a stored suite that no longer parses is still served, to be fixed. The OpenAPI
# describes its shape all the same.
SuiteDocument = Annotated[dict[str, Any], _ShapedAs(Suite)]
ScenarioDocument = Annotated[dict[str, Any], _ShapedAs(Scenario)]


def empty_suite() -> dict[str, Any]:
    return Suite().model_dump()


class SuiteInvalid(ValueError):
    """The suite cannot be read; ``problems`` says where, in a designer's words."""

    def __init__(self, problems: list[dict[str, Any]]) -> None:
        super().__init__("; ".join(problem["message"] for problem in problems))
        self.problems = problems


def suite_parse(document: Any) -> Suite:
    """Raises ``SuiteInvalid`` with one problem per error, located by scenario and step."""
    try:
        return Suite.model_validate(document)
    except ValidationError as error:
        raise SuiteInvalid([_located(item, document) for item in error.errors()]) from error


def _located(item: Any, document: Any) -> dict[str, Any]:
    location = list(item.get("loc", ()))
    scenario: str | None = None
    step: int | None = None
    if len(location) >= 2 and location[0] == "scenarios" and isinstance(location[1], int):
        scenarios = document.get("scenarios") if isinstance(document, dict) else None
        raw = scenarios[location[1]] if isinstance(scenarios, list) else None
        scenario = str(raw.get("id")) if isinstance(raw, dict) and raw.get("id") else None
        if scenario is None:
            scenario = f"#{location[1] + 1}"
        if len(location) >= 4 and location[2] == "steps" and isinstance(location[3], int):
            step = location[3] + 1
    message = str(item.get("msg", "invalid")).removeprefix("Value error, ")
    where = ".".join(str(part) for part in location)
    return {
        "scenario": scenario,
        "step": step,
        "field": where,
        "message": f"{where}: {message}" if where else message,
    }
