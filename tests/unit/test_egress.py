"""The egress policy: every encoding of a forbidden address, resolved names, redirects, DNS
rebinding and the response caps, through the HTTP request node's real client."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from betool.egress import EgressBlocked, EgressPolicy, EgressRefused, EgressTransport
from pipelines.nodes.http_support import MAX_RESPONSE_BYTES
from pipelines.turn.providers import ProviderRegistry

from .pipelines.graphs import chain, collect, conversation, document, edge, node, start, turn_end

REFUSED_HOSTS = [
    "127.0.0.1",
    "127.0.0.1.",
    "127.1",
    "2130706433",
    "0x7f000001",
    "0x7f.1",
    "017700000001",
    "0177.0.0.1",
    "0",
    "0.0.0.0",
    "localhost",
    "localhost.",
    "LOCALHOST",
    "api.localhost",
    "[::1]",
    "[::]",
    "[::ffff:127.0.0.1]",
    "[::ffff:7f00:1]",
    "[64:ff9b::7f00:1]",
    "[2002:7f00:1::]",
    "10.0.0.7",
    "172.16.0.1",
    "192.168.1.1",
    "100.64.0.1",
    "100.127.255.254",
    "169.254.169.254",
    "[fe80::1]",
    "[fd00:ec2::254]",
    "[::ffff:169.254.169.254]",
    "metadata.google.internal",
    "metadata.google.internal.",
    "224.0.0.1",
    "240.0.0.1",
]
# Refused even when the operator allows the private network.
ALWAYS_REFUSED = {
    "169.254.169.254",
    "[fe80::1]",
    "[::ffff:169.254.169.254]",
    "metadata.google.internal",
    "metadata.google.internal.",
    "224.0.0.1",
    "240.0.0.1",
}
ALLOWED_HOSTS = ["8.8.8.8", "93.184.216.34", "[2606:4700:4700::1111]", "[::ffff:8.8.8.8]"]


async def _no_dns(host: str, port: int) -> list[str]:
    raise AssertionError(f"{host} is an address: it needs no lookup")


@pytest.mark.parametrize("host", REFUSED_HOSTS)
async def test_every_form_of_a_private_address_is_refused(host: str) -> None:
    policy = EgressPolicy(resolver=_no_dns)
    with pytest.raises(EgressRefused, match="not allowed"):
        await policy.checked_addresses(host.strip("[]"), 80)
    assert policy.refusal_by_name(host) is not None


@pytest.mark.parametrize("host", REFUSED_HOSTS)
async def test_the_operator_opt_in_allows_loopback_and_private_but_not_metadata(
    host: str,
) -> None:
    policy = EgressPolicy(allow_private=True, resolver=_no_dns)
    if host in ALWAYS_REFUSED:
        with pytest.raises(EgressRefused):
            await policy.checked_addresses(host.strip("[]"), 80)
    elif host.endswith("localhost") or host.endswith("localhost.") or host == "LOCALHOST":
        assert policy.refusal_by_name(host) is None
    else:
        assert await policy.checked_addresses(host.strip("[]"), 80)


@pytest.mark.parametrize("host", ALLOWED_HOSTS)
async def test_public_addresses_are_allowed(host: str) -> None:
    assert await EgressPolicy(resolver=_no_dns).checked_addresses(host.strip("[]"), 443)


def _hosts_file(mapping: dict[str, list[str]]) -> Any:
    """A resolver that answers like an /etc/hosts file."""

    async def resolve(host: str, port: int) -> list[str]:
        if host not in mapping:
            raise OSError(f"{host}: unknown host")
        return mapping[host]

    return resolve


async def test_names_are_judged_by_every_address_they_resolve_to() -> None:
    policy = EgressPolicy(
        resolver=_hosts_file(
            {
                "crm.internal": ["127.0.0.1"],
                "mixed.example": ["8.8.8.8", "10.1.2.3"],
                "crm.example": ["8.8.4.4"],
                "v6.example": ["::ffff:10.0.0.1"],
            }
        )
    )
    with pytest.raises(EgressRefused, match=r"resolves to 127\.0\.0\.1"):
        await policy.checked_addresses("crm.internal", 80)
    with pytest.raises(EgressRefused, match=r"10\.1\.2\.3"):
        await policy.checked_addresses("mixed.example", 80)
    with pytest.raises(EgressRefused):
        await policy.checked_addresses("v6.example", 80)
    with pytest.raises(EgressRefused, match="could not be resolved"):
        await policy.checked_addresses("nowhere.example", 80)
    assert await policy.checked_addresses("crm.example.", 80) == ["8.8.4.4"]


async def test_a_rebinding_name_is_connected_at_the_address_that_was_checked(
    loopback: _Loopback,
) -> None:
    answers = iter([["8.8.8.8"], ["127.0.0.1"]])  # public first, this machine second

    async def rebinding(host: str, port: int) -> list[str]:
        return next(answers)

    sent: list[httpx.Request] = []

    def upstream(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, text="from the public address")

    transport = EgressTransport(
        policy=EgressPolicy(resolver=rebinding), inner=httpx.MockTransport(upstream)
    )
    async with httpx.AsyncClient(transport=transport) as client:
        url = f"http://rebind.test:{loopback.port}/ok"
        first = await client.get(url)
        assert first.text == "from the public address"
        assert sent[0].url.host == "8.8.8.8"  # the checked address, not a second lookup
        assert sent[0].headers["host"] == f"rebind.test:{loopback.port}"
        with pytest.raises(EgressBlocked, match=r"127\.0\.0\.1"):
            await client.get(url)
    assert loopback.hits == []


# -- the HTTP request node, with the registry's real client and a real local server --------


class _Loopback:
    def __init__(self, server: ThreadingHTTPServer) -> None:
        self.server = server
        self.hits: list[str] = []

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"


@pytest.fixture
def loopback() -> Iterator[_Loopback]:
    state: dict[str, _Loopback] = {}

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            state["it"].hits.append(self.path)
            if self.path.startswith("/redirect?to="):
                self.send_response(302)
                self.send_header("Location", self.path.removeprefix("/redirect?to="))
                self.send_header("Content-Length", "0")
                self.end_headers()
            elif self.path == "/big":
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()  # no length: the reader has to count
                chunk = b" " * 65536
                try:
                    for _ in range((2 * MAX_RESPONSE_BYTES) // len(chunk)):
                        self.wfile.write(chunk)
                except (BrokenPipeError, ConnectionResetError):
                    pass
                self.close_connection = True
            else:
                body = json.dumps({"customer": {"name": "Ada"}}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state["it"] = _Loopback(server)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state["it"]
    server.shutdown()
    server.server_close()


def _http_node_doc(url: str) -> dict[str, Any]:
    nodes = [
        start(),
        node(
            "h",
            "http_request",
            url=url,
            timeout_s=5,
            save=[{"variable": "customer", "path": "customer.name"}],
        ),
        node("ok", "say", text="Hello {{ customer }}."),
        node("bad", "say", text="Sorry."),
    ]
    return document(
        nodes, [*chain("start", "h"), edge("h", "success", "ok"), edge("h", "error", "bad")]
    )


async def _run(url: str, *, allow_private: bool) -> Any:
    providers = ProviderRegistry(allow_private_network=allow_private)
    try:
        events = await collect(conversation(_http_node_doc(url), providers=providers).run_turn("x"))
    finally:
        await providers.aclose()
    return turn_end(events).trace.steps[0]


@pytest.mark.parametrize(
    "spelling", ["127.0.0.1", "2130706433", "127.1", "0x7f000001", "017700000001", "localhost."]
)
async def test_the_node_cannot_reach_a_loopback_listener_by_any_spelling(
    loopback: _Loopback, spelling: str
) -> None:
    step = await _run(f"http://{spelling}:{loopback.port}/ok", allow_private=False)
    assert step.branch == "error"
    assert "not allowed" in step.output
    assert loopback.hits == []


async def test_a_real_redirect_is_followed_and_checked_at_every_hop(loopback: _Loopback) -> None:
    onward = loopback.url("/redirect?to=" + f"http://localhost.:{loopback.port}/ok")
    step = await _run(onward, allow_private=True)
    assert step.branch == "success"
    assert loopback.hits == [onward.split(str(loopback.port), 1)[1], "/ok"]

    loopback.hits.clear()
    to_metadata = loopback.url("/redirect?to=http://169.254.169.254/latest/meta-data")
    step = await _run(to_metadata, allow_private=True)
    assert step.branch == "error"
    assert "169.254.169.254" in step.output
    assert "not allowed" in step.output


async def test_a_redirect_to_the_metadata_name_is_refused(loopback: _Loopback) -> None:
    step = await _run(
        loopback.url("/redirect?to=http://metadata.google.internal./computeMetadata/v1/"),
        allow_private=True,
    )
    assert step.branch == "error"
    assert "metadata" in step.output


async def test_an_answer_over_the_size_cap_takes_the_error_branch(loopback: _Loopback) -> None:
    step = await _run(loopback.url("/big"), allow_private=True)
    assert step.branch == "error"
    assert "larger than 1024 KiB" in step.output


async def test_the_speech_plugins_session_connects_to_the_checked_address(
    loopback: _Loopback,
) -> None:
    """The aiohttp session given to the livekit speech plugins: a name is connected at the
    address the policy checked (one lookup, no second one to rebind), each new connection
    is checked again, and loopback needs the operator's opt-in."""
    import aiohttp

    from betool.egress import egress_aiohttp_session

    answers = iter([["127.0.0.1"], ["169.254.169.254"]])  # this machine, then metadata

    async def rebinding(host: str, port: int) -> list[str]:
        return next(answers)

    session = egress_aiohttp_session(policy=EgressPolicy(allow_private=True, resolver=rebinding))
    url = f"http://speech.test:{loopback.port}/ok"
    try:
        async with session.get(url, headers={"Connection": "close"}) as first:
            assert first.status == 200
        assert loopback.hits == ["/ok"]  # speech.test exists only in the stub's answer
        with pytest.raises(aiohttp.ClientConnectionError, match=r"169\.254\.169\.254"):
            await session.get(url)
    finally:
        await session.close()

    strict = egress_aiohttp_session(policy=EgressPolicy(resolver=lambda h, p: _loopback_only()))
    try:
        with pytest.raises(aiohttp.ClientConnectionError, match="loopback"):
            await strict.get(url)
        with pytest.raises(aiohttp.ClientConnectionError, match="loopback"):
            await strict.get(loopback.url("/literal"))  # a literal skips aiohttp's resolver
        with pytest.raises(aiohttp.ClientConnectionError, match="loopback"):
            await strict.ws_connect(f"ws://speech.test:{loopback.port}/ws")
    finally:
        await strict.close()
    assert loopback.hits == ["/ok"]


async def _loopback_only() -> list[str]:
    return ["127.0.0.1"]


def test_language_model_transports_share_one_verifying_tls_context(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Every call's LLM clients reuse the process's TLS context instead of loading the CA
    bundle again; it still verifies the server's certificate and name."""
    import ssl

    import httpx2

    from betool import aiohttp_transport, egress

    built: list[ssl.SSLContext] = []
    real = httpx2.create_ssl_context

    def counting(*args: Any, **kwargs: Any) -> ssl.SSLContext:
        built.append(real(*args, **kwargs))
        return built[-1]

    aiohttp_transport.shared_ssl_context.cache_clear()
    monkeypatch.setattr(httpx2, "create_ssl_context", counting)
    try:
        egress.llm_egress_transport(allow_private=False)
        egress.llm_egress_transport(allow_private=True)
        assert len(built) == 1
        assert built[0].verify_mode == ssl.CERT_REQUIRED
        assert built[0].check_hostname
    finally:
        aiohttp_transport.shared_ssl_context.cache_clear()


async def test_a_language_model_host_is_looked_up_once_a_minute_and_kept_at_its_address() -> None:
    """A turn does not wait on a DNS lookup: the LLM transport sends a host's requests to
    the address it checked, for ``LLM_ADDRESS_REUSE_S``; then it looks the host up again,
    stays at the address it is connected to while the name still resolves to it (answers
    that rotate must not cost a new connection each time), moves when it no longer does,
    and refuses a name that now resolves to this machine."""
    import httpx2

    from betool import egress

    rotations = iter([["8.8.8.8", "8.8.4.4"], ["8.8.4.4", "8.8.8.8"], ["1.1.1.1"], ["127.0.0.1"]])
    lookups: list[str] = []

    async def rotating(host: str, port: int) -> list[str]:
        lookups.append(host)
        return next(rotations)

    sent: list[str] = []

    def upstream(request: httpx2.Request) -> httpx2.Response:
        sent.append(request.url.host)
        return httpx2.Response(200, text="ok")

    now = [0.0]
    transport = egress._llm_transport_class()(
        policy=EgressPolicy(resolver=rotating),
        inner=httpx2.MockTransport(upstream),
        reuse_checked_s=egress.LLM_ADDRESS_REUSE_S,
        clock=lambda: now[0],
    )
    async with httpx2.AsyncClient(transport=transport) as client:
        url = "https://api.provider.test/v1/chat/completions"
        for _ in range(3):
            await client.post(url)
            now[0] += 10
        assert lookups == ["api.provider.test"]
        now[0] = egress.LLM_ADDRESS_REUSE_S + 1  # past the reuse: looked up again
        await client.post(url)
        now[0] += egress.LLM_ADDRESS_REUSE_S + 1
        await client.post(url)
        assert sent == ["8.8.8.8"] * 4 + ["1.1.1.1"]
        assert len(lookups) == 3
        now[0] += egress.LLM_ADDRESS_REUSE_S + 1
        with pytest.raises(httpx2.ConnectError, match=r"127\.0\.0\.1"):
            await client.post(url)
    assert len(sent) == 5
