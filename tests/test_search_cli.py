"""`sohoa search | person | reindex | config` on the embedded backend: output, masking, audit."""

from __future__ import annotations

import json

import pytest
import typer
from typer.testing import CliRunner

from config.settings import Settings
from sohoa import cli_store
from store import Store
from tests.search_fixtures import curated as C


@pytest.fixture
def app() -> typer.Typer:
    app = typer.Typer()
    cli_store.register(app)
    return app


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    data = tmp_path / "data"
    monkeypatch.setenv("SOHOA_DATA_DIR", str(data))
    monkeypatch.setenv("SOHOA_CONFIG", str(tmp_path / "none.toml"))
    monkeypatch.setenv("USER", "clerk.an")
    monkeypatch.setenv("COLUMNS", "250")  # rich would wrap the table at 80 columns
    monkeypatch.delenv("SOHOA_SEARCH_BACKEND", raising=False)
    with Store.open(Settings()) as store:
        store.save_records(C.corpus(noise=40))
    return data


def run(app, *args: str):
    result = CliRunner().invoke(app, list(args), catch_exceptions=False)
    return result


def test_reindex_then_search_as_json(app, data_dir):
    out = run(app, "reindex", "--check", "--quiet")
    assert out.exit_code == 0, out.output
    assert "missing 0, extra 0" in out.output
    res = run(app, "search", "phan quang tung", "--json")
    assert res.exit_code == 0
    data = json.loads(res.stdout)
    assert data["hits"][0]["id"] == C.BIRTH["id"]
    assert data["hits"][0]["subject_id"] == "0362******06"
    assert "036220614006" not in res.stdout


def test_search_table_masks_ids_and_filters_work(app, data_dir):
    run(app, "reindex", "--quiet")
    res = run(app, "search", "036220614006")
    assert res.exit_code == 0
    assert "Phan Quang Tùng" in res.stdout and "036220614006" not in res.stdout and "0362******06" in res.stdout
    res = run(app, "search", "Phan Xuân Việt", "--type", "quyet_dinh", "--place", "Ninh Bình", "--from", "01/01/2023",
              "--to", "2023", "--json")
    assert [h["id"] for h in json.loads(res.stdout)["hits"]][:1] == [C.DECISION["id"]]
    assert "No records found" in run(app, "search", "Zzyzx").stdout
    bad = CliRunner().invoke(app, ["search", "x", "--from", "yesterday"])
    assert bad.exit_code != 0


def test_person_and_audit(app, data_dir):
    run(app, "reindex", "--quiet")
    res = run(app, "person", "036090001234", "--json")
    assert [h["id"] for h in json.loads(res.stdout)["hits"]] == [C.DECISION["id"], C.BIRTH["id"], C.MARRIAGE["id"]]
    table = run(app, "person", "--name", "Vũ Đức Anh", "--dob", "12/04/1985", "--user", "clerk.binh")
    assert table.exit_code == 0 and "Vũ Đức Anh" in table.stdout and "123456789" not in table.stdout
    assert run(app, "person").exit_code == 2
    run(app, "search", "Phan Quang Tùng", "--place", "Nam Định")
    with Store.open(Settings()) as store:
        entries = store.audit_entries()
    assert [(e.who, e.action, e.query) for e in entries] == [
        ("clerk.an", "search", "Phan Quang Tùng"),
        ("clerk.binh", "person", "Vũ Đức Anh 1985-04-12"),
        ("clerk.an", "person", "036090001234"),
    ]
    assert entries[0].detail == {"filters": {"place": "Nam Định"}, "page": 1}


def test_incremental_reindex_picks_up_corrections(app, data_dir):
    run(app, "reindex", "--quiet")
    with Store.open(Settings()) as store:
        store.apply_correction(C.CMND["id"], "subject_name", "Vũ Đức Ánh", who="clerk.an")
    out = run(app, "reindex", "--incremental", "--check")
    assert "1 changed record(s)" in out.stdout and out.exit_code == 0
    hit = json.loads(run(app, "search", "Vũ Đức Ánh", "--json").stdout)["hits"][0]
    assert (hit["id"], hit["subject_name"]) == (C.CMND["id"], "Vũ Đức Ánh")


def test_config_prints_the_settings_in_force(app, data_dir, monkeypatch):
    monkeypatch.setenv("SOHOA_ES_PASSWORD", "hunter2")
    res = run(app, "config", "--json")
    data = json.loads(res.stdout)
    assert data["data_dir"] == str(data_dir)
    assert data["database_url"] == f"sqlite:///{data_dir / 'sohoa.db'}"
    assert data["search_backend"] == "tantivy" and data["es_password"] == "**********"
    table = run(app, "config")
    assert "search_backend" in table.stdout and "hunter2" not in table.stdout


def test_search_before_any_index_exists(app, data_dir):
    res = run(app, "search", "Phan", "--json")
    assert res.exit_code == 0 and json.loads(res.stdout)["total"] == 0
