"""An in-memory stand-in for LiveKit's SIP service, for the unit tier (the integration tier
runs the same code against a real livekit-server)."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from livekit import api

T = TypeVar("T")


class FakeSip:
    def __init__(self) -> None:
        self.inbound: dict[str, api.SIPInboundTrunkInfo] = {}
        self.outbound: dict[str, api.SIPOutboundTrunkInfo] = {}
        self.rules: dict[str, api.SIPDispatchRuleInfo] = {}
        self._ids = itertools.count(1)
        self.calls: list[str] = []

    def _store(self, table: dict[str, Any], prefix: str, info: Any, id_field: str) -> Any:
        stored = type(info)()
        stored.CopyFrom(info)
        setattr(stored, id_field, getattr(info, id_field) or f"{prefix}{next(self._ids)}")
        table[getattr(stored, id_field)] = stored
        return stored

    def _replace(self, table: dict[str, Any], key: str, info: Any, id_field: str) -> Any:
        if key not in table:
            raise api.TwirpError("not_found", "not found", status=404)
        copy = type(info)()
        copy.CopyFrom(info)
        setattr(copy, id_field, key)
        table[key] = copy
        return copy

    async def create_inbound_trunk(self, request: Any) -> Any:
        self.calls.append("create_inbound_trunk")
        return self._store(self.inbound, "ST_in", request.trunk, "sip_trunk_id")

    async def create_outbound_trunk(self, request: Any) -> Any:
        self.calls.append("create_outbound_trunk")
        return self._store(self.outbound, "ST_out", request.trunk, "sip_trunk_id")

    async def create_dispatch_rule(self, request: Any) -> Any:
        self.calls.append("create_dispatch_rule")
        return self._store(self.rules, "SDR_", request.dispatch_rule, "sip_dispatch_rule_id")

    async def update_inbound_trunk(self, trunk_id: str, info: Any) -> Any:
        self.calls.append("update_inbound_trunk")
        return self._replace(self.inbound, trunk_id, info, "sip_trunk_id")

    async def update_outbound_trunk(self, trunk_id: str, info: Any) -> Any:
        self.calls.append("update_outbound_trunk")
        return self._replace(self.outbound, trunk_id, info, "sip_trunk_id")

    async def update_dispatch_rule(self, rule_id: str, info: Any) -> Any:
        self.calls.append("update_dispatch_rule")
        return self._replace(self.rules, rule_id, info, "sip_dispatch_rule_id")

    async def delete_trunk(self, request: Any) -> Any:
        self.calls.append("delete_trunk")
        found = self.inbound.pop(request.sip_trunk_id, None) or self.outbound.pop(
            request.sip_trunk_id, None
        )
        if found is None:
            raise api.TwirpError("not_found", "not found", status=404)
        return found

    async def delete_dispatch_rule(self, request: Any) -> Any:
        self.calls.append("delete_dispatch_rule")
        if request.sip_dispatch_rule_id not in self.rules:
            raise api.TwirpError("not_found", "not found", status=404)
        return self.rules.pop(request.sip_dispatch_rule_id)

    async def list_inbound_trunk(self, request: Any) -> Any:
        return api.ListSIPInboundTrunkResponse(items=list(self.inbound.values()))

    async def list_outbound_trunk(self, request: Any) -> Any:
        return api.ListSIPOutboundTrunkResponse(items=list(self.outbound.values()))

    async def list_dispatch_rule(self, request: Any) -> Any:
        return api.ListSIPDispatchRuleResponse(items=list(self.rules.values()))


class FakeLiveKit:
    def __init__(self) -> None:
        self.sip = FakeSip()
        self.down: Exception | None = None

    def run(self, work: Callable[[Any], Awaitable[T]]) -> T:
        """Stands in for ``telephony.provisioning.livekit._run``."""
        if self.down is not None:
            raise self.down
        return asyncio.run(work(self))  # type: ignore[arg-type]
