"""The language models' transport: httpx2's requests sent with aiohttp, against real local
servers (plain and TLS), under the egress policy's pinning."""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx2
import pytest
from aiohttp import web
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from betool import egress
from betool.aiohttp_transport import AiohttpTransport
from betool.egress import EgressPolicy

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


async def _serve(handler: Handler, ssl_context: ssl.SSLContext | None = None) -> tuple[Any, int]:
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handler)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=ssl_context)
    await site.start()
    server = site._server
    assert server is not None
    return runner, server.sockets[0].getsockname()[1]  # type: ignore[union-attr]


@pytest.fixture
async def serve() -> AsyncIterator[Callable[..., Awaitable[int]]]:
    runners: list[web.AppRunner] = []

    async def start(handler: Handler, ssl_context: ssl.SSLContext | None = None) -> int:
        runner, port = await _serve(handler, ssl_context)
        runners.append(runner)
        return port

    yield start
    for runner in runners:
        await runner.cleanup()


def _certificate(name: str, directory: Path) -> tuple[Path, Path]:
    """A self-signed certificate for ``name`` and its key, as PEM files."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / f"{name}.pem", directory / f"{name}.key"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


async def _resolves_here(host: str, port: int) -> list[str]:
    return ["127.0.0.1"]


def _pinned(inner: AiohttpTransport) -> httpx2.AsyncBaseTransport:
    """The egress policy's transport around ``inner``, every name resolving to loopback."""
    transport: httpx2.AsyncBaseTransport = egress._llm_transport_class()(
        policy=EgressPolicy(allow_private=True, resolver=_resolves_here), inner=inner
    )
    return transport


async def test_a_pinned_tls_request_is_verified_against_the_name_not_the_address(
    serve: Callable[..., Awaitable[int]], tmp_path: Path
) -> None:
    """The policy sends the request to the address it checked; TLS still names the server
    (SNI, the certificate's name) and the Host header still carries it."""
    hosts: list[str] = []

    async def answer(request: web.Request) -> web.Response:
        hosts.append(request.headers["Host"])
        return web.json_response({"ok": True})

    cert, key = _certificate("api.provider.test", tmp_path)
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(cert, key)
    port = await serve(answer, server_tls)
    trusting = ssl.create_default_context(cafile=str(cert))

    inner = AiohttpTransport(keepalive_s=30, ssl_context=trusting)
    async with httpx2.AsyncClient(transport=_pinned(inner)) as client:
        response = await client.get(f"https://api.provider.test:{port}/v1/models")
        assert response.status_code == 200
        assert response.json() == {"ok": True}
        # Another name at the same address: the certificate does not cover it.
        with pytest.raises(httpx2.ConnectError, match="certificate"):
            await client.get(f"https://other.provider.test:{port}/v1/models")
    assert hosts == [f"api.provider.test:{port}"]


async def test_a_streamed_answer_is_read_piece_by_piece_as_it_arrives(
    serve: Callable[..., Awaitable[int]],
) -> None:
    """The first event reaches the reader while the server still holds the rest back: a
    turn's first sentence does not wait for the answer's end."""
    release = asyncio.Event()
    bodies: list[bytes] = []

    async def stream(request: web.Request) -> web.StreamResponse:
        bodies.append(await request.read())
        response = web.StreamResponse(headers={"content-type": "text/event-stream"})
        await response.prepare(request)
        await response.write(b"data: first\n\n")
        await release.wait()
        await response.write(b"data: second\n\n")
        await response.write_eof()
        return response

    port = await serve(stream)
    async with httpx2.AsyncClient(transport=AiohttpTransport(keepalive_s=30)) as client:
        request = client.build_request("POST", f"http://127.0.0.1:{port}/v1", json={"q": 1})
        response = await client.send(request, stream=True)
        pieces = response.aiter_raw()
        assert await asyncio.wait_for(anext(pieces), 5) == b"data: first\n\n"
        release.set()
        assert [piece async for piece in pieces] == [b"data: second\n\n"]
        await response.aclose()
    assert bodies == [b'{"q":1}']


async def test_connections_are_kept_between_requests(
    serve: Callable[..., Awaitable[int]],
) -> None:
    peers: list[object] = []

    async def answer(request: web.Request) -> web.Response:
        peers.append(request.transport and request.transport.get_extra_info("peername"))
        return web.Response(text="ok")

    port = await serve(answer)
    async with httpx2.AsyncClient(transport=AiohttpTransport(keepalive_s=30)) as client:
        for _ in range(3):
            assert (await client.get(f"http://127.0.0.1:{port}/")).text == "ok"
    assert len(peers) == 3
    assert len(set(peers)) == 1


async def test_an_answer_abandoned_midway_does_not_leave_its_connection_to_the_next_request(
    serve: Callable[..., Awaitable[int]],
) -> None:
    """A barge-in stops the model's answer mid-stream: the rest of it must not be read as the
    next request's answer, so that connection is closed, not pooled."""
    peers: list[object] = []
    release = asyncio.Event()

    async def answer(request: web.Request) -> web.StreamResponse:
        peers.append(request.transport and request.transport.get_extra_info("peername"))
        if request.path == "/whole":
            return web.Response(text="the next answer")
        response = web.StreamResponse(headers={"content-type": "text/event-stream"})
        await response.prepare(request)
        await response.write(b"data: first\n\n")
        with contextlib.suppress(ConnectionError):
            await release.wait()
            await response.write(b"data: the rest of the old answer\n\n")
        return response

    port = await serve(answer)
    async with httpx2.AsyncClient(transport=AiohttpTransport(keepalive_s=30)) as client:
        abandoned = await client.send(
            client.build_request("GET", f"http://127.0.0.1:{port}/stream"), stream=True
        )
        assert await anext(abandoned.aiter_raw()) == b"data: first\n\n"
        await abandoned.aclose()
        release.set()
        assert (await client.get(f"http://127.0.0.1:{port}/whole")).text == "the next answer"
    assert len(peers) == 2
    assert peers[0] != peers[1]


async def test_failures_are_the_httpx_errors_the_sdks_handle(
    serve: Callable[..., Awaitable[int]],
) -> None:
    async def stall(request: web.Request) -> web.Response:
        await asyncio.sleep(30)
        return web.Response(text="late")

    port = await serve(stall)
    async with httpx2.AsyncClient(transport=AiohttpTransport(keepalive_s=30)) as client:
        with pytest.raises(httpx2.ReadTimeout):
            await client.get(f"http://127.0.0.1:{port}/", timeout=httpx2.Timeout(5, read=0.2))
        with pytest.raises(httpx2.ConnectError):
            await client.get("http://127.0.0.1:9/")  # the discard port: nothing listens
