"""Health of what betool depends on: the database, Redis and LiveKit."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from django.conf import settings
from django.db import connection


def _timed(check: Any) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        detail = check()
        status = "ok"
    except Exception as exc:  # noqa: BLE001 - a health probe reports failures, never raises them
        detail, status = f"{type(exc).__name__}: {exc}", "error"
    return {
        "status": status,
        "detail": detail,
        "ms": round((time.perf_counter() - started) * 1e3, 1),
    }


def _database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return connection.vendor


def _redis() -> str:
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2)
    try:
        client.ping()
    finally:
        client.close()
    return "ping ok"


def _livekit() -> str:
    from livekit import api

    async def list_rooms() -> int:
        lkapi = api.LiveKitAPI(
            settings.LIVEKIT_URL, settings.LIVEKIT_API_KEY, settings.LIVEKIT_API_SECRET
        )
        try:
            rooms = await asyncio.wait_for(lkapi.room.list_rooms(api.ListRoomsRequest()), timeout=3)
            return len(rooms.rooms)
        finally:
            await lkapi.aclose()

    return f"{asyncio.run(list_rooms())} rooms"


def health_report() -> dict[str, Any]:
    report: dict[str, Any] = {"database": _timed(_database)}
    report["redis"] = (
        _timed(_redis) if settings.REDIS_URL else {"status": "disabled", "detail": "in-memory"}
    )
    report["livekit"] = (
        _timed(_livekit)
        if settings.LIVEKIT_ENABLED
        else {"status": "disabled", "detail": "LIVEKIT_URL is unset: browser chat tests only"}
    )
    report["status"] = (
        "ok" if all(part["status"] != "error" for part in report.values()) else "degraded"
    )
    return report
