"""Egress policy: where betool's own outgoing connections may go.

HTTP request nodes are drawn by designers and provider base URLs typed by admins; neither
may reach this machine, the private network it sits in, or a cloud metadata service. A
URL's text proves nothing (``http://2130706433/``, ``http://127.1/``, ``0x7f000001``, a name
in ``/etc/hosts``, a DNS answer that changes between check and connect), so the policy
checks the addresses a host *resolves to*, every one of them, and the connection is then
made to the very address that was checked (``EgressTransport`` for httpx and the LLM SDKs'
httpx2, ``egress_aiohttp_session`` for the livekit speech plugins' HTTP and websockets);
each redirect hop goes through the same check.

``BETOOL_HTTP_ALLOW_PRIVATE_NETWORK`` lets loopback and private networks through (an
on-premises CRM or a model server on the machine); link-local and metadata addresses stay
refused whatever the setting.
"""

from __future__ import annotations

import asyncio
import errno
import functools
import ipaddress
import socket
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx

__all__ = [
    "EgressPolicy",
    "EgressRefused",
    "EgressTransport",
    "address_refusal",
    "egress_aiohttp_session",
    "literal_address",
    "llm_egress_transport",
]

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Awaitable[list[str]]]

_CGNAT = ipaddress.ip_network("100.64.0.0/10")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_METADATA_NAMES = frozenset(
    {
        "metadata",
        "metadata.google.internal",
        "metadata.goog",
        "instance-data",
        "instance-data.ec2.internal",
        "metadata.azure.com",
        "metadata.tencentyun.com",
    }
)
_NUMERIC_HOST = frozenset("0123456789abcdefxABCDEFX.")


class EgressRefused(Exception):
    """The destination is not allowed; the message says which host and why."""


def normal_host(host: str) -> str:
    """Lower case, without the trailing dot(s) that make ``localhost.`` a different text."""
    return host.strip().lower().rstrip(".").strip("[]")


def literal_address(host: str) -> IPAddress | None:
    """The address a host *text* stands for, in every form a resolver accepts: dotted,
    ``127.1``, decimal ``2130706433``, hex ``0x7f000001``, octal ``017700000001``, ``0``,
    IPv6 and IPv4-mapped IPv6. None for a name."""
    text = normal_host(host)
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        pass
    if text and set(text) <= _NUMERIC_HOST and text[0].isdigit():
        try:
            return ipaddress.IPv4Address(socket.inet_aton(text))
        except OSError:
            return None
    return None


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def address_refusal(address: IPAddress, *, allow_private: bool) -> str | None:
    """Why betool must not connect to ``address`` (None: it may)."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(address)
        if embedded is not None:
            return address_refusal(embedded, allow_private=allow_private)
    if address.is_link_local:
        return "a link-local address (where cloud metadata lives)"
    if address.is_multicast:
        return "a multicast address"
    if address.is_loopback or address.is_unspecified:
        kind = "this machine (loopback)"
    elif address.is_reserved:
        kind = "a reserved address range"
    elif address in _CGNAT or address.is_private:
        kind = "a private network"
    elif not address.is_global:
        kind = "a reserved address range"
    else:
        return None
    if allow_private and kind != "a reserved address range":
        return None
    return kind


async def _system_resolver(host: str, port: int) -> list[str]:
    loop = asyncio.get_running_loop()
    answers = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(answer[4][0]) for answer in answers]


@dataclass(frozen=True, slots=True)
class EgressPolicy:
    allow_private: bool = False
    # Tests give a stub; the default asks the system (``/etc/hosts`` included).
    resolver: Resolver | None = None

    def refusal_by_name(self, host: str) -> str | None:
        """What the host's text alone shows: a metadata name, ``localhost``, a literal
        address in any encoding. Used where no DNS lookup can be made (validation)."""
        name = normal_host(host)
        if not name:
            return "an empty host"
        if name in _METADATA_NAMES:
            return "a cloud metadata service"
        if name == "localhost" or name.endswith(".localhost"):
            return None if self.allow_private else "this machine (loopback)"
        address = literal_address(name)
        if address is not None:
            return address_refusal(address, allow_private=self.allow_private)
        return None

    async def checked_addresses(self, host: str, port: int) -> list[str]:
        """Every address ``host`` resolves to, each one allowed; raises ``EgressRefused``."""
        name = normal_host(host)
        reason = self.refusal_by_name(name)
        if reason is not None:
            raise EgressRefused(f"requests to {host} are not allowed: it is {reason}")
        literal = literal_address(name)
        if literal is not None:
            return [str(literal)]
        resolve = self.resolver or _system_resolver
        try:
            answers = await resolve(name, port)
        except OSError as error:
            raise EgressRefused(f"{host} could not be resolved ({error})") from None
        if not answers:
            raise EgressRefused(f"{host} could not be resolved")
        for answer in answers:
            address = ipaddress.ip_address(answer.split("%", 1)[0])
            reason = address_refusal(address, allow_private=self.allow_private)
            if reason is not None:
                raise EgressRefused(
                    f"requests to {host} are not allowed: it resolves to {address}, {reason}"
                )
        return answers

    async def check_url(self, url: str) -> None:
        """Resolves the URL's host and checks it; raises ``EgressRefused``."""
        parsed = httpx.URL(url)
        if parsed.scheme not in ("http", "https", "ws", "wss"):
            raise EgressRefused(f"{parsed.scheme or 'that'} addresses are not allowed")
        port = parsed.port or (443 if parsed.scheme in ("https", "wss") else 80)
        await self.checked_addresses(parsed.host, port)


def _transport_class(http: Any) -> Any:
    """The pinning transport for one HTTP library: ``httpx`` (HTTP nodes) or its fork
    ``httpx2`` (what the OpenAI and Anthropic SDKs speak)."""

    class Blocked(http.ConnectError):
        """Raised through the library, so callers that handle connection errors handle it."""

    class Transport(http.AsyncBaseTransport):
        """Connects only to addresses the policy allowed: the request goes to the checked
        address (the name stays in the Host header and in TLS's SNI and certificate check),
        so a DNS answer that changes after the check changes nothing."""

        def __init__(
            self,
            *,
            policy: EgressPolicy,
            inner: Any = None,
            reuse_checked_s: float = 0.0,
            clock: Callable[[], float] = time.monotonic,
        ) -> None:
            """``reuse_checked_s``: how long a host's checked address serves its next
            requests without a new lookup (0: every request looks it up)."""
            self._policy = policy
            self._inner = inner or http.AsyncHTTPTransport()
            self._reuse_s = reuse_checked_s
            self._clock = clock
            # (host, port) -> (until when, the checked address its requests go to)
            self._checked: dict[tuple[str, int], tuple[float, str]] = {}

        async def _address(self, host: str, port: int) -> str:
            key = (host, port)
            now = self._clock()
            held = self._checked.get(key)
            if held is not None and now < held[0]:
                return held[1]
            addresses = await self._policy.checked_addresses(host, port)
            # The address already connected to, while the name still resolves to it: a
            # name whose answers rotate would otherwise open a new connection (TCP and
            # TLS handshakes) on every lookup, since the pool is per address.
            address = held[1] if held is not None and held[1] in addresses else addresses[0]
            if self._reuse_s > 0:
                self._checked[key] = (now + self._reuse_s, address)
            return address

        async def handle_async_request(self, request: Any) -> Any:
            url = request.url
            if url.scheme not in ("http", "https"):
                raise http.UnsupportedProtocol(f"{url.scheme} addresses are not allowed")
            port = url.port or (443 if url.scheme == "https" else 80)
            try:
                address = await self._address(url.host, port)
            except EgressRefused as refused:
                raise Blocked(str(refused), request=request) from None
            if address == url.host:
                return await self._inner.handle_async_request(request)
            extensions = dict(request.extensions)
            if url.scheme == "https":
                extensions["sni_hostname"] = url.host
            # A copy: the client computes redirects and cookies from the request it sent.
            pinned = http.Request(
                request.method,
                url.copy_with(host=address),
                headers=request.headers,  # Host still names the server
                stream=request.stream,
                extensions=extensions,
            )
            return await self._inner.handle_async_request(pinned)

        async def aclose(self) -> None:
            await self._inner.aclose()

    return Transport, Blocked


EgressTransport, EgressBlocked = _transport_class(httpx)


@functools.cache
def _llm_transport_class() -> Any:
    import httpx2

    return _transport_class(httpx2)[0]


# A language model's host is looked up again after this long, not on every turn: each
# lookup is a hop to the loop's thread pool and a resolver query while the caller waits.
# Connections go on to the address that was checked, so a DNS answer that changes within
# this window (rebinding) reaches nothing; a provider moving its addresses is followed
# within it, as a resolver cache would.
LLM_ADDRESS_REUSE_S = 60.0


# How long an idle connection to a model is kept: callers often pause for longer than the
# SDKs' 5 s between turns, and a new connection is a TCP and TLS handshake before the answer.
LLM_KEEPALIVE_S = 120.0


def llm_egress_transport(*, allow_private: bool) -> Any:
    """An ``httpx2`` transport under the policy, for the language-model SDKs: the requests go
    out through aiohttp (``betool/aiohttp_transport.py``: sooner to the first token than
    httpx2's own transport, and less of the call's loop)."""
    from betool.aiohttp_transport import AiohttpTransport

    inner = AiohttpTransport(keepalive_s=LLM_KEEPALIVE_S)
    return _llm_transport_class()(
        policy=EgressPolicy(allow_private=allow_private),
        inner=inner,
        reuse_checked_s=LLM_ADDRESS_REUSE_S,
    )


@functools.cache
def _aiohttp_parts() -> tuple[Any, Any, Any]:
    """aiohttp's resolver and refusal under the policy, built on first use (the web process
    that never opens a speech plugin does not import aiohttp for it)."""
    import aiohttp
    from aiohttp.abc import AbstractResolver, ResolveResult

    class Refused(aiohttp.ClientConnectionError):
        """A connection error to the plugins, so their fallback to local speech applies."""

    class Resolver(AbstractResolver):
        """The connector connects to the addresses this returns: the checked ones (the name
        stays in the Host header and in TLS's SNI and certificate check)."""

        def __init__(self, policy: EgressPolicy) -> None:
            self._policy = policy

        async def resolve(
            self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
        ) -> list[ResolveResult]:
            try:
                addresses = await self._policy.checked_addresses(host, port)
            except EgressRefused as refused:
                # aiohttp says an OSError's strerror in its connection error.
                raise OSError(errno.EACCES, str(refused)) from None
            return [
                ResolveResult(
                    hostname=host,
                    host=address,
                    port=port,
                    family=socket.AF_INET6 if ":" in address else socket.AF_INET,
                    proto=0,
                    flags=socket.AI_NUMERICHOST,
                )
                for address in addresses
            ]

        async def close(self) -> None:
            return None

    return aiohttp, Resolver, Refused


def egress_aiohttp_session(*, policy: EgressPolicy) -> Any:
    """An ``aiohttp.ClientSession`` whose every connection (websockets and redirect hops
    included) goes to an address ``policy`` allowed. Needs a running event loop; its owner
    closes it."""
    aiohttp, Resolver, Refused = _aiohttp_parts()

    async def refuse_literal(_session: Any, _context: Any, params: Any) -> None:
        # aiohttp connects to a literal address without asking the resolver: checked here.
        literal = literal_address(params.url.host or "")
        if literal is None:
            return
        reason = address_refusal(literal, allow_private=policy.allow_private)
        if reason is not None:
            raise Refused(f"requests to {params.url.host} are not allowed: it is {reason}")

    tracing = aiohttp.TraceConfig()
    tracing.on_request_start.append(refuse_literal)
    connector = aiohttp.TCPConnector(
        resolver=Resolver(policy), use_dns_cache=False, limit_per_host=50, keepalive_timeout=120
    )
    return aiohttp.ClientSession(connector=connector, trace_configs=[tracing])
