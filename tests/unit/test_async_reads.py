"""The hot reads as async views: the middleware chain stays async under ASGI (no request
is funnelled through the one thread sync code shares), and the reads answer from the
thread pool, several at once."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIHandler
from django.test import AsyncClient

from betool.models import Membership
from betool.roles import Role
from pipelines.services import pipeline_create


def test_the_middleware_chain_stays_async_under_asgi(
    caplog: pytest.LogCaptureFixture, settings: Any
) -> None:
    settings.DEBUG = True  # Django says which middleware it adapted only in debug
    caplog.set_level(logging.DEBUG, logger="django.request")
    ASGIHandler()  # loads the middleware as uvicorn's processes do
    assert _adapted(caplog) == []
    # What it was with WhiteNoise's own middleware, which is sync only:
    settings.MIDDLEWARE = [
        "whitenoise.middleware.WhiteNoiseMiddleware" if "StaticFiles" in path else path
        for path in settings.MIDDLEWARE
    ]
    ASGIHandler()
    assert any("WhiteNoiseMiddleware" in message for message in _adapted(caplog))


def _adapted(caplog: pytest.LogCaptureFixture) -> list[str]:
    messages = [r.getMessage() for r in caplog.records if "adapted for" in r.getMessage()]
    caplog.clear()
    return messages


@pytest.mark.django_db(transaction=True)
async def test_the_reads_answer_from_the_thread_pool_concurrently(
    member: Callable[[Role], Membership], settings: Any
) -> None:
    settings.WEB_READS_ON_THREAD_POOL = True
    designer = await sync_to_async(member)(Role.DESIGNER)
    workspace, user = await sync_to_async(lambda: (designer.workspace, designer.user))()
    await sync_to_async(pipeline_create)(workspace=workspace, user=user, name="Desk")
    client = AsyncClient()
    await client.aforce_login(user)
    paths = ["/api/pipelines", "/api/calls", "/api/me", "/api/health"] * 3
    responses = await asyncio.gather(*(client.get(path) for path in paths))
    assert [r.status_code for r in responses] == [200] * len(paths)
    assert [p["name"] for p in responses[0].json()] == ["Desk"]
    assert responses[2].json()["username"] == user.username
