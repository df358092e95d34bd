"""Shared vocabulary of newswatch: settings, the error tree and the records passed between stages."""
