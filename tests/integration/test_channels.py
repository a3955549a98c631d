"""Channels over Redis: a message crosses from this process to another OS process and back."""

from __future__ import annotations

import asyncio
import os
import sys
import uuid

from channels.layers import get_channel_layer
from channels_redis.core import RedisChannelLayer

from tests.integration.conftest import ROOT


async def test_group_message_round_trip_between_two_processes() -> None:
    layer = get_channel_layer()
    assert isinstance(layer, RedisChannelLayer)
    group = f"it-{uuid.uuid4().hex}"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "betool.settings"}
    peer = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.integration.channel_peer",
        group,
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert peer.stdout is not None
    assert peer.stderr is not None
    try:
        ready = await asyncio.wait_for(peer.stdout.readline(), timeout=60)
        if ready.strip() != b"ready":
            stderr = await peer.stderr.read()
            raise AssertionError(f"the peer process did not start: {stderr.decode()[-2000:]}")
        me = await layer.new_channel()
        token = uuid.uuid4().hex
        await layer.group_send(group, {"type": "it.ping", "token": token, "reply_to": me})
        reply = await asyncio.wait_for(layer.receive(me), timeout=30)
        assert reply == {
            "type": "it.pong",
            "token": token,
            "pid": peer.pid,
            "layer": "RedisChannelLayer",
        }
        assert await asyncio.wait_for(peer.wait(), timeout=30) == 0
    finally:
        if peer.returncode is None:
            peer.kill()
            await peer.wait()
