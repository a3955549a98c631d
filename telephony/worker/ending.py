"""Ending a call: the goodbye, the caller taken out of the room, the room closed, the job ended."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from livekit import api

from telephony.livekit_errors import LIVEKIT_API_ERRORS

if TYPE_CHECKING:
    from livekit.agents import JobContext

    from telephony.worker.state import CallState

logger = logging.getLogger("betool.worker")

GOODBYE_LIMIT_S = 15.0


async def end_call(
    state: CallState,
    reason: str,
    *,
    goodbye: str | None = None,
    interrupt: bool = False,
) -> None:
    """Say goodbye (if asked), then take the caller out and close the room; the job ends."""
    if state.ending:
        return
    state.ending = True
    state.end_reason = reason
    session = state.session
    if session is not None and goodbye:
        try:
            if interrupt:
                await session.interrupt(force=True)
            handle = session.say(goodbye, allow_interruptions=False)
            await asyncio.wait_for(handle.wait_for_playout(), timeout=GOODBYE_LIMIT_S)
        except Exception:
            logger.warning("could not say goodbye on call %s", state.plan.call_id, exc_info=True)
    logger.debug("call %s ends (%s): taking the caller out", state.plan.call_id, reason)
    await disconnect_caller(state)


async def disconnect_caller(state: CallState) -> None:
    ctx = state.ctx
    if state.caller_identity and state.caller_is_sip:
        try:
            await asyncio.wait_for(
                ctx.api.room.remove_participant(
                    api.RoomParticipantIdentity(room=ctx.room.name, identity=state.caller_identity)
                ),
                timeout=5,
            )
        except LIVEKIT_API_ERRORS:
            logger.info("the caller had already left call %s", state.plan.call_id)
    if state.leg is not None:
        state.leg.mark_ended()  # livekit-sip sent its BYE: the call's time stops here
    await close_room(ctx)
    logger.debug("call %s: room closed, the job ends", state.plan.call_id)
    ctx.shutdown(reason=state.end_reason or "hangup")


async def close_room(ctx: JobContext, *, within: float = 5.0) -> None:
    """Delete the call's room, awaited: a deletion left running when the job shuts down is
    cancelled with it, and the caller stays on an answered silent line."""
    room_name = ctx.room.name
    try:
        await asyncio.wait_for(
            ctx.api.room.delete_room(api.DeleteRoomRequest(room=room_name)), timeout=within
        )
    except LIVEKIT_API_ERRORS:
        logger.info("room %s was already gone", room_name)
