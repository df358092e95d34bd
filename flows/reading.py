"""Reading step: the right reader for each kind of source."""

from __future__ import annotations

from core.records import SourceRead
from core.watchlist import SourceSpec
from sources.files import read_files


def read_source(spec: SourceSpec, cursor: dict[str, object]) -> SourceRead:
    """New documents of one source since ``cursor``; raises FetchError when the source fails as a whole."""
    return read_files(spec.name, spec.location, cursor)
