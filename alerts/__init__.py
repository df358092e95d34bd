"""Alerts: rendering, channels and the delivery policy. Knows nothing of storage or topics."""
