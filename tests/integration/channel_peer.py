"""The other process of the channel-layer round trip (tests/integration/test_channels.py).

Joins GROUP on the Redis channel layer, says ``ready`` on stdout, answers one ``it.ping``
sent to the group with an ``it.pong`` carrying its own pid, and exits.
"""

from __future__ import annotations

import asyncio
import os
import sys

import django


async def answer_one(group: str) -> None:
    from channels.layers import get_channel_layer

    layer = get_channel_layer()
    assert layer is not None
    me = await layer.new_channel()
    await layer.group_add(group, me)
    print("ready", flush=True)
    message = await asyncio.wait_for(layer.receive(me), timeout=60)
    await layer.send(
        message["reply_to"],
        {
            "type": "it.pong",
            "token": message["token"],
            "pid": os.getpid(),
            "layer": type(layer).__name__,
        },
    )
    await layer.group_discard(group, me)


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "betool.settings")
    django.setup()
    asyncio.run(answer_one(sys.argv[1]))
