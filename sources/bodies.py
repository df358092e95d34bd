"""Response bodies: content decoding under a cap on *decoded* bytes.

httpx decodes gzip and brotli without a limit on the output (a 10 MiB bomb inflates to 10 GiB
in memory before any cap could look at it). Here the raw bytes are decoded by hand, each call
asking zlib or brotli for at most the bytes still allowed, so a bomb stops as soon as the
decoded size passes the cap.
"""

from __future__ import annotations

import zlib

import brotli

from core.errors import FetchError
from core.reasons import FailureReason

ACCEPT_ENCODING = "gzip, deflate, br"


class BodyTooLarge(FetchError):
    """The decoded body passed the cap."""

    reason = FailureReason.BODY_TOO_LARGE


class _Stage:
    """One content-coding: ``decode(data, limit)`` returns at most ``limit`` bytes, or more to say "over"."""

    def __init__(self, coding: str, location: str) -> None:
        self.coding = coding
        self.location = location
        self._zlib: zlib._Decompress | None = None
        self._brotli: brotli.Decompressor | None = None
        self._started = False
        if coding == "gzip" or coding == "x-gzip":
            self._zlib = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif coding == "deflate":
            self._zlib = zlib.decompressobj(zlib.MAX_WBITS)
        elif coding == "br":
            self._brotli = brotli.Decompressor()
        elif coding not in ("identity", ""):
            raise FetchError(
                f"unsupported Content-Encoding {coding!r}",
                location=location,
                reason=FailureReason.DECODE_ERROR,
            )

    def decode(self, data: bytes, limit: int) -> bytes:
        """Decoded bytes of ``data``; FetchError ``decode_error`` when the coding is broken."""
        try:
            if self._zlib is not None:
                return self._inflate(data, limit)
            if self._brotli is not None:
                out: bytes = self._brotli.process(data, output_buffer_limit=limit + 1)
                if len(out) <= limit and not self._brotli.can_accept_more_data():
                    return out + b"\0" * (limit + 1 - len(out))  # more output is pending: over the cap
                return out
        except (zlib.error, brotli.error) as exc:
            raise FetchError(
                f"the {self.coding} body is corrupt: {exc}",
                location=self.location,
                reason=FailureReason.DECODE_ERROR,
            ) from exc
        return data

    def _inflate(self, data: bytes, limit: int) -> bytes:
        assert self._zlib is not None
        try:
            out = self._zlib.decompress(data, limit + 1)
        except zlib.error:
            if self.coding != "deflate" or self._started:
                raise
            # Some servers send raw deflate without the zlib header (httpx does the same fallback).
            self._zlib = zlib.decompressobj(-zlib.MAX_WBITS)
            out = self._zlib.decompress(data, limit + 1)
        self._started = True
        return out


class BoundedDecoder:
    """Decodes a body's content-codings chunk by chunk, refusing more than ``limit`` decoded bytes."""

    def __init__(self, content_encoding: str, *, limit: int, location: str) -> None:
        codings = [part.strip().lower() for part in content_encoding.split(",") if part.strip()]
        self.stages = [_Stage(coding, location) for coding in reversed(codings)]
        self.limit = limit
        self.location = location
        self.size = 0
        self.raw_size = 0

    def feed(self, chunk: bytes) -> bytes:
        """The decoded bytes of the next raw chunk; BodyTooLarge past the cap."""
        self.raw_size += len(chunk)
        data = chunk
        for stage in self.stages:
            data = stage.decode(data, self.limit - self.size)
        self.size += len(data)
        if self.size > self.limit:
            raise BodyTooLarge(
                f"the body passed {self.limit} bytes once decoded",
                location=self.location,
                reason=FailureReason.BODY_TOO_LARGE,
            )
        return data
