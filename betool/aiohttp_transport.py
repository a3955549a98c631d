"""An ``httpx2`` transport that sends its requests with aiohttp.

The OpenAI and Anthropic SDKs speak ``httpx2``; its own transport (httpcore over anyio, the
HTTP/1.1 parser in Python) takes longer than aiohttp, whose parser is native code, to bring a
streamed request its first token, on the call's event loop: in ``bench/voice_latency.py``'s
``llm_http_floor``, both in one run from a busy process, p50/p95 2.2/3.6 ms for httpx2's,
1.8/2.7 ms for this one. A turn's first sentence waits on that, so the SDKs are given this
transport (``betool.egress``). The SDKs offer the same as ``DefaultAioHttpClient``, a client
that cannot be combined with a transport of one's own (the egress policy's).

The session is made on the first request, inside the event loop that will use it (a call's),
and closed with the transport.
"""

from __future__ import annotations

import contextlib
import functools
import ssl
from collections.abc import AsyncIterator, Iterator
from typing import Any

import aiohttp
import httpx2


@functools.cache
def shared_ssl_context() -> ssl.SSLContext:
    """One TLS context for every language-model connection of the process: building one
    loads the CA bundle, tens of milliseconds of CPU that each call's clients paid again."""
    return httpx2.create_ssl_context()


@contextlib.contextmanager
def _as_httpx_errors(request: httpx2.Request) -> Iterator[None]:
    """aiohttp's failures as the httpx2 exceptions that the SDKs turn into their own
    connection and timeout errors."""
    try:
        yield
    except aiohttp.ConnectionTimeoutError as error:
        raise httpx2.ConnectTimeout(str(error) or "connect timed out", request=request) from error
    except aiohttp.SocketTimeoutError as error:
        raise httpx2.ReadTimeout(str(error) or "read timed out", request=request) from error
    except TimeoutError as error:
        raise httpx2.TimeoutException(str(error) or "timed out", request=request) from error
    except aiohttp.ClientConnectorError as error:
        raise httpx2.ConnectError(str(error), request=request) from error
    except (aiohttp.ServerDisconnectedError, aiohttp.ClientPayloadError) as error:
        raise httpx2.RemoteProtocolError(str(error), request=request) from error
    except aiohttp.ClientError as error:
        raise httpx2.NetworkError(str(error), request=request) from error


class _ResponseStream(httpx2.AsyncByteStream):
    def __init__(self, response: aiohttp.ClientResponse, request: httpx2.Request) -> None:
        self._response = response
        self._request = request

    async def __aiter__(self) -> AsyncIterator[bytes]:
        # Each piece as it arrives: a streamed answer's first event must not wait for more.
        with _as_httpx_errors(self._request):
            async for piece in self._response.content.iter_any():
                yield piece

    async def aclose(self) -> None:
        # Back to the pool when read to the end; otherwise aiohttp closes the connection.
        self._response.release()


class AiohttpTransport(httpx2.AsyncBaseTransport):
    """HTTP/1.1 through one aiohttp session: connections kept alive for ``keepalive_s``, at
    most ``max_connections`` at once, TLS with ``ssl_context`` (the process's shared one by
    default). A request's ``sni_hostname`` extension names the server for TLS when its URL
    holds an address."""

    def __init__(
        self,
        *,
        keepalive_s: float,
        max_connections: int = 100,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self._ssl_context = ssl_context or shared_ssl_context()
        self._keepalive_s = keepalive_s
        self._max_connections = max_connections
        self._session: aiohttp.ClientSession | None = None

    def _open_session(self) -> aiohttp.ClientSession:
        connector = aiohttp.TCPConnector(
            ssl=self._ssl_context,
            keepalive_timeout=self._keepalive_s,
            limit=self._max_connections,
        )
        # The SDK's client decodes the content itself, as with its own transport; cookies
        # are the client's business too.
        return aiohttp.ClientSession(
            connector=connector, auto_decompress=False, cookie_jar=aiohttp.DummyCookieJar()
        )

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        if self._session is None or self._session.closed:
            self._session = self._open_session()
        timeout = request.extensions.get("timeout", {})
        body = await request.aread()
        with _as_httpx_errors(request):
            response = await self._session.request(
                request.method,
                str(request.url),
                headers=request.headers.multi_items(),
                data=body or None,
                allow_redirects=False,  # the client follows them, each hop checked
                server_hostname=request.extensions.get("sni_hostname"),
                timeout=aiohttp.ClientTimeout(
                    total=None,
                    connect=timeout.get("pool"),
                    sock_connect=timeout.get("connect"),
                    sock_read=timeout.get("read"),
                ),
            )
        extensions: dict[str, Any] = {"http_version": b"HTTP/1.1"}
        if response.reason:
            extensions["reason_phrase"] = response.reason.encode()
        return httpx2.Response(
            status_code=response.status,
            headers=response.raw_headers,
            stream=_ResponseStream(response, request),
            request=request,
            extensions=extensions,
        )

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
