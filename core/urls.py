"""Web addresses as newswatch shows and stores them: without the parameters that only track clicks.

The list follows courlan's ``TRACKERS_RE`` (adbar/courlan:courlan/clean.py, itself from AdGuard's
and ClearURLs' rules) for parameters that never name content (``utm_*``, ``*clid``, ``mc_*``…),
plus Google's ``srsltid``, which courlan lacks. Its broad words (``source``, ``ref``, ``session``,
``uid``) are left out: some sites address articles with them, and an identity must not merge two.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

TRACKING_PARAMS = re.compile(
    r"^(?:(?:dc|fbc|gc|twc|yc|ysc|msc|ttc|wbra|gbra)lid|(?:click|gbra|msclk|igsh|partner|wbra)id|"
    r"srsltid|igshid|_ga|_gl|ref_src|ref_url|xtor|"
    r"(?:ads?|mc|ga|gs|itm|mkt|ml|mtm|oly|pk|utm|vero|hsa)_\w*)$",
    re.IGNORECASE,
)


def without_tracking(url: str) -> str:
    """``url`` without tracking parameters in its query (and without its fragment when it lost some)."""
    parts = urlsplit(url)
    if not parts.query:
        return url
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    kept = [(key, value) for key, value in pairs if not TRACKING_PARAMS.match(key)]
    if len(kept) == len(pairs):
        return url
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(kept), parts.fragment))
