"""Alerts: the message of a claimed alert, rendering, channels and the delivery policy.

Knows nothing of storage or topics: it gets the records of core/ (``ClaimedAlert``,
``AlertMessage``).
"""
