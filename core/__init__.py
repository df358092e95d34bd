"""Shared vocabulary of newswatch: settings, the error tree and the failure reasons, the records
passed between stages, and the helpers two stages need (dates, ``Retry-After``)."""
