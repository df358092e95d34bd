"""The ``newswatch`` command."""
