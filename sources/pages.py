"""Single pages watched for new versions (an updated live blog, a statement that gets amended).

The page is fetched conditionally; when its body changed, it becomes one Document marked
``revisable``: the storing step records a new revision of the same article (identity
``page:<url>`` unless the page names a canonical URL), not a new article.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from core.records import Document, SourceRead
from core.watchlist import WebSource
from sources.http import Fetcher
from sources.polling import HTML_ACCEPT, fetch_if_changed, source_read


async def read_page(fetcher: Fetcher, spec: WebSource, cursor: dict[str, Any]) -> SourceRead:
    """The page at ``spec.url`` when it changed since the last poll; nothing otherwise."""
    url = str(spec.url)
    polled = await fetch_if_changed(fetcher, spec, url, cursor, accept=HTML_ACCEPT)
    page = polled.response
    if page is None:
        return source_read(spec, [], [], {**cursor, **polled.cursor}, unchanged=1)
    document = Document(
        spec.name,
        page.final_url,
        page.content,
        page.content_type or "text/html",
        datetime.now(UTC),
        url=url,
        identity=f"page:{url}",
        revisable=True,
    )
    return source_read(spec, [document], [], {**cursor, **polled.cursor})
