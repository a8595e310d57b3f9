"""Hostile input: every file of tests/fixtures/hostile.py gets its own error code or is read, and a batch of
all of them goes on, stores the good ones once, and leaves the originals as they were."""

from __future__ import annotations

import hashlib
import json
import os
import stat
import subprocess
import sys
import textwrap
import unicodedata
from pathlib import Path

import pytest

from config.settings import Settings, get_settings
from extractors.errors import SohoaError
from extractors.load import discover, display_path, find_original, find_scans, open_document
from tests.fixtures import hostile
from tests.fixtures.generator import generate_document, save_document

ROOT = Path(__file__).resolve().parents[1]


def _settings(tmp_path: Path, **kw) -> Settings:
    return Settings(data_dir=tmp_path / "data", **kw)


def _read_all(path: Path, settings: Settings) -> int:
    """Open and decode every page, as the pipeline would; the number of pages."""
    doc = open_document(path, settings)
    return sum(1 for _ in doc.pages)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> dict[str, Path]:
    return hostile.write_all(tmp_path_factory.mktemp("hostile"))


# ---------------------------------------------------------------------------------------------- one file at a time


@pytest.mark.parametrize("key", sorted(hostile.EXPECTED))
def test_each_hostile_file_gets_its_code_or_is_read(key, corpus, tmp_path):
    expected = hostile.EXPECTED[key][1]
    path = corpus[key]
    if expected is None:
        assert _read_all(path, _settings(tmp_path)) >= 1
        return
    with pytest.raises(SohoaError) as info:
        _read_all(path, _settings(tmp_path))
    assert info.value.code == expected, (key, info.value)
    assert info.value.message and info.value.path == str(path)


def test_owner_password_only_pdf_is_read_from_its_text_layer(corpus, tmp_path):
    page = next(open_document(corpus["owner_only_encrypted_pdf"], _settings(tmp_path)).pages)
    assert page.method == "text_layer" and any("QUYẾT" in w.text for w in page.words)


def test_limits_name_themselves_and_can_be_raised(corpus, tmp_path, monkeypatch):
    with pytest.raises(SohoaError, match=r"1000 pages exceed the limit of 500 \(max_pages\)"):
        open_document(corpus["many_pages_pdf"], _settings(tmp_path))
    assert open_document(corpus["many_pages_pdf"], _settings(tmp_path, max_pages=1000)).page_count == 1000
    # the huge page passes the header check once the pixel limit allows it (its pixels are not decoded here)
    assert open_document(corpus["huge_page_png"], _settings(tmp_path, max_page_pixels=400_000_000)).page_count == 1
    with pytest.raises(SohoaError) as info:
        open_document(corpus["owner_only_encrypted_pdf"], _settings(tmp_path, max_file_bytes=1000))
    assert info.value.code == "file_too_large"
    # each limit is read from SOHOA_* like every setting
    env = {"SOHOA_MAX_PAGES": "7", "SOHOA_MAX_PAGE_PIXELS": "2000000", "SOHOA_MAX_FILE_BYTES": "4096",
           "SOHOA_PAGE_TIMEOUT_S": "9"}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    s = Settings(data_dir=tmp_path)
    assert (s.max_pages, s.max_page_pixels, s.max_file_bytes, s.page_timeout_s) == (7, 2_000_000, 4096, 9)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert all(f"`{name}`" in readme for name in env)


_MEMORY_PROBE = textwrap.dedent("""
    import json, sys
    from pathlib import Path
    from config.settings import Settings
    from extractors.errors import SohoaError
    from extractors.load import open_document

    def hwm_mb():
        # VmHWM belongs to this process's own memory map; ru_maxrss would also count the parent's peak,
        # which Linux hands to a child started by vfork+exec (pytest's process is large by now)
        for line in open("/proc/self/status"):
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024

    settings = Settings(data_dir=Path(sys.argv[1]))
    small = Path(sys.argv[2])
    sum(1 for _ in open_document(small, settings).pages)  # imports and first use out of the way
    before = hwm_mb()
    codes = {}
    for name in sys.argv[3:]:
        try:
            sum(1 for _ in open_document(Path(name), settings).pages)
            codes[name] = None
        except SohoaError as exc:
            codes[name] = exc.code
    after = hwm_mb()
    print(json.dumps({"codes": codes, "delta_mb": after - before, "peak_mb": after}))
""")


def test_huge_page_and_bombs_are_refused_before_decoding(corpus, tmp_path):
    small = tmp_path / "small.png"
    from PIL import Image

    Image.new("L", (400, 300), 255).save(small)
    victims = [corpus[k] for k in ("huge_page_png", "bomb_png", "pdf_image_bomb")]
    proc = subprocess.run([sys.executable, "-c", _MEMORY_PROBE, str(tmp_path / "data"), str(small),
                           *map(str, victims)], capture_output=True, text=True, cwd=ROOT, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert set(out["codes"].values()) == {"page_too_large"}, out
    # decoding the 20,000 x 20,000 page alone would take 400 MB (grey) to 1.2 GB (RGB)
    assert out["delta_mb"] < 100 and out["peak_mb"] < 1024, out


def test_legacy_font_pdf_is_detected_and_sent_to_ocr(tmp_path):
    from tests.fixtures.generator import make_legacy_pdf

    path = tmp_path / "legacy.pdf"
    make_legacy_pdf(3, path, "vni")
    doc = open_document(path, _settings(tmp_path))
    page = next(doc.pages)
    assert doc.born_digital and page.method == "ocr" and page.image is not None
    assert "legacy" in page.note, page.note


# ---------------------------------------------------------------------------------------------- folders and names


@pytest.fixture()
def inbox(tmp_path) -> tuple[Path, dict[str, Path], Path]:
    folder = tmp_path / "inbox"
    folder.mkdir()
    good = folder / "good.png"
    from PIL import Image

    Image.new("L", (400, 300), 255).save(good)
    made = hostile.write_batch(folder, tmp_path / "outside", good)
    (folder / "sub").mkdir()
    return folder, made, good


def test_links_out_of_the_inbox_are_not_followed_and_are_reported(inbox):
    folder, made, good = inbox
    files, skipped = discover([folder])
    why = {s.path: s.code for s in skipped}
    for key, (_, status, code) in hostile.BATCH_EXPECTED.items():
        if status == "skipped_not_followed":
            assert why.get(made[key]) == code, (key, why)
            assert made[key] not in files
    assert all(folder.resolve() in f.resolve().parents for f in files)
    assert not any("outside" in str(s.message) and s.path.parent != folder for s in skipped)
    assert len(skipped) == 4 and find_scans([folder]) == files
    # a link to a scan inside the inbox comes after the scan itself: the scan is read, the link is a duplicate
    assert files.index(made["link_inside"]) > files.index(good)


def test_paths_are_kept_as_given_and_reported_in_nfc(inbox):
    folder, made, _ = inbox
    dotted = folder / "sub" / ".." / hostile.NFD_NAME
    assert find_scans([dotted]) == [dotted]  # a file given by hand, `..` and all
    assert open_document(dotted, Settings(data_dir=folder.parent / "data")).page_count == 1
    files, _ = discover([folder / "sub" / ".."])
    assert all(str(f).startswith(str(folder / "sub" / "..")) for f in files)
    nfd = made["nfd_name_with_spaces"]
    assert nfd in [f.resolve().parent / f.name for f in files]
    shown = display_path(nfd)
    assert unicodedata.is_normalized("NFC", shown) and shown != str(nfd) and nfd.exists()
    assert find_original(shown) == nfd and find_original(display_path(dotted)) is not None
    latin = display_path(made["not_utf8_name"])
    assert "\ufffd" in latin and latin.encode("utf-8")  # printable, storable
    assert find_original(latin) == made["not_utf8_name"]
    assert find_original(folder / "nothing here.pdf") is None


def test_reprocess_finds_an_original_named_in_nfd(inbox):
    from flows.maintenance import stale_records

    _, made, _ = inbox

    class Store:
        def iter_records(self):
            yield {"id": "x", "pipeline_version": "0", "source": {"path": display_path(made["nfd_name_with_spaces"])}}

    assert stale_records(Store(), None, older_only=True) == [(made["nfd_name_with_spaces"], "x")]


def test_a_file_over_the_size_limit_is_not_copied_to_quarantine(tmp_path):
    from flows.work import quarantine

    big = tmp_path / "big scan.pdf"
    big.write_bytes(hostile.small_pdf_bytes())
    settings = _settings(tmp_path, max_file_bytes=1000)
    quarantine(settings, big, "ab" * 32, "file_too_large", "too big", "b1")
    folder = settings.data_dir / "quarantine" / ("ab" * 32)
    reason = json.loads((folder / "reason.json").read_text(encoding="utf-8"))
    assert reason["code"] == "file_too_large" and reason["copied"] is False
    assert sorted(p.name for p in folder.iterdir()) == ["reason.json"] and big.is_file()


# ---------------------------------------------------------------------------------------------- one whole batch


@pytest.fixture(scope="module")
def harness():
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture()
def data_dir(tmp_path, monkeypatch):
    d = tmp_path / "data"
    monkeypatch.setenv("SOHOA_DATA_DIR", str(d))
    get_settings.cache_clear()
    yield d
    get_settings.cache_clear()


def _snapshot(folder: Path) -> dict[str, object]:
    """Every name under `folder` as bytes, with its content (regular files), target (links) or kind."""
    out: dict[str, object] = {}
    for dirpath, dirnames, filenames in os.walk(folder):
        for name in dirnames + filenames:
            p = Path(dirpath) / name
            key = os.fsencode(p)
            mode = p.lstat().st_mode
            if stat.S_ISLNK(mode):
                out[key] = ("link", os.readlink(p))
            elif stat.S_ISREG(mode):
                out[key] = ("file", hashlib.sha256(p.read_bytes()).hexdigest())
            else:
                out[key] = ("other", stat.S_IFMT(mode))
    return out


def test_a_batch_of_every_hostile_file_goes_on(harness, data_dir, tmp_path):
    from archival.check import run_check
    from extractors.load import sha256_file
    from extractors.vietnamese import fold_key
    from flows.ingest import ingest_with_workers
    from store.db import Store

    inbox = tmp_path / "inbox"
    good = save_document(generate_document(11, doc_type="quyet_dinh", level="clean"), inbox, fmt="png",
                         name="quyết định tốt")
    for truth in inbox.glob("*.truth.json"):
        truth.unlink()
    bad = hostile.write_all(inbox)
    made = hostile.write_batch(inbox, tmp_path / "outside", good)
    (inbox / "sub").mkdir()
    before = {name: _snapshot(tmp_path / name) for name in ("inbox", "outside")}

    root = inbox / "sub" / ".."  # the inbox given with `..` in its path: kept as given
    report = ingest_with_workers([str(root)], workers=2, batch_id="hostile")

    by_path = {o["path"]: o for o in report["outcomes"]}
    assert len(by_path) == len(report["outcomes"])  # one outcome per path

    def outcome(path: Path) -> dict:
        return by_path[display_path(root / path.name)]

    expected: dict[Path, tuple[str, str | None]] = {good: ("handled", None)}
    for key, (_, code) in hostile.EXPECTED.items():
        expected[bad[key]] = ("failed", code) if code else ("handled", None)
    for key, (_, status, code) in hostile.BATCH_EXPECTED.items():
        expected[made[key]] = (status, code)
    assert len(by_path) == len(expected), sorted(by_path)
    quarantine = data_dir / "quarantine"
    for path, (status, code) in expected.items():
        got = outcome(path)
        assert unicodedata.is_normalized("NFC", got["path"])
        if path in (good, made["same_scan_twice"]):
            continue  # the one of the pair that sorts first is read, the other is its duplicate
        if status == "handled":
            assert got["status"] in ("done", "needs_review"), (path.name, got)
            continue
        assert got["status"] == status, (path.name, got)
        if code:
            assert got["error_code"] == code and got["error_message"], (path.name, got)
        if status == "failed":
            reason = json.loads((quarantine / got["sha256"] / "reason.json").read_text(encoding="utf-8"))
            assert reason["code"] == code and reason["path"] == got["path"], reason
            assert reason["copied"] and (quarantine / got["sha256"] / display_path(path.name)).is_file()
    pair = sorted([good, made["same_scan_twice"]])
    assert outcome(pair[0])["status"] in ("done", "needs_review")
    assert outcome(pair[1])["status"] == outcome(made["link_inside"])["status"] == "skipped_duplicate"
    for dup in (pair[1], made["link_inside"]):
        assert outcome(dup)["error_message"] == f"same content as {display_path(root / pair[0].name)}"
    assert report["counts"]["skipped_not_followed"] == 4 and report["counts"]["skipped_duplicate"] == 2
    assert {f["code"] for f in report["failures"]} == {c for s, c in expected.values() if s == "failed"}

    # nothing outside the inbox was read or copied; the originals are as they were, names and bytes
    assert not any("outside" in p for p in by_path)
    assert {name: _snapshot(tmp_path / name) for name in before} == before

    settings = Settings()
    with Store.open(settings) as store:
        records = {r["source"]["path"]: r for r in store.iter_records()}
    assert len(records) == 4  # the good scan, the owner-password PDF, the NFD-named PDF, the legacy PDF
    nfd_record = records[display_path(root / made["nfd_name_with_spaces"].name)]
    assert nfd_record["id"] == sha256_file(made["nfd_name_with_spaces"])
    assert find_original(nfd_record["source"]["path"]) is not None
    legacy = records[display_path(root / made["legacy_pdf"].name)]
    assert legacy["pages"][0]["method"] == "ocr" and "quyet dinh" in fold_key(legacy["text"]), legacy["pages"]
    assert records[display_path(root / pair[0].name)]["id"] == sha256_file(good)

    check = run_check(settings)
    assert check.ok, check.findings
    assert not [f for f in check.findings if f.kind == "original_moved"], check.findings
