"""A scriptable, misbehaving HTTP/1.1 server on 127.0.0.1, for the fetch-fault tests.

``asyncio.start_server`` in a thread of its own writes raw bytes per route: status lines,
trickled bodies, resets (``SO_LINGER`` 0), short bodies, gzip built on the fly. Every
connection and request is logged, so a test can assert that none was made. Each response
closes its connection.
"""

from __future__ import annotations

import asyncio
import gzip
import socket
import struct
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]


Handler = Callable[[Request, asyncio.StreamWriter], Awaitable[None]]


def response_bytes(status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> bytes:
    """A complete HTTP/1.1 response with Content-Length (unless the headers give one)."""
    lines = [f"HTTP/1.1 {status} X"]
    given = {k.lower() for k in (headers or {})}
    if "content-length" not in given and status != 304:
        lines.append(f"Content-Length: {len(body)}")
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def reply(
    body: bytes = b"",
    *,
    status: int = 200,
    content_type: str = "text/html; charset=utf-8",
    headers: dict[str, str] | None = None,
    etag: str | None = None,
) -> Handler:
    """A handler answering ``body`` (or 304 when the request's If-None-Match is ``etag``)."""

    async def handle(request: Request, writer: asyncio.StreamWriter) -> None:
        extra = {"Content-Type": content_type, **(headers or {})}
        if etag is not None:
            extra["ETag"] = etag
            if request.headers.get("if-none-match") == etag:
                writer.write(response_bytes(304, b"", {"ETag": etag}))
                return
        writer.write(response_bytes(status, body, extra))

    return handle


def reset(writer: asyncio.StreamWriter) -> None:
    """Close with RST instead of FIN (SO_LINGER 0)."""
    sock = writer.get_extra_info("socket")
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


def gzip_bytes(data: bytes) -> bytes:
    return gzip.compress(data, compresslevel=6)


@dataclass
class HostileServer:
    routes: dict[str, Handler] = field(default_factory=dict)
    connections: int = 0
    requests: list[Request] = field(default_factory=list)
    port: int = 0

    def start(self) -> None:
        self.loop = asyncio.new_event_loop()
        ready = threading.Event()

        async def main() -> None:
            self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
            self.port = self.server.sockets[0].getsockname()[1]
            ready.set()

        self.thread = threading.Thread(target=self._run, args=(main,), daemon=True)
        self.thread.start()
        ready.wait(10)

    def _run(self, main: Callable[[], Awaitable[None]]) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_until_complete(main())
        self.loop.run_forever()

    def stop(self) -> None:
        async def close() -> None:
            self.server.close()
            tasks = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        asyncio.run_coroutine_threadsafe(close(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def hits(self, path: str) -> int:
        return sum(1 for r in self.requests if r.path == path)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            method, path, _ = lines[0].split(" ", 2)
            headers = {}
            for line in lines[1:]:
                if ":" in line:
                    key, value = line.split(":", 1)
                    headers[key.strip().lower()] = value.strip()
            request = Request(method, path, headers)
            self.requests.append(request)
            handler = self.routes.get(path) or self.routes.get(path.split("?")[0]) or reply(b"no", status=404)
            await handler(request, writer)
            if not writer.is_closing():
                await writer.drain()
                writer.close()
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            writer.transport.abort()
