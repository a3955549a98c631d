"""Runs one of the async loopback servers in a thread of its own, for code under test that
is synchronous (a Django view that calls ``async_to_sync``) or in another process."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractAsyncContextManager, contextmanager
from typing import TypeVar

T = TypeVar("T")


@contextmanager
def serve_in_thread(open_server: Callable[[], AbstractAsyncContextManager[T]]) -> Iterator[T]:
    """What the server's context manager yields (its URL, or the server), while it runs."""
    loop = asyncio.new_event_loop()
    ready: asyncio.Future[T] = loop.create_future()
    stop = asyncio.Event()
    failure: list[BaseException] = []

    async def run() -> None:
        try:
            async with open_server() as value:
                ready.set_result(value)
                await stop.wait()
        except BaseException as error:  # noqa: BLE001 - surfaced to the caller below
            failure.append(error)
            if not ready.done():
                ready.set_exception(error)

    thread = threading.Thread(target=loop.run_until_complete, args=(run(),), daemon=True)
    thread.start()
    try:
        yield asyncio.run_coroutine_threadsafe(_wait(ready), loop).result(timeout=30)
    finally:
        loop.call_soon_threadsafe(stop.set)
        thread.join(timeout=30)
        loop.close()
    if failure:
        raise failure[0]


async def _wait(future: asyncio.Future[T]) -> T:
    return await future
