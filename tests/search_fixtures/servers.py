"""Backends for tests: Tantivy in a temporary directory, Elasticsearch API on an osmem-server the tests
start themselves (in-memory, free loopback port, stopped at the end; no real cluster needed)."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from config.settings import Settings
from search.base import SearchBackend, open_backend

BACKENDS = ["tantivy", "elasticsearch"]


@pytest.fixture(scope="session")
def es_url() -> Iterator[str]:
    from osmem_server import OsmemServer

    server = OsmemServer.start(japanese=False)  # listens on 127.0.0.1:0, a free port
    try:
        yield server.url
    finally:
        server.close()


def backend_settings(kind: str, data_dir: Path, es_url: str | None) -> Settings:
    if kind == "tantivy":
        return Settings(data_dir=data_dir, search_backend="tantivy")
    return Settings(data_dir=data_dir, search_backend="elasticsearch", es_url=es_url,
                    es_opensearch_compat=True,  # osmem speaks the OpenSearch dialect of the API
                    es_index_prefix=f"t{secrets.token_hex(4)}", es_max_retries=2)


def backend_env(settings: Settings) -> dict[str, str]:
    """The same settings as SOHOA_* variables, for subprocesses."""
    env = {"SOHOA_DATA_DIR": str(settings.data_dir), "SOHOA_SEARCH_BACKEND": settings.search_backend}
    if settings.search_backend == "elasticsearch":
        env.update(SOHOA_ES_URL=settings.es_url, SOHOA_ES_OPENSEARCH_COMPAT="true",
                   SOHOA_ES_INDEX_PREFIX=settings.es_index_prefix)
    return env


@pytest.fixture
def make_backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[[str], tuple[Settings, SearchBackend]]]:
    opened: list[SearchBackend] = []

    def make(kind: str) -> tuple[Settings, SearchBackend]:
        url = request.getfixturevalue("es_url") if kind == "elasticsearch" else None
        settings = backend_settings(kind, tmp_path / f"data-{kind}-{len(opened)}", url)
        backend = open_backend(settings)
        opened.append(backend)
        return settings, backend

    yield make
    for backend in opened:
        backend.close()
