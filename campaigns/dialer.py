"""How the campaign dialer places one call: by default through telephony's outbound call
(LiveKit dispatches the worker, which dials over SIP). Tests give a simulated network."""

from __future__ import annotations

from typing import Any, Protocol

from pipelines.models import PipelineVersion
from telephony.models import AnsweringMachineMode, Call, PhoneNumber
from telephony.services import call_outbound_create


class Dialer(Protocol):
    def place(
        self,
        *,
        number: PhoneNumber,
        to_number: str,
        variables: dict[str, Any],
        version: PipelineVersion,
        answering_machine: AnsweringMachineMode | None,
    ) -> Call:
        """A Call placed (ringing), or ``telephony.selectors.CallRejected``."""
        ...


class OutboundCallDialer:
    def place(
        self,
        *,
        number: PhoneNumber,
        to_number: str,
        variables: dict[str, Any],
        version: PipelineVersion,
        answering_machine: AnsweringMachineMode | None,
    ) -> Call:
        return call_outbound_create(
            number=number,
            to_number=to_number,
            variables=variables,
            version=version,
            answering_machine=answering_machine,
        )
