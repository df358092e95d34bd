"""Sources: read or fetch documents.

Imports point one way inside the package: ``files.py`` reads local folders; for the web,
``fetcher.py`` (with ``egress.py``, ``bodies.py``, ``robots.py``) only fetches; ``feeds.py``,
``sitemaps.py`` and ``listing.py`` only parse (bytes and a URL in, entries or links out) and
``parsing.py`` runs them, here or in a worker; ``polling.py`` fetches conditionally against a
source's cursor; ``readers.py`` reads each kind of web source with the fetcher and the parser it
is handed; ``web.py`` is the entry point that polls many sources at once.
"""
