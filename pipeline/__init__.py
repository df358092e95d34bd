"""The pipeline as plain functions: read a source, extract, store, cluster, match, enqueue, deliver.

This package composes the stage packages (sources/, extractors/, topics/, alerts/, storage/)
without Prefect, one module per step, so each step is tested on its own; flows/ wraps these
functions in Prefect flows and tasks. Imports point one way: cli → flows → pipeline → stages → core.
"""
