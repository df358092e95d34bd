"""The one HTTP client of newswatch and its fetch policy: public addresses only, a budget per
fetch (connect time, total time, decoded bytes), and a record of every attempt.

``make_client`` builds an ``httpx.AsyncClient`` (HTTP/2 where offered, an honest User-Agent
with a contact URL, no proxies from the environment, no automatic redirects) whose connections
go through the egress guard. ``Fetcher.fetch`` adds what httpx does not do:

- a **total** deadline for the whole fetch (one ``asyncio.timeout`` around every attempt,
  redirect, backoff sleep and wait for the host), so a server that trickles a byte every few
  seconds is cut off, where httpx's read timeout never trips, and one that trickles and then
  fails cannot hold the fetch for a deadline per retry; a backoff that would end past the
  deadline is not slept: the fetch fails with what went wrong (robots.txt, fetched once per site,
  has a deadline of its own);
- a cap on the **decoded** body, enforced while streaming (``sources/bodies.py``), and a
  ``Content-Length`` over the cap refused before the body is read;
- redirects followed by hand, at most ``max_redirects``, each hop checked again;
- conditional GET (``If-None-Match``, ``If-Modified-Since``); a 304 returns no body;
- retries with backoff inside the deadline for what is transient (``FailureReason.transient``:
  refused, reset or garbled connections, bodies cut short, 5xx); a 429, or any answer with
  ``Retry-After``, is not slept on: the hint (capped) goes back to the caller, who schedules
  the next poll;
- per-host concurrency and minimum spacing between requests to one host, and robots.txt.

Every failure is a ``FetchError`` (a ``TransientFetchError`` when its reason is transient) whose
``reason`` (core/reasons.py) names the class: ``connect_refused``, ``timeout``,
``connection_reset``, ``incomplete_body``, ``too_many_redirects``, ``body_too_large``,
``decode_error``, ``egress_denied``, ``invalid_url``, ``rate_limited``, ``server_error``,
``not_found``, ``gone``, ``http_error``, ``robots_disallowed`` … Only this module knows httpx's
exceptions, and it tells them apart by their types (``translate``).
"""

from __future__ import annotations

import asyncio
import logging
import ssl
from collections import OrderedDict, defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit, urlunsplit

import h11
import httpcore
import httpx
from h2.exceptions import ProtocolError as H2ProtocolError

from core.dates import parse_retry_after
from core.errors import FetchError, fetch_error
from core.reasons import FailureReason
from core.settings import HttpSettings
from sources.bodies import ACCEPT_ENCODING, BoundedDecoder
from sources.egress import ALLOWED_SCHEMES, EgressGuard, GuardedBackend, Resolver
from sources.robots import RobotsCache

LOGGER = logging.getLogger(__name__)
REDIRECT_CODES = frozenset({301, 302, 303, 307, 308})
# What a malformed URL raises on its way to a connection (httpx's parser, the IDNA codec, ipaddress).
INVALID_URL_ERRORS = (httpx.InvalidURL, UnicodeError, ValueError)


@dataclass(frozen=True, slots=True)
class FetchedResponse:
    """A successful fetch: 200 with its decoded body, or 304 with none."""

    url: str  # asked for
    final_url: str  # after redirects, without user:password (links resolved against it do not inherit them)
    status: int
    content: bytes
    content_type: str
    etag: str | None
    last_modified: str | None
    elapsed_s: float
    received_bytes: int  # decoded body bytes
    redirects: int = 0

    @property
    def not_modified(self) -> bool:
        """True for a 304 answer to a conditional request."""
        return self.status == 304


@dataclass(slots=True)
class FetchStats:
    """What a fetcher did, for the run's records and the benchmark."""

    requests: int = 0
    received_bytes: int = 0  # decoded bytes
    raw_bytes: int = 0  # bytes on the wire (bodies only)
    statuses: dict[int, int] = field(default_factory=lambda: defaultdict(int))


class GuardedTransport(httpx.AsyncHTTPTransport):
    """httpx's transport for one host, with the egress guard as its network backend (IP-pinned)."""

    def __init__(
        self, backend: GuardedBackend, ssl_context: ssl.SSLContext, *, limits: httpx.Limits, http2: bool
    ) -> None:
        super().__init__(verify=ssl_context, http2=http2, limits=limits, trust_env=False, retries=0)
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=ssl_context,
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            http1=True,
            http2=http2,
            network_backend=backend,
        )

    @property
    def idle(self) -> bool:
        """No request in flight on any of its connections."""
        return all(connection.is_idle() for connection in self._pool.connections)


class HostPools(httpx.AsyncBaseTransport):
    """One guarded connection pool per host, the least recently used idle ones closed beyond ``keep``.

    httpcore's pool scans every connection it holds on each request and release (and counts them
    once per connection), so a single pool shared by a poll of a thousand hosts spends most of the
    poll on its own bookkeeping; a pool per host keeps that scan to the host's few connections.
    """

    def __init__(self, guard: EgressGuard, *, limits: httpx.Limits, keep: int, http2: bool = True) -> None:
        self.backend = GuardedBackend(guard)
        self.limits = limits
        self.keep = keep
        self.http2 = http2
        self._ssl_context = httpx.create_ssl_context(trust_env=False)  # loading the CAs costs ~40 ms: once
        self._hosts: OrderedDict[tuple[bytes, bytes, int | None], GuardedTransport] = OrderedDict()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        key = (request.url.raw_scheme, request.url.raw_host, request.url.port)
        transport = self._hosts.pop(key, None) or GuardedTransport(
            self.backend, self._ssl_context, limits=self.limits, http2=self.http2
        )
        self._hosts[key] = transport  # the most recently used last
        await self._close_surplus_idle()
        return await transport.handle_async_request(request)

    def __len__(self) -> int:
        """Hosts with a pool open."""
        return len(self._hosts)

    async def _close_surplus_idle(self) -> None:
        surplus = len(self._hosts) - self.keep
        for key, transport in list(self._hosts.items())[:-1]:
            if surplus <= 0:
                break
            if transport.idle:
                del self._hosts[key]
                await transport.aclose()
                surplus -= 1

    async def aclose(self) -> None:
        hosts, self._hosts = list(self._hosts.values()), OrderedDict()
        for transport in hosts:
            await transport.aclose()


def make_client(http: HttpSettings, *, resolver: Resolver | None = None) -> httpx.AsyncClient:
    """An async client whose every connection passes the egress guard; redirects are left to the caller."""
    limits = httpx.Limits(max_connections=max(10, http.max_concurrent_sources * 2), keepalive_expiry=30)
    transport = HostPools(EgressGuard(http.allow, resolver), limits=limits, keep=http.max_concurrent_sources)
    return httpx.AsyncClient(
        transport=transport,
        headers={"User-Agent": http.user_agent_header, "Accept-Encoding": ACCEPT_ENCODING},
        timeout=httpx.Timeout(http.total_timeout_s, connect=http.connect_timeout_s),
        follow_redirects=False,
        trust_env=False,
    )


class HostGate:
    """At most ``concurrency`` requests in flight per host, and ``spacing`` seconds between starts."""

    def __init__(self, concurrency: int, spacing: float) -> None:
        self.spacing = spacing
        self._slots: dict[str, asyncio.Semaphore] = defaultdict(lambda: asyncio.Semaphore(concurrency))
        self._next_start: dict[str, float] = defaultdict(float)

    async def space(self, host: str) -> None:
        """Wait until the next request to ``host`` may start, and book that moment."""
        loop = asyncio.get_running_loop()
        start = max(loop.time(), self._next_start[host])
        self._next_start[host] = start + self.spacing
        if start > loop.time():
            await asyncio.sleep(start - loop.time())

    @asynccontextmanager
    async def slot(self, host: str) -> AsyncIterator[None]:
        """Hold one of ``host``'s slots, starting no sooner than the spacing allows."""
        async with self._slots[host]:
            await self.space(host)
            yield


class Fetcher:
    """Fetches URLs politely and safely; use as ``async with Fetcher(settings) as fetcher``.

    It only fetches: what it fetched is parsed by the readers (sources/readers.py).
    """

    def __init__(
        self, http: HttpSettings, *, resolver: Resolver | None = None, client: httpx.AsyncClient | None = None
    ) -> None:
        self.http = http
        self.client = client or make_client(http, resolver=resolver)
        self.gate = HostGate(http.per_host_concurrency, http.min_host_spacing_s)
        self.robots = RobotsCache(self._fetch_robots)
        self.stats = FetchStats()

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.client.aclose()

    @property
    def connections(self) -> int:
        """TCP connections opened so far (each passed the egress guard)."""
        transport = self.client._transport
        return transport.backend.connections if isinstance(transport, HostPools) else 0

    async def fetch(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        accept: str = "*/*",
        obey_robots: bool = True,
    ) -> FetchedResponse:
        """The body at ``url`` (or a 304); FetchError (TransientFetchError when worth retrying) otherwise."""
        check_url(url)
        if obey_robots and not await self.robots.allowed(url, self.http.user_agent):
            raise FetchError(
                f"robots.txt disallows {url}", location=url, reason=FailureReason.ROBOTS_DISALLOWED
            )
        headers = {"Accept": accept}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        return await self._fetch_with_retries(url, headers)

    async def _fetch_with_retries(self, url: str, headers: dict[str, str]) -> FetchedResponse:
        """The fetch, tried again while ``_retried`` says so, all inside one deadline of
        ``total_timeout_s``: it starts when the first attempt gets its host slot and covers
        redirects, retries, the backoff between them and waiting for the host again."""
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(None) as deadline:
                attempt = 0
                while True:
                    async with self.gate.slot(_host(url)):
                        if deadline.when() is None:
                            deadline.reschedule(loop.time() + self.http.total_timeout_s)
                        try:
                            return await self._follow(url, headers, loop.time())
                        except FetchError as exc:
                            if not self._retried(exc, attempt):
                                raise
                            error = exc
                    delay = self.http.retry_backoff_s * 2**attempt
                    if loop.time() + delay >= (deadline.when() or 0.0):
                        raise error  # no time left for another attempt: the failure, not a timeout
                    attempt += 1
                    LOGGER.info("retrying %s in %.1f s after %s", url, delay, error.reason)
                    await asyncio.sleep(delay)
        except TimeoutError as exc:
            raise fetch_error(
                f"no complete answer from {url} within {self.http.total_timeout_s:g} s",
                location=url,
                reason=FailureReason.TIMEOUT,
            ) from exc

    def _retried(self, error: FetchError, attempt: int) -> bool:
        """Whether to try again inside this fetch: a transient failure, ``retries`` times at most,
        unless the server asked us to wait (429, or any Retry-After), which goes back to the caller
        to schedule the next poll instead."""
        if not error.transient or attempt >= self.http.retries:
            return False
        return error.retry_after_s is None and error.reason != FailureReason.RATE_LIMITED

    async def _follow(self, url: str, headers: dict[str, str], started: float) -> FetchedResponse:
        """Follow redirects by hand; each hop is checked (scheme here, address at connect)."""
        current = url
        for hop in range(self.http.max_redirects + 1):
            if hop:
                await self.gate.space(_host(current))
            response = await self._send(current, headers)
            try:
                location = response.headers.get("location")
                if response.status_code in REDIRECT_CODES and location:
                    current = urljoin(current, location.strip())
                    check_url(current)
                    continue
                return await self._finish(url, current, response, started, hop)
            finally:
                await response.aclose()
        raise FetchError(
            f"{url}: more than {self.http.max_redirects} redirects",
            location=url,
            reason=FailureReason.TOO_MANY_REDIRECTS,
        )

    async def _send(self, url: str, headers: dict[str, str]) -> httpx.Response:
        self.stats.requests += 1
        try:
            request = self.client.build_request("GET", url, headers=headers)
            return await self.client.send(request, stream=True)
        except httpx.HTTPError as exc:
            raise translate(exc, url) from exc
        except INVALID_URL_ERRORS as exc:  # what check_url did not foresee, from httpx or the resolver
            raise invalid_url(url, exc) from exc

    async def _finish(
        self, url: str, final_url: str, response: httpx.Response, started: float, hops: int
    ) -> FetchedResponse:
        self.stats.statuses[response.status_code] += 1
        if response.status_code != 304:
            raise_for_status(response, final_url, self.http.retry_after_max_s)
        content = b"" if response.status_code == 304 else await self._read_body(response, final_url)
        return FetchedResponse(
            url=url,
            final_url=without_userinfo(final_url),
            status=response.status_code,
            content=content,
            content_type=response.headers.get("content-type", ""),
            etag=response.headers.get("etag"),
            last_modified=response.headers.get("last-modified"),
            elapsed_s=asyncio.get_running_loop().time() - started,
            received_bytes=len(content),
            redirects=hops,
        )

    async def _read_body(self, response: httpx.Response, url: str) -> bytes:
        """The decoded body, refused early when the declared or decoded size passes the cap."""
        cap = self.http.max_body_bytes
        declared = response.headers.get("content-length", "").strip()
        encoding = response.headers.get("content-encoding", "")
        if declared.isdigit() and int(declared) > cap:  # encoded bodies only grow when decoded
            raise FetchError(
                f"{url} declares {declared} bytes, over the {cap}-byte limit",
                location=url,
                reason=FailureReason.BODY_TOO_LARGE,
            )
        decoder = BoundedDecoder(encoding, limit=cap, location=url)
        parts: list[bytes] = []
        try:
            async for chunk in response.aiter_raw():
                parts.append(decoder.feed(chunk))
        except httpx.HTTPError as exc:
            raise translate(exc, url, reading_body=True) from exc
        finally:
            self.stats.raw_bytes += decoder.raw_size
        self.stats.received_bytes += decoder.size
        return b"".join(parts)

    async def _fetch_robots(self, url: str) -> FetchedResponse:
        return await self._fetch_with_retries(url, {"Accept": "text/plain"})


def check_url(url: str) -> None:
    """FetchError ``unsupported_scheme`` unless ``url`` is http(s) with a host, ``invalid_url``
    when it does not parse (``http://0177.0.0.1/``, a port past 65535, an empty label)."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  # raises ValueError when out of range
        if parts.scheme.lower() in ALLOWED_SCHEMES and parts.hostname:
            httpx.URL(url).raw_host.decode("ascii").encode("idna")  # as the resolver will be asked
            return
    except INVALID_URL_ERRORS as exc:
        raise invalid_url(url, exc) from exc
    raise FetchError(
        f"refusing to fetch {url!r}: only http(s) URLs", location=url, reason=FailureReason.UNSUPPORTED_SCHEME
    )


def invalid_url(url: str, exc: BaseException) -> FetchError:
    """The FetchError for a URL that httpx, the IDNA codec or ``ipaddress`` cannot take."""
    return FetchError(f"{url!r} is not a valid URL: {exc}", location=url, reason=FailureReason.INVALID_URL)


def without_userinfo(url: str) -> str:
    """``url`` without its ``user:password@`` part (credentials are for that one URL)."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


def raise_for_status(response: httpx.Response, url: str, retry_after_cap: float) -> None:
    """FetchError for 4xx, TransientFetchError for 429 and 5xx (with the capped Retry-After)."""
    code = response.status_code
    if code < 400 and code not in REDIRECT_CODES:
        return
    hint = parse_retry_after(response.headers.get("retry-after"))
    hint = min(hint, retry_after_cap) if hint is not None else None
    if code == 429:
        reason = FailureReason.RATE_LIMITED
    elif code >= 500:
        reason = FailureReason.SERVER_ERROR
    elif code < 400:
        reason = FailureReason.BAD_REDIRECT  # a redirect without a Location
    else:
        reason = {404: FailureReason.NOT_FOUND, 410: FailureReason.GONE}.get(code, FailureReason.HTTP_ERROR)
    hint = hint if reason.transient else None
    raise fetch_error(
        f"{url} answered {code}", location=url, status_code=code, reason=reason, retry_after_s=hint
    )


def translate(exc: httpx.HTTPError, url: str, *, reading_body: bool = False) -> FetchError:
    """This project's error for an httpx exception (STYLE §6), told by the exception's type and
    the types of its causes: transient for timeouts, refused and broken connections, a body cut
    short (``reading_body``: the response had begun) and a garbled answer."""
    causes = _causes(exc)
    own = next((cause for cause in causes if isinstance(cause, FetchError)), None)
    if own is not None:  # the egress guard's refusal, raised inside httpcore's connect
        return own
    if _caused_by(causes, httpx.InvalidURL):  # a Location header httpx cannot parse
        return invalid_url(url, exc)
    reason = _reason(exc, causes, reading_body)
    if reason is None:
        kind = (
            FailureReason.DECODE_ERROR if isinstance(exc, httpx.DecodingError) else FailureReason.FETCH_ERROR
        )
        return FetchError(f"{url}: {exc}", location=url, reason=kind)
    return fetch_error(f"{url}: {reason.replace('_', ' ')} ({exc})", location=url, reason=reason)


def _reason(exc: httpx.HTTPError, causes: list[BaseException], reading_body: bool) -> FailureReason | None:
    """The transient reason for ``exc``, or None when it is not a network fault."""
    if isinstance(exc, httpx.ConnectTimeout):
        return FailureReason.CONNECT_TIMEOUT
    if isinstance(exc, httpx.TimeoutException):
        return FailureReason.TIMEOUT
    if _caused_by(causes, ConnectionRefusedError):
        return FailureReason.CONNECT_REFUSED
    if isinstance(exc, httpx.ConnectError):
        return FailureReason.CONNECT_ERROR
    if _caused_by(causes, ConnectionResetError, BrokenPipeError):
        return FailureReason.CONNECTION_RESET
    if isinstance(exc, httpx.RemoteProtocolError):
        if reading_body:
            return FailureReason.INCOMPLETE_BODY  # the body broke off (or turned to garbage) after it began
        # h11 or h2 refused the bytes; without such a cause the server closed before answering
        return (
            FailureReason.PROTOCOL_ERROR
            if _caused_by(causes, h11.ProtocolError, H2ProtocolError)
            else FailureReason.CONNECTION_RESET
        )
    if isinstance(exc, httpx.NetworkError):  # ReadError, WriteError, CloseError: the connection broke
        return FailureReason.CONNECTION_RESET
    if isinstance(exc, httpx.ProtocolError):
        return FailureReason.PROTOCOL_ERROR
    return None


def _caused_by(causes: list[BaseException], *kinds: type[BaseException]) -> bool:
    return any(isinstance(cause, kinds) for cause in causes)


def _causes(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen
