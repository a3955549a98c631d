"""The hot reads as async views, and the static-file middleware that lets them be.

Under uvicorn a sync Django view runs on the one thread that all sync code of the process
shares, so one process answers one request at a time. The main reads (health, me, the
pipelines and calls lists, the balance) are async views instead: their database work runs
on the thread pool (``off_the_loop``), several at once, while the event loop goes on
serving sockets. Every middleware must be async-capable for that; WhiteNoise's is not, so
``StaticFilesMiddleware`` serves the same files async-capably.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from asgiref.sync import iscoroutinefunction, markcoroutinefunction, sync_to_async
from django.conf import settings
from whitenoise.middleware import WhiteNoiseMiddleware

T = TypeVar("T")


def off_the_loop(function: Callable[..., T], /, *args: Any, **kwargs: Any) -> Awaitable[T]:
    """Runs sync (database) work on the thread pool, not on the thread sync views share
    (unless ``WEB_READS_ON_THREAD_POOL`` is off). Everything the response needs must be read
    inside it (no lazy queries after)."""
    shared_thread = not settings.WEB_READS_ON_THREAD_POOL
    return sync_to_async(function, thread_sensitive=shared_thread)(*args, **kwargs)


class OffLoopAuth:
    """Mixed into the API's authentications: in an async view the lookup (session, token,
    membership) runs on the thread pool, in a sync view inline, as before."""

    is_async = True  # django-ninja then awaits what an async view gets back

    def __call__(self, request: Any) -> Any:
        authenticate = super().__call__  # type: ignore[misc]
        try:
            asyncio.get_running_loop()
        except RuntimeError:  # a sync view's thread
            return authenticate(request)
        return off_the_loop(authenticate, request)


class StaticFilesMiddleware(WhiteNoiseMiddleware):
    """WhiteNoise, async-capable: a static file is answered from its index (no I/O but a
    ``stat`` in development), anything else goes on down the chain in the chain's mode."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Any = None, **kwargs: Any) -> None:
        super().__init__(get_response, **kwargs)
        self._async = iscoroutinefunction(get_response)
        if self._async:
            markcoroutinefunction(self)

    def __call__(self, request: Any) -> Any:
        if self._async:
            return self._acall(request)
        return super().__call__(request)

    def _static(self, request: Any) -> Any:
        if self.autorefresh:
            static_file = self.find_file(request.path_info)
        else:
            static_file = self.files.get(request.path_info)
        return None if static_file is None else self.serve(static_file, request)

    async def _acall(self, request: Any) -> Any:
        response = self._static(request)
        if response is None:
            response = await self.get_response(request)
        return response
