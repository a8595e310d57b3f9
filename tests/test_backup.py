"""`sohoa export` / `sohoa import`, for real: a SQLite store, real PDF/A archival copies (ArchiveWriter),
a real Tantivy index, the CLI through Typer. Export, restore into a fresh data directory, compare
everything; a damaged copy is refused; an interrupted export finishes; a second import adds nothing."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from config.settings import Settings
from tests.search_fixtures.factory import Factory

PASSWORD = "mot-mat-khau-that-dai-2025"
CORRECTED_NAME = "Nguyễn Thị Sửa Đổi"


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _cli(args: list[str], data_dir: Path):
    from sohoa.cli import app

    return CliRunner().invoke(app, args, env={"SOHOA_DATA_DIR": str(data_dir), "USER": "tester",
                                              "COLUMNS": "200"})


def _archive_copy(path: Path, words: str, shade: int) -> str:
    """A real PDF/A-2b made the way ingest makes them: a page image and an invisible text layer."""
    from archival.pdfa import ArchiveWriter
    from extractors.layout import Word
    from extractors.pipeline import PageResult

    writer = ArchiveWriter(path)
    page = PageResult(index=0, method="ocr", note="", dpi=100, width=300, height=400,
                      words=[Word(words, 10, 10, 250, 30)], text=words, confidence=0.9)
    writer.add_page(page, np.full((400, 300, 3), shade, np.uint8))
    return writer.finish()


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    """A data directory with three records (one with a real original file), their PDF/A copies, a
    correction, audit entries, an account with an API token, and a built index."""
    from search.base import open_backend
    from store.db import Store
    from web.accounts import Accounts

    root = tmp_path_factory.mktemp("backup")
    settings = Settings(data_dir=root / "data")
    records = Factory(seed=23).corpus(3)
    originals = root / "scans"
    originals.mkdir()
    first = originals / "khai-sinh-0001.png"
    first.write_bytes(b"\x89PNG original scan bytes " * 40)
    sha = _sha(first)
    records[0]["id"] = sha
    records[0]["source"].update({"path": str(first), "sha256": sha})
    records[1]["archive"] = {"dossier_code": "000.00.01.H29-240115-0001"}
    with Store.open(settings) as store:
        for i, rec in enumerate(records):
            dossier = (rec.get("archive") or {}).get("dossier_code")
            target = (settings.data_dir / "archive" / "dossiers" / f"{dossier}.pdf" if dossier
                      else settings.data_dir / "archive" / rec["id"][:2] / f"{rec['id']}.pdf")
            pdfa_sha = _archive_copy(target, rec["fields"].get("subject_name", "trang"), 250 - 20 * i)
            rec.setdefault("archive", {}).update({"pdfa_path": str(target), "pdfa_sha256": pdfa_sha})
            store.save_record(rec, {"sha256": rec["id"], "path": rec["source"]["path"], "batch_id": "b-1"})
        store.apply_correction(records[0]["id"], "subject_name", CORRECTED_NAME, who="canbo1", reason="typo")
        store.apply_correction(records[0]["id"], "fields.issue_date", None, who="canbo1")
        store.audit("canbo1", "search", query="036190614006", result_count=1, detail={"filters": {"page": 2}})
        store.audit("canbo2", "view", record_id=records[1]["id"])
        accounts = Accounts(store, settings)
        admin = accounts.add_user("quantri", "admin", PASSWORD, full_name="Quản Trị Viên")
        token, _ = accounts.create_api_token(admin.id, "một cửa")
        with open_backend(settings) as backend:
            backend.rebuild_from(store)
    return {"root": root, "settings": settings, "records": records, "token": token, "original": first}


@pytest.fixture(scope="module")
def exported(source):
    target = source["root"] / "usb" / "sohoa-2026-11"
    result = _cli(["export", str(target), "--quiet"], source["settings"].data_dir)
    assert result.exit_code == 0, result.output
    return target


def _dump(settings: Settings) -> dict:
    """Everything a restore must bring back, in comparable form."""
    from store.db import Store
    from store.models import AuditEntry, Correction, FileEntry, RecordRow
    from store.users import ApiToken, User

    with Store.open(settings) as store:
        def rows(model, drop=("id",)):
            return [{k: v for k, v in r.items() if k not in drop} for r in store.iter_rows(model)]

        users = {u["id"]: u["username"] for u in store.iter_rows(User)}
        return {
            "records": {r["id"]: r for r in rows(RecordRow, drop=())},
            "corrections": rows(Correction),
            "audit": [a for a in rows(AuditEntry) if a["action"] not in ("backup_export", "backup_import")],
            "files": sorted(rows(FileEntry), key=lambda f: f["sha256"]),
            "users": rows(User, drop=("id", "last_login_at")),
            "tokens": [{**t, "user_id": users[t["user_id"]]} for t in rows(ApiToken, drop=("id", "last_used_at"))],
        }


def test_export_writes_every_file_with_its_checksum_and_the_manifest_last(source, exported):
    manifest = json.loads((exported / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["format"] == "sohoa-backup" and manifest["record_count"] == 3
    assert manifest["pipeline_version"] == "0.1.0" and manifest["schema_revision"]
    assert manifest["source"]["data_dir"] == str(source["settings"].data_dir)
    assert manifest["counts"] | {"audit": 0} == {"files": 3, "records": 3, "corrections": 2, "audit": 0,
                                                  "users": 1, "api_tokens": 1, "archive_files": 3, "originals": 0}
    listed = {f["path"]: f for f in manifest["files"]}
    on_disk = {p.relative_to(exported).as_posix() for p in exported.rglob("*") if p.is_file()}
    assert on_disk - set(listed) == {"manifest.json", ".sohoa-export"}
    for rel, item in listed.items():
        assert _sha(exported / rel) == item["sha256"] and (exported / rel).stat().st_size == item["size"], rel
    # the archival copies keep their place under archive/, byte for byte
    for rec in source["records"]:
        src = Path(rec["archive"]["pdfa_path"])
        rel = "archive/" + src.relative_to(source["settings"].data_dir / "archive").as_posix()
        assert listed[rel]["sha256"] == rec["archive"]["pdfa_sha256"] == _sha(src)
    assert "archive/dossiers/000.00.01.H29-240115-0001.pdf" in listed
    # secrets stay hashed: the token itself is nowhere in the copy
    tokens = (exported / "store" / "api_tokens.jsonl").read_text(encoding="utf-8")
    assert source["token"] not in tokens and "quantri" in tokens
    assert "$argon2id$" in (exported / "store" / "users.jsonl").read_text(encoding="utf-8")


def test_import_into_a_new_data_dir_restores_everything_and_a_second_import_adds_nothing(source, exported,
                                                                                         tmp_path):
    from archival.check import run_check
    from search.base import open_backend
    from search.query import Query
    from store.db import Store
    from web.accounts import Accounts

    new_dir = tmp_path / "new-machine" / "sohoa"
    result = _cli(["import", str(exported), "--quiet"], new_dir)
    assert result.exit_code == 0, result.output
    assert "consistent" in result.output

    settings = Settings(data_dir=new_dir)
    before, after = _dump(source["settings"]), _dump(settings)
    assert after["corrections"] == before["corrections"]
    assert after["audit"] == before["audit"] and len(after["audit"]) >= 4  # 2 lookups + 2 corrections
    assert after["files"] == before["files"]
    assert after["users"] == before["users"] and after["tokens"] == before["tokens"]
    assert set(after["records"]) == set(before["records"])
    old_archive, new_archive = source["settings"].data_dir / "archive", new_dir / "archive"
    for rid, old in before["records"].items():
        new = after["records"][rid]
        assert (new["created_at"], new["updated_at"]) == (old["created_at"], old["updated_at"])
        old_path, new_path = Path(old["data"]["archive"]["pdfa_path"]), Path(new["data"]["archive"]["pdfa_path"])
        assert new_path == new_archive / old_path.relative_to(old_archive)  # rewritten to the new data_dir
        assert _sha(new_path) == _sha(old_path) == new["data"]["archive"]["pdfa_sha256"]
        strip = lambda d: {**d, "archive": {k: v for k, v in d["archive"].items() if k != "pdfa_path"}}  # noqa: E731
        assert strip(new["data"]) == strip(old["data"])
        assert {k: v for k, v in new.items() if k != "data"} == {k: v for k, v in old.items() if k != "data"}
    corrected = after["records"][source["records"][0]["id"]]["data"]
    assert corrected["fields"]["subject_name"] == CORRECTED_NAME and "issue_date" not in corrected["fields"]
    assert set(corrected["corrected"]) == {"subject_name", "fields.issue_date"}

    with Store.open(settings) as store:
        with open_backend(settings) as backend:
            hits = backend.search(Query(text="nguyen thi sua doi")).hits
            assert hits and hits[0].id == source["records"][0]["id"]
            assert backend.verify(store).ok
        accounts = Accounts(store, settings)
        assert accounts.token_user(source["token"]).username == "quantri"
        assert accounts.authenticate("quantri", PASSWORD) is not None
        counts = (store.count_records(), len(store.files()), len(store.corrections(source["records"][0]["id"])),
                  len(store.audit_entries(limit=1000)))
    check = run_check(settings)
    assert check.ok and check.records == 3 and check.archive_files == 3, check.findings

    again = _cli(["import", str(exported), "--quiet"], new_dir)
    assert again.exit_code == 0, again.output
    with Store.open(settings) as store:
        assert (store.count_records(), len(store.files()), len(store.corrections(source["records"][0]["id"])),
                len(store.audit_entries(limit=1000))) == counts
    assert _dump(settings)["records"] == after["records"]
    assert run_check(settings).ok


def test_a_damaged_or_unfinished_export_is_refused_by_name_and_nothing_is_imported(exported, tmp_path):
    damaged = tmp_path / "copy"
    shutil.copytree(exported, damaged)
    victim = damaged / "archive" / "dossiers" / "000.00.01.H29-240115-0001.pdf"
    data = bytearray(victim.read_bytes())
    data[len(data) // 2] ^= 0x01  # one flipped bit, same size
    victim.write_bytes(bytes(data))
    (damaged / "store" / "audit.jsonl").unlink()
    new_dir = tmp_path / "data"

    result = _cli(["import", str(damaged), "--quiet"], new_dir)
    assert result.exit_code == 1
    assert "archive/dossiers/000.00.01.H29-240115-0001.pdf: checksum mismatch" in result.output
    assert "store/audit.jsonl: missing" in result.output
    assert not new_dir.exists()  # nothing imported, not even an empty store

    verify = _cli(["import", str(damaged), "--verify-only", "--quiet"], new_dir)
    assert verify.exit_code == 1 and "checksum mismatch" in verify.output

    (damaged / "manifest.json").unlink()
    unfinished = _cli(["import", str(damaged), "--quiet"], new_dir)
    assert unfinished.exit_code == 1 and "manifest.json is missing" in unfinished.output
    assert not new_dir.exists()

    usage = _cli(["import", str(tmp_path / "nowhere"), "--quiet"], new_dir)
    assert usage.exit_code == 2


def test_an_interrupted_export_run_again_finishes_and_keeps_what_was_copied(source, exported, tmp_path):
    from backup import export_backup, verify_backup

    target = tmp_path / "again"
    shutil.copytree(exported, target)
    manifest_before = json.loads((exported / "manifest.json").read_text(encoding="utf-8"))
    # a run killed while copying: no manifest, one copy missing, one half-written under its temporary name
    (target / "manifest.json").unlink()
    gone = next((target / "archive").glob("??/*.pdf"))
    partial = gone.with_name(f".{gone.name}.partial")
    partial.write_bytes(gone.read_bytes()[:1000])
    gone.unlink()
    with pytest.raises(Exception, match="manifest.json is missing"):
        verify_backup(target)

    report = export_backup(source["settings"], target, who="tester")
    assert report.ok, report.problems
    assert (report.copied, report.kept) == (1, 2)
    assert not partial.exists() and _sha(gone) == next(
        f["sha256"] for f in manifest_before["files"] if f["path"] == gone.relative_to(target).as_posix())
    manifest = verify_backup(target)
    assert {f.path for f in manifest.files} == {f["path"] for f in manifest_before["files"]}

    # a folder that is neither empty nor an export is refused; so is one inside the data directory
    stranger = tmp_path / "documents"
    stranger.mkdir()
    (stranger / "letter.txt").write_text("not a backup")
    assert _cli(["export", str(stranger), "-q"], source["settings"].data_dir).exit_code == 2
    inside = _cli(["export", str(source["settings"].data_dir / "backups"), "-q"], source["settings"].data_dir)
    assert inside.exit_code == 2 and "data directory" in inside.output
    nothing = _cli(["export", str(tmp_path / "empty-export"), "-q"], tmp_path / "no-such-data-dir")
    assert nothing.exit_code == 2 and "no store" in nothing.output
    assert not (tmp_path / "no-such-data-dir").exists()


def test_originals_travel_with_include_originals_and_newer_local_work_survives_a_reimport(source, tmp_path):
    from archival.check import run_check
    from backup import export_backup, import_backup
    from store.db import Store

    target = tmp_path / "with-originals"
    report = export_backup(source["settings"], target, include_originals=True, who="tester")
    assert report.ok and report.manifest.counts["originals"] == 1
    assert len(report.warnings) == 2  # the factory's other originals never existed on disk
    sha = source["records"][0]["id"]
    rel = f"originals/{sha[:2]}/{sha}/{source['original'].name}"
    assert _sha(target / rel) == sha

    settings = Settings(data_dir=tmp_path / "restored")
    moved = source["original"].with_suffix(".moved")
    source["original"].rename(moved)  # the old machine's disk is gone
    try:
        first = import_backup(settings, target, who="tester")
    finally:
        moved.rename(source["original"])
    assert first.ok and first.records["add"] == 3
    with Store.open(settings) as store:
        rec = store.get_record(sha)
        assert rec["source"]["path"] == str(settings.data_dir / rel) and _sha(Path(rec["source"]["path"])) == sha
        assert store.get_file(sha).path == rec["source"]["path"]
        # work done on the new machine after the restore is newer than the backup: a re-import keeps it
        store.apply_correction(sha, "subject_name", "Trần Văn Mới", who="canbo3")
    again = import_backup(settings, target, who="tester")
    assert again.records["keep"] == 1 and again.records["add"] == 0 and again.corrections["add"] == 0
    with Store.open(settings) as store:
        assert store.get_record(sha)["fields"]["subject_name"] == "Trần Văn Mới"
        assert [c.new_value for c in store.corrections(sha)] == [CORRECTED_NAME, None, "Trần Văn Mới"]
    assert run_check(settings).ok
