"""Prefect flows: thin orchestration over extractors, store and search."""
