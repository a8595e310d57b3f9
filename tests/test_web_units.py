"""Small parts of the web app on their own: secrets, throttling, correction checks, path safety, the
field locator, labels, the child process's settings."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from config.settings import Settings
from store.privacy import mask_id
from tests.search_fixtures.factory import Factory
from web import images, security
from web.batches import BatchError, BatchManager, settings_env
from web.corrections import check, normalise
from web.deps import safe_next
from web.labels import doc_type_label, field_label, vn_date, vn_time
from web.lookups import BadQuery, build_query, masked


def test_password_hash_verify_and_strength():
    h = security.hash_password("mật khẩu dài 2026")
    assert h.startswith("$argon2id$")
    assert security.verify_password(h, "mật khẩu dài 2026") == (True, None)
    assert security.verify_password(h, "mật khẩu dài 2027")[0] is False
    assert security.verify_password(None, "anything")[0] is False
    assert security.verify_password("not-a-hash", "anything")[0] is False
    with pytest.raises(security.WeakPassword):
        security.check_password_strength("ngan")
    with pytest.raises(security.WeakPassword):
        security.check_password_strength("nguyenvanan", "NguyenVanAn")


def test_tokens_are_random_and_stored_as_sha256():
    a, b = security.new_token("sohoa_"), security.new_token("sohoa_")
    assert a != b and a.startswith("sohoa_") and len(a) > 40
    assert len(security.token_hash(a)) == 64 and security.token_hash(a) != a


def test_csrf_tokens_bind_to_the_session_and_the_key():
    key = b"k" * 40
    token = security.csrf_token(key, "session-1")
    assert security.csrf_valid(key, "session-1", token)
    assert not security.csrf_valid(key, "session-2", token)
    assert not security.csrf_valid(b"x" * 40, "session-1", token)
    assert not security.csrf_valid(key, None, token) and not security.csrf_valid(key, "session-1", None)


def test_secret_key_file_is_created_private_and_a_readable_one_is_refused(tmp_path):
    settings = Settings(data_dir=tmp_path)
    key = security.load_secret_key(settings)
    path = tmp_path / "web" / "secret.key"
    assert len(key) >= 32 and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert security.load_secret_key(settings) == key  # stable across restarts
    os.chmod(path, 0o644)
    with pytest.raises(security.InsecureKeyFile):
        security.load_secret_key(settings)
    assert security.load_secret_key(Settings(data_dir=tmp_path, web_secret_key="s" * 40)) == b"s" * 40
    with pytest.raises(security.InsecureKeyFile):
        security.load_secret_key(Settings(data_dir=tmp_path, web_secret_key="short"))


def test_login_limiter_counts_per_key_and_forgets_after_the_window(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(security.time, "monotonic", lambda: now[0])
    limiter = security.LoginLimiter(attempts=3, window_s=60)
    for _ in range(3):
        assert limiter.retry_after("user:a", "ip:1") == 0
        limiter.failed("user:a", "ip:1")
    assert 0 < limiter.retry_after("user:a") <= 61
    assert limiter.retry_after("ip:1") > 0 and limiter.retry_after("user:b", "ip:2") == 0
    now[0] += 61
    assert limiter.retry_after("user:a", "ip:1") == 0
    limiter.failed("user:a")
    limiter.succeeded("user:a")
    assert limiter.retry_after("user:a") == 0


def test_corrections_normalise_and_validate():
    record = Factory(seed=3).record("giay_khai_sinh")
    f = record["fields"]
    assert normalise("subject_dob", " 9/11/2022 ") == "2022-11-09"
    assert normalise("subject_id", "036 322 123 646") == "036322123646"
    assert normalise("subject_name", "Nguyễn  Thị  Hoà") == "Nguyễn Thị Hòa"  # one space, traditional tone mark
    assert normalise("issuer", "   ") is None
    assert check(record, "subject_name", "Phạm Hoài Như").ok
    assert not check(record, "subject_id", "12345").ok
    assert not check(record, "subject_dob", "31/02/2022").ok
    wrong_century = "1990-01-01" if f["subject_id"][3] not in "01" else "2010-01-01"
    assert not check(record, "subject_dob", wrong_century).ok  # the ID's century digit disagrees
    assert not check(record, "source", "x").ok and not check(record, "id", "x").ok
    assert check(record, "doc_type", "quyet_dinh").ok and not check(record, "doc_type", "bogus").ok
    removal = check(record, "issuer", "")
    assert removal.ok and removal.value is None and removal.warnings


def test_archive_files_must_resolve_inside_the_data_dir(tmp_path):
    data = tmp_path / "data"
    inside = data / "archive" / "ab" / "x.pdf"
    inside.parent.mkdir(parents=True)
    inside.write_bytes(b"%PDF-1.4")
    outside = tmp_path / "outside.pdf"
    outside.write_bytes(b"%PDF-1.4")
    (data / "archive" / "link.pdf").symlink_to(outside)
    settings = Settings(data_dir=data)
    assert images.archive_file(settings, {"archive": {"pdfa_path": str(inside)}}) == inside.resolve()
    assert images.archive_file(settings, {"archive": {"pdfa_path": "archive/ab/x.pdf"}}) == inside.resolve()
    for bad in (str(outside), "archive/../../outside.pdf", str(data / "archive" / "link.pdf"), "/etc/passwd",
                str(data / "archive"), str(data / "archive" / "missing.pdf"), "", None):
        with pytest.raises(images.NoImage):
            images.archive_file(settings, {"archive": {"pdfa_path": bad}})
    with pytest.raises(images.NoImage):
        images.archive_file(settings, {})


def test_locate_finds_a_field_in_the_text_layer(tmp_path):
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    font = next((p for p in ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
                             "/usr/share/fonts/dejavu/DejaVuSans.ttf") if Path(p).exists()), None)
    if font is None:
        pytest.skip("no DejaVu font to write Vietnamese")
    pdfmetrics.registerFont(TTFont("DejaVu", font))
    path = tmp_path / "page.pdf"
    c = canvas.Canvas(str(path), pagesize=A4)
    c.setFont("DejaVu", 12)
    c.drawString(72, 700, "Số: 154/QĐ-UBND")
    c.drawString(300, 700, "Nam Định, ngày 06 tháng 12 năm 2021")
    c.drawString(72, 500, "Họ, chữ đệm, tên: NGUYỄN THỊ THU HÀ")
    c.save()
    name = images.locate(path, "subject_name", "Nguyễn Thị Thu Hà")
    assert name is not None and name.page == 1
    x0, y0, x1, y1 = name.box
    assert 0.3 < y0 < y1 < 0.45 and x1 > x0  # the line at 500 pt from the bottom of 842
    date = images.locate(path, "issue_date", "2021-12-06")
    assert date is not None and date.box[0] > 0.5 and date.box[1] < 0.2
    typo = images.locate(path, "subject_name", "Nguyễn Thị Thu Hả")  # OCR tone error still found
    assert typo is not None
    assert images.locate(path, "subject_name", "Trần Văn Bình") is None
    assert images.locate(path, "subject_name", None) is None


def test_labels_dates_and_masks():
    assert doc_type_label("giay_khai_sinh") == "Giấy khai sinh" and doc_type_label("khac") == "Khác"
    assert field_label("subject_id") == "Số định danh/CMND"
    assert vn_date("2021-07-05") == "05/07/2021" and vn_date(None) == ""
    assert vn_time("2026-11-22T00:39:08+00:00") == "22/11/2026 07:39"  # office clock, UTC+7
    record = {"fields": {"subject_id": "036190614006", "husband_id": "123456789", "father_id": "1234567"},
              "text": "CCCD 036190614006"}
    shown = masked(record, full_ids=False)
    assert shown["fields"] == {"subject_id": "0361******06", "husband_id": "123****89", "father_id": "123**67"}
    assert shown["text"] == "CCCD 0361******06" and record["fields"]["subject_id"] == "036190614006"
    assert masked(record, full_ids=True) == record
    assert mask_id("036190614006") == "0361******06"


def test_safe_next_only_allows_local_paths():
    assert safe_next("/records/abc?x=1") == "/records/abc?x=1"
    for bad in ("//evil.example", "https://evil.example", "javascript:alert(1)", "/\\evil", "", None):
        assert safe_next(bad) == "/search"


def test_build_query_validates_dates_and_pages():
    q = build_query("nguyen van an", "giay_khai_sinh", date_from="05/07/2021", date_to="2021-12-31", page=3)
    assert q.offset == 40 and q.date_from.isoformat() == "2021-07-05" and q.doc_type == "giay_khai_sinh"
    with pytest.raises(BadQuery):
        build_query("x", date_from="2021-12-31", date_to="2021-01-01")
    with pytest.raises(BadQuery):
        build_query("x", date_from="hôm qua")
    assert build_query("x", page=10_000).offset == 10_000


def test_settings_reach_the_batch_process_unchanged(tmp_path, monkeypatch):
    settings = Settings(data_dir=tmp_path, workers=3, web_full_id_roles=["admin"], web_secret_key="z" * 40,
                        web_ingest_roots=[tmp_path / "in"])
    for key in [k for k in os.environ if k.startswith("SOHOA_")]:
        monkeypatch.delenv(key)
    for key, value in settings_env(settings).items():
        monkeypatch.setenv(key, value)
    again = Settings()
    assert again.model_dump() == settings.model_dump()
    assert again.web_secret_key.get_secret_value() == "z" * 40


def test_uploads_and_folders(tmp_path):
    from store.db import Store

    settings = Settings(data_dir=tmp_path / "d", web_ingest_roots=[tmp_path / "scans"])
    (tmp_path / "scans" / "2021").mkdir(parents=True)
    (tmp_path / "other").mkdir()
    with Store.open(settings) as store:
        manager = BatchManager(settings, store)
        assert manager.check_folder("2021") == (tmp_path / "scans" / "2021").resolve()
        assert manager.check_folder(str(tmp_path / "scans" / "2021")) == (tmp_path / "scans" / "2021").resolve()
        for bad in (str(tmp_path / "other"), "../other", "", "/", "2022"):
            with pytest.raises(BatchError):
                manager.check_folder(bad)
        import io

        folder = manager.save_uploads("b1", [("..\\..\\x.PDF", io.BytesIO(b"%PDF")), ("x.PDF", io.BytesIO(b"%PDF")),
                                             ("<script>.png", io.BytesIO(b"png"))])
        assert sorted(p.name for p in folder.iterdir()) == ["_script_.png", "x-1.PDF", "x.PDF"]
        with pytest.raises(BatchError):
            manager.save_uploads("b2", [("notes.txt", io.BytesIO(b"x"))])
        with pytest.raises(BatchError):
            manager.save_uploads("b3", [])


def test_index_sync_retries_in_the_background_until_the_writer_is_free():
    from web.state import IndexSync

    class Busy:
        calls = 0

        def sync_from(self, store):
            Busy.calls += 1
            if Busy.calls < 3:
                raise RuntimeError("the index is being written by another process")
            return 1

    import time as _time

    sync = IndexSync(store=None, backend=Busy(), retry_s=0.05)
    ticket = sync.request()
    _time.sleep(0.02)
    # failing: waiting returns at once (searches are not held up by a busy index), the thread retries
    assert sync.wait(ticket, timeout=5) is False and sync.pending
    deadline = _time.monotonic() + 5
    while not sync.wait(ticket, timeout=0.05) and _time.monotonic() < deadline:
        pass
    assert Busy.calls == 3 and not sync.pending
    assert sync.wait(timeout=0) is True  # nothing in flight: searches do not wait
    assert sync.sync_now(timeout=5) is True and Busy.calls == 4
    sync.stop()


def test_user_commands(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from config.settings import get_settings
    from sohoa.cli import app

    monkeypatch.setenv("SOHOA_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        r = runner.invoke(app, ["user", "add", "quantri", "--role", "admin", "--full-name", "Quản Trị",
                                "--password-stdin"], input="mot-mat-khau-dai\n")
        assert r.exit_code == 0, r.output
        r = runner.invoke(app, ["user", "add", "x", "--password-stdin"], input="ngan\n")
        assert r.exit_code == 1
        r = runner.invoke(app, ["user", "add", "quantri", "--password-stdin"], input="mot-mat-khau-dai\n")
        assert r.exit_code == 1 and "đã tồn tại" in r.output
        r = runner.invoke(app, ["user", "token", "quantri", "--label", "một cửa"])
        assert r.exit_code == 0 and r.output.strip().startswith("sohoa_")
        r = runner.invoke(app, ["user", "role", "quantri", "clerk"])
        assert r.exit_code == 1  # the only admin stays an admin
        r = runner.invoke(app, ["user", "list"])
        assert "quantri" in r.output and "admin" in r.output
        assert runner.invoke(app, ["web", "--help"]).exit_code == 0
    finally:
        get_settings.cache_clear()
