"""One data directory for every web test: realistic records saved straight into the store and indexed
(fast), accounts of the three roles, and one page ingested for real through the web app's batch route
(for the page image, the PDF/A and the field regions).

The ingest takes ~20 s (Prefect start-up and one OCR pass); it runs in the background while the other
tests go on, and only the tests that need its record wait for it. The directory is built once per test
session and shared (tests/test_web_*.py and tests/web_browser/ both use it), so tests that change
records each change their own.
"""

from __future__ import annotations

import atexit
import copy
import hashlib
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from config.settings import Settings
from tests.search_fixtures.curated import BIRTH, DECISION, MARRIAGE
from tests.search_fixtures.factory import Factory

PASSWORDS = {"admin": "quan-tri-2026!", "archivist": "luu-tru-2026!", "clerk": "tiep-nhan-2026!"}
USERNAMES = {"admin": "quantri", "archivist": "luutru", "clerk": "tiepnhan"}
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def _record(key: str, doc_type: str, fields: dict[str, Any], text: str, *, review: list[str] | None = None,
            problems: list[str] | None = None, confidence: dict[str, float] | None = None) -> dict[str, Any]:
    rid = hashlib.sha256(f"web-test:{key}".encode()).hexdigest()
    return {
        "id": rid,
        "source": {"path": f"scans/web/{key}.pdf", "sha256": rid, "media_type": "application/pdf", "pages": 1,
                   "born_digital": False, "batch_id": "web-fixture"},
        "doc_type": doc_type,
        "fields": fields,
        "text": text,
        "confidence": {"ocr": 0.9, "fields": confidence or {}},
        "needs_review": bool(review),
        "review_fields": review or [],
        "problems": problems or [],
        "pipeline_version": "0.1.0",
    }


# A decision whose subject's name OCR misread (ủ for ù) and whose number lost its "1" to an "l": the
# browser test corrects the name, the API test the number.
HUNG = _record("hung", "quyet_dinh", {
    "doc_number": "l54/QĐ-UBND", "issue_date": "2022-03-15", "issuer": "Ủy ban nhân dân huyện Hải Hậu",
    "place": "Hải Hậu", "summary": "Về việc công nhận hộ gia đình văn hóa năm 2021",
    "subject_name": "Lê Văn Hủng", "subject_id": "036085001122", "signer_title": "CHỦ TỊCH",
}, "ỦY BAN NHÂN DÂN TỈNH NAM ĐỊNH\nỦY BAN NHÂN DÂN HUYỆN HẢI HẬU\nSố: l54/QĐ-UBND\nHải Hậu, ngày 15 tháng 03 năm 2022\n"
   "QUYẾT ĐỊNH\nVề việc công nhận hộ gia đình văn hóa năm 2021\nĐiều 1. Công nhận hộ ông Lê Văn Hủng, "
   "số định danh cá nhân 036085001122, là hộ gia đình văn hóa.",
   review=["doc_number", "subject_name"],
   problems=["Số văn bản (doc_number): chữ số không rõ / digits unclear",
             "Họ tên người được cấp (subject_name): họ tên có chữ ít gặp: Hủng / unusual name syllables: Hủng"],
   confidence={"doc_number": 0.31, "subject_name": 0.42, "issue_date": 0.96, "issuer": 0.93})

# A birth certificate whose date of birth the ID number contradicts: the form must refuse a wrong fix.
THAO = _record("thao", "giay_khai_sinh", {
    "doc_number": "88", "book_number": "02/2019", "issue_date": "2019-04-02",
    "issuer": "Ủy ban nhân dân xã Xuân Phú", "place": "Xuân Trường", "subject_name": "Đỗ Phương Thảo",
    "subject_id": "036319004567", "subject_dob": "2019-03-20", "subject_sex": "Nữ",
    "father_name": "Đỗ Văn Khải", "mother_name": "Vũ Thị Lan",
}, "ỦY BAN NHÂN DÂN XÃ XUÂN PHÚ\nGIẤY KHAI SINH\nSố: 88\nQuyển số: 02/2019\nHọ, chữ đệm, tên: Đỗ Phương Thảo\n"
   "Ngày, tháng, năm sinh: 20/03/2019\nSố định danh cá nhân: 036319004567",
   review=["subject_dob"], problems=["Ngày sinh (subject_dob): độ tin cậy thấp (52%) / low confidence"],
   confidence={"subject_dob": 0.52})

# Nguyễn Thị Thu Hà: the clerk's search without diacritics finds her birth certificate.
HA = _record("ha", "giay_khai_sinh", {
    "doc_number": "27", "book_number": "01/1990", "issue_date": "1990-07-05",
    "issuer": "Ủy ban nhân dân xã Nghĩa Lạc", "place": "Nghĩa Lạc", "subject_name": "Nguyễn Thị Thu Hà",
    "subject_id": "036190614006", "subject_dob": "1990-06-26", "subject_sex": "Nữ",
    "father_name": "Nguyễn Văn Bình", "mother_name": "Trần Thị Mai",
}, "ỦY BAN NHÂN DÂN XÃ NGHĨA LẠC\nGIẤY KHAI SINH\nSố: 27\nHọ, chữ đệm, tên: Nguyễn Thị Thu Hà\n"
   "Ngày, tháng, năm sinh: 26/06/1990\nSố định danh cá nhân: 036190614006\n"
   "Họ, chữ đệm, tên cha: Nguyễn Văn Bình\nHọ, chữ đệm, tên mẹ: Trần Thị Mai")

# Records the other tests leave alone (a correction/reprocess test works on its own copy).
SPARE = _record("spare", "xac_nhan_tinh_trang_hon_nhan", {
    "doc_number": "15/XN-UBND", "issue_date": "2024-05-06", "issuer": "Ủy ban nhân dân xã Minh Tân",
    "place": "Vụ Bản", "subject_name": "Hoàng Minh Quân", "subject_id": "036095112233",
    "subject_dob": "1995-08-01", "marital_status": "Chưa đăng ký kết hôn với ai",
}, "GIẤY XÁC NHẬN TÌNH TRẠNG HÔN NHÂN\nHọ, chữ đệm, tên: Hoàng Minh Quân\nSố định danh cá nhân: 036095112233",
   review=["marital_status"], problems=["Tình trạng hôn nhân (marital_status): độ tin cậy thấp / low confidence"])

# For the browser test: OCR gave the tone mark of the given name wrong (hỏi for sắc); a reviewer fixes it.
TUAN = _record("tuan", "quyet_dinh", {
    "doc_number": "212/QĐ-UBND", "issue_date": "2023-09-12", "issuer": "Ủy ban nhân dân huyện Vụ Bản",
    "place": "Vụ Bản", "summary": "Về việc cấp giấy phép kinh doanh dịch vụ ăn uống",
    "subject_name": "Trịnh Văn Tuẩn", "subject_id": "036088002211", "signer_title": "PHÓ CHỦ TỊCH",
}, "ỦY BAN NHÂN DÂN HUYỆN VỤ BẢN\nSố: 212/QĐ-UBND\nQUYẾT ĐỊNH\nVề việc cấp giấy phép kinh doanh dịch vụ ăn uống\n"
   "Điều 1. Cấp phép cho ông Trịnh Văn Tuẩn.",
   review=["subject_name"], problems=["Họ tên người được cấp (subject_name): họ tên có chữ ít gặp: Tuẩn / unusual name syllables: Tuẩn"],
   confidence={"subject_name": 0.47})

CURATED = {"birth": BIRTH, "marriage": MARRIAGE, "decision": DECISION, "hung": HUNG, "thao": THAO, "ha": HA,
           "spare": SPARE, "tuan": TUAN}


@dataclass
class WebData:
    root: Path
    settings: Settings
    ids: dict[str, str]
    batch_id: str | None = None
    _ingested: str | None = field(default=None, repr=False)
    _launcher: Any = field(default=None, repr=False)
    _shared: Any = field(default=None, repr=False)  # the app that started the batch holds its process

    def user(self, role: str) -> tuple[str, str]:
        return USERNAMES[role], PASSWORDS[role]

    def app(self):  # noqa: ANN201
        from web.app import create_app

        return create_app(self.settings)

    def shared_app(self):  # noqa: ANN201
        """One app for the clients of a test module: as in production, the searches see at once what
        the corrections re-indexed (another app instance's index reader reloads half a second later)."""
        if self._shared is None:
            self._shared = self.app()
        return self._shared

    def client(self, role: str | None = None, app: Any = None) -> TestClient:
        """A TestClient logged in as `role` (None: not logged in), of `app` or of a fresh app instance."""
        client = TestClient(app or self.app(), follow_redirects=False)
        if role:
            login(client, *self.user(role))
        return client

    def ingested_id(self, timeout: float = 240) -> str:
        """The record of the page ingested through the batch route, once the batch is done; made
        doubtful (as OCR of a worse scan would) so the review queue shows its field regions."""
        if self._ingested:
            return self._ingested
        from search.base import open_backend
        from store.db import Store
        from web.batches import BatchManager

        store = Store.open(self.settings)
        manager = BatchManager(self.settings, store)
        deadline = time.monotonic() + timeout
        row = manager.get(self.batch_id or "")
        while row is not None and row.status == "running" and time.monotonic() < deadline:
            time.sleep(0.5)
            row = manager.get(self.batch_id or "")
        assert row is not None and row.status == "done", f"ingest batch: {row and row.status}: {row and row.error}"
        outcome = next(o for o in row.report["outcomes"] if o.get("record_id"))
        record = store.get_record(outcome["record_id"])
        assert record is not None and (record.get("archive") or {}).get("pdfa_path")
        doubtful = [f for f in ("subject_name", "issue_date", "doc_number") if f in record["fields"]]
        if set(record.get("review_fields") or []) != set(doubtful):
            record = copy.deepcopy(record)
            record.pop("corrected", None)
            record.update(needs_review=True, review_fields=doubtful, problems=[
                f"{f}: độ tin cậy thấp, cần kiểm tra / low confidence, please check" for f in doubtful])
            store.save_record(record)
            with open_backend(self.settings) as backend:
                backend.sync_from(store)
        store.close()
        self._ingested = record["id"]
        return record["id"]


def csrf_of(html: str) -> str:
    m = CSRF.search(html)
    assert m, "no CSRF token on the page"
    return m.group(1)


def login(client: TestClient, username: str, password: str) -> None:
    page = client.get("/login")
    r = client.post("/login", data={"username": username, "password": password, "csrf_token": csrf_of(page.text),
                                    "next": "/search"})
    assert r.status_code == 303, r.text[:500]


_BUILT: WebData | None = None


def build(tmp_root: Path) -> WebData:
    """The shared data directory (built on first use in a test session)."""
    global _BUILT
    if _BUILT is not None:
        return _BUILT
    from search.base import open_backend
    from store.db import Store
    from tests.fixtures.generator import generate_document, save_document
    from web.accounts import Accounts

    root = tmp_root / "web-data"
    # everything explicit: a developer's SOHOA_* environment must not point the tests at real data
    settings = Settings(data_dir=root, database_url="", inbox_dir=None, workers=1, search_backend="tantivy",
                        web_full_id_roles=["archivist", "admin"], web_ingest_roots=[], web_secret_key=None,
                        web_secret_key_file=None)
    store = Store.open(settings)
    noise = Factory(seed=61).corpus(80)
    store.save_records([*noise, *(copy.deepcopy(r) for r in CURATED.values())])
    with open_backend(settings) as backend:
        backend.sync_from(store)
    accounts = Accounts(store, settings)
    for role, name in USERNAMES.items():
        accounts.add_user(name, role, PASSWORDS[role], {"admin": "Quản Trị Viên", "archivist": "Trần Thị Lan",
                                                        "clerk": "Nguyễn Thị Hoa"}[role])
    store.close()
    data = WebData(root=root, settings=settings, ids={k: r["id"] for k, r in CURATED.items()})

    # one clean page, ingested through the web: archivist logs in, names the folder, launches
    folder = Path(settings.inbox_dir) / "lo-thu-nghiem"
    page = save_document(generate_document(11, doc_type="giay_khai_sinh", level="clean"), folder, fmt="png")
    for truth in folder.glob("*.truth.json"):
        truth.unlink()
    assert page.exists()
    client = data.client("archivist")
    form = client.get("/batches")
    r = client.post("/batches/folder", data={"folder": "lo-thu-nghiem", "csrf_token": csrf_of(form.text)})
    assert r.status_code == 303, r.text[:800]
    data.batch_id = r.headers["location"].split("/batches/")[1].split("?")[0]
    data._launcher = client
    atexit.register(stop_batches)
    _BUILT = data
    return data


def stop_batches() -> None:
    """Session end: a batch nobody waited for must not outlive the tests."""
    if _BUILT is None or _BUILT._launcher is None:
        return
    for proc in _BUILT._launcher.app.state.sohoa.batches._procs.values():
        if proc.poll() is None:
            proc.terminate()
            proc.wait(timeout=30)


def shared(tmp_path_factory: pytest.TempPathFactory) -> WebData:
    """What each test module's `web_data` fixture returns: the one data directory of the session."""
    return build(tmp_path_factory.getbasetemp())
