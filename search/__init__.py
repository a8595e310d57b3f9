"""Search: one query model, one backend interface, two backends (embedded Tantivy, Elasticsearch).

Backends are imported lazily (`search.base.open_backend`) so that importing the query model or the
keys costs nothing and does not need the backend libraries.
"""
