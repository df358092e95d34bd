"""The egress guard: newswatch connects only to public addresses, or to ones allowed by name.

The guard sits where the TCP connection is made (an httpcore network backend): the host is
resolved once, every address is checked, and the connection goes to the address that was
checked, so a DNS answer that changes between check and connect (rebinding) cannot slip a
private address in. Redirects are followed by hand in ``sources/fetcher.py``; each hop opens its
connection through the same guard. Loopback, private, link-local (cloud metadata), CGNAT, ULA,
multicast, reserved and unspecified addresses are refused, IPv4-mapped IPv6 addresses by the
IPv4 address they carry. The allow-list (``HttpSettings.allow``) names addresses or networks,
optionally with one port: tests allow only ``127.0.0.1:<their port>``.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import socket
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any

import httpcore

from core.errors import FetchError
from core.reasons import FailureReason

LOGGER = logging.getLogger(__name__)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[[str, int], Awaitable[list[str]]]
ALLOWED_SCHEMES = frozenset({"http", "https"})


@dataclass(frozen=True, slots=True)
class AllowRule:
    """An address or network let through although not public, optionally on one port only."""

    network: IPNetwork
    port: int | None = None

    def admits(self, address: IPAddress, port: int) -> bool:
        """Whether this rule lets ``address:port`` through."""
        return address in self.network and (self.port is None or self.port == port)


def parse_allow(entries: Iterable[str]) -> tuple[AllowRule, ...]:
    """Rules from ``10.0.0.0/8``, ``127.0.0.1:8080``, ``[::1]:8080``; ValueError for a bad entry."""
    rules = []
    for entry in entries:
        text, port = entry.strip(), None
        if text.startswith("["):
            host, _, rest = text[1:].partition("]")
            text, port = host, int(rest[1:]) if rest.startswith(":") else None
        elif text.count(":") == 1:
            host, _, port_text = text.partition(":")
            text, port = host, int(port_text)
        rules.append(AllowRule(ipaddress.ip_network(text, strict=False), port))
    return tuple(rules)


def refusal(address: IPAddress) -> str | None:
    """Why ``address`` is not a public destination, or None when it is."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        mapped = refusal(address.ipv4_mapped)
        return f"IPv4-mapped {mapped}" if mapped else None
    for label, flag in (
        ("loopback", address.is_loopback),
        ("unspecified", address.is_unspecified),
        ("link-local (cloud metadata)", address.is_link_local),
        ("multicast", address.is_multicast),
        ("private", address.is_private),
        ("reserved", address.is_reserved),
    ):
        if flag:
            return f"{label} address {address}"
    if not address.is_global:  # CGNAT 100.64/10, documentation ranges, 6to4 relays, ...
        return f"non-public address {address}"
    return None


async def system_resolver(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to, through the system resolver."""
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


class EgressGuard:
    """Resolves a host once and returns the one address a connection may use, or refuses."""

    def __init__(self, allow: Iterable[str] = (), resolver: Resolver | None = None) -> None:
        self.rules = parse_allow(allow)
        self.resolver = resolver or system_resolver

    def permitted(self, address: IPAddress, port: int) -> bool:
        """Whether a connection to ``address:port`` is allowed."""
        return refusal(address) is None or any(rule.admits(address, port) for rule in self.rules)

    async def pick_address(self, host: str, port: int) -> str:
        """The checked address to connect to; FetchError ``egress_denied`` when any answer is refused.

        Refusing when *any* resolved address is private (not only the first) closes the trick of
        a name that resolves to one public and one private address.
        """
        location = f"{host}:{port}"
        try:
            literal: IPAddress | None = ipaddress.ip_address(host.strip("[]"))
        except ValueError:
            literal = None
        if literal is not None:
            answers = [str(literal)]
        else:
            try:
                answers = await self.resolver(host, port)
            except OSError as exc:
                raise FetchError(
                    f"cannot resolve {host}: {exc}", location=location, reason=FailureReason.DNS_ERROR
                ) from exc
        if not answers:
            raise FetchError(
                f"{host} resolves to no address", location=location, reason=FailureReason.DNS_ERROR
            )
        for answer in answers:
            address = ipaddress.ip_address(answer.split("%", 1)[0])
            if not self.permitted(address, port):
                why = refusal(address) or "address"
                LOGGER.warning("egress refused: %s -> %s:%s (%s)", host, address, port, why)
                raise FetchError(
                    f"refused to connect to {host}:{port}: {why}",
                    location=location,
                    reason=FailureReason.EGRESS_DENIED,
                )
        return answers[0]


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """An httpcore network backend that connects only to the address the guard checked."""

    def __init__(self, guard: EgressGuard, inner: httpcore.AsyncNetworkBackend | None = None) -> None:
        self.guard = guard
        self.inner = inner or httpcore.AnyIOBackend()
        self.connections = 0  # successful TCP connects, for tests and benchmarks

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        """Check, then connect to the checked address (TLS still verifies ``host``)."""
        address = await self.guard.pick_address(host, port)
        stream = await self.inner.connect_tcp(
            address, port, timeout=timeout, local_address=local_address, socket_options=socket_options
        )
        self.connections += 1
        return stream

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.AsyncNetworkStream:
        """Never: a Unix socket is not on the web."""
        raise FetchError("unix sockets are not allowed", location=path, reason=FailureReason.EGRESS_DENIED)

    async def sleep(self, seconds: float) -> None:
        """Sleep as the wrapped backend does."""
        await self.inner.sleep(seconds)
