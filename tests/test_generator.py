"""The synthetic document generator: deterministic, truthful, and its broken files really are broken."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import shutil
import subprocess
import unicodedata
import zipfile
from collections import Counter
from pathlib import Path

import numpy as np
import pdfplumber
import pikepdf
import pypdfium2 as pdfium
import pytest
from PIL import Image, UnidentifiedImageError

from tests.fixtures import hostile
from tests.fixtures.generator import (
    DOC_TYPES,
    GeneratedDoc,
    generate_document,
    make_born_digital_pdf,
    make_corpus,
    make_legacy_pdf,
    save_document,
)
from tests.fixtures.layout import font_path
from tests.fixtures.legacy import legacy_font, legacy_font_name, tcvn3_runs, to_tcvn3, to_vni, vni_glyph_map
from tests.fixtures.vntext import date_in_words, modern_tones, number_words

DATE_FIELDS = {"issue_date", "subject_dob", "valid_until", "date_of_death", "husband_dob", "wife_dob"}
VIET_TONED = re.compile("[\u1ea0-\u1ef9]")  # precomposed Vietnamese letters with tone marks (ạ ả ấ ... ỹ)


def _pixels_hash(doc: GeneratedDoc) -> str:
    h = hashlib.sha256()
    for page in doc.pages:
        h.update(page.mode.encode() + repr(page.size).encode() + page.tobytes())
    return h.hexdigest()


def _nfc(s: str) -> bool:
    return unicodedata.normalize("NFC", s) == s


# ---------------------------------------------------------------------------------------------- generation


def test_same_seed_same_pixels_and_truth() -> None:
    a = generate_document(3, "quyet_dinh", level="medium", rotation=90, color=True)
    b = generate_document(3, "quyet_dinh", level="medium", rotation=90, color=True)
    assert _pixels_hash(a) == _pixels_hash(b)
    assert (a.truth_text, a.truth_fields, a.skew_deg) == (b.truth_text, b.truth_fields, b.skew_deg)
    c = generate_document(4, "quyet_dinh", level="medium", rotation=90, color=True)
    assert c.truth_text != a.truth_text


def test_content_does_not_depend_on_damage() -> None:
    """A benchmark compares levels on the same documents: only the pixels change with the level."""
    clean = generate_document(11, "giay_khai_sinh", level="clean")
    hard = generate_document(11, "giay_khai_sinh", level="hard", rotation=270)
    assert clean.truth_text == hard.truth_text and clean.truth_fields == hard.truth_fields


@pytest.mark.parametrize("doc_type", DOC_TYPES)
def test_truth_follows_schema_conventions(doc_type: str) -> None:
    doc = generate_document(21, doc_type)
    f = doc.truth_fields
    assert f["doc_type"] == doc_type
    assert _nfc(doc.truth_text) and doc.truth_text == doc.truth_text.strip()
    for key, value in f.items():
        assert isinstance(value, str) and value.strip() == value and value, key  # absent, never empty
        assert _nfc(value) and "  " not in value, key
    for key in DATE_FIELDS & f.keys():
        dt.date.fromisoformat(f[key])  # ISO YYYY-MM-DD
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", f[key])
    issued = dt.date.fromisoformat(f["issue_date"])
    assert dt.date(2015, 1, 1) <= issued <= dt.date(2024, 12, 31)
    for key in ("subject_dob", "husband_dob", "wife_dob", "date_of_death"):
        if key in f:
            assert dt.date.fromisoformat(f[key]) <= issued, key
    for key in (k for k in f if k.endswith("_id")):
        assert re.fullmatch(r"\d{9}|\d{12}", f[key]), (key, f[key])
    assert " " not in f["doc_number"]
    assert f["issuer"].split()[0] in ("Ủy", "Hội", "Phòng", "Sở") and not f["issuer"].isupper()
    for key in ("subject_name", "signer_name", "father_name", "mother_name", "husband_name", "wife_name"):
        if key in f:
            assert f[key] == " ".join(w[0].upper() + w[1:].lower() for w in f[key].split()), key
    if "signer_title" in f:
        assert f["signer_title"].isupper() and f["signer_title"] in doc.truth_text.split("\n")
    if "summary" in f:
        assert f["summary"].startswith(("Về", "V/v")) or doc_type in ("bao_cao", "ke_hoach")
    # the values are printed on the page (modulo line wrapping and the tone style of the typist)
    flat = modern_tones(" ".join(doc.truth_text.split())).casefold()
    for key in ("doc_number", "subject_id", "book_number", "husband_id", "wife_id"):
        if key in f:
            assert f[key].casefold() in flat.replace(" /", "/"), key
    if "subject_name" in f:
        assert modern_tones(f["subject_name"]).casefold() in flat


@pytest.mark.parametrize("doc_type", ["giay_khai_sinh", "giay_chung_nhan_ket_hon", "trich_luc_khai_tu",
                                      "xac_nhan_tinh_trang_hon_nhan", "quyet_dinh"])
def test_personal_ids_agree_with_birth_year_and_sex(doc_type: str) -> None:
    for seed in range(6):
        f = generate_document(seed, doc_type).truth_fields
        people = [("subject", f.get("subject_sex")), ("husband", "Nam"), ("wife", "Nữ")]
        for who, sex in people:
            pid, dob = f.get(f"{who}_id"), f.get(f"{who}_dob")
            if not pid or len(pid) != 12 or not dob:
                continue
            year = int(dob[:4])
            g = int(pid[3])
            assert g // 2 == year // 100 - 19, (pid, dob)  # century: 0/1 1900s, 2/3 2000s
            assert pid[4:6] == dob[2:4], (pid, dob)
            if sex:
                assert g % 2 == (1 if sex == "Nữ" else 0), (pid, sex)


def test_levels_set_dpi_size_and_orientation(tmp_path: Path) -> None:
    doc = generate_document(5, "cong_van", level="medium", rotation=90)
    assert doc.dpi == 200 and doc.image.size == (round(3508 * 200 / 300), round(2480 * 200 / 300))
    assert doc.image.rotate(90, expand=True).size == (round(2480 * 200 / 300), round(3508 * 200 / 300))
    assert abs(doc.skew_deg) <= 4.0
    for fmt in ("png", "jpg"):
        path = save_document(doc, tmp_path, fmt)
        with Image.open(path) as im:
            assert round(im.info["dpi"][0]) == 200
        truth = json.loads((tmp_path / f"{doc.doc_id}.truth.json").read_text(encoding="utf-8"))
        assert truth["truth_text"] == doc.truth_text and truth["rotation"] == 90 and truth["dpi"] == 200
    hard = generate_document(5, "cong_van", level="hard")
    assert hard.dpi == 150 and hard.image.width == round(2480 * 150 / 300)


def test_two_page_document_as_tiff_and_scanned_pdf(tmp_path: Path) -> None:
    doc = generate_document(8, "thong_bao", level="light", pages=2, rotation=180, mode="grey")
    assert len(doc.pages) == 2
    assert "\n2\n" in f"\n{doc.truth_text}\n"  # the page number of page 2 is printed text
    with pytest.raises(ValueError):
        save_document(doc, tmp_path, "png")
    tiff = save_document(doc, tmp_path, "tiff")
    with Image.open(tiff) as im:
        assert im.n_frames == 2 and round(im.info["dpi"][0]) == 300
    pdf_path = save_document(doc, tmp_path, "pdf")
    with pdfplumber.open(pdf_path) as pdf:
        assert len(pdf.pages) == 2
        assert not (pdf.pages[0].extract_text() or "").strip()  # image only, like a scanner's PDF
        assert pdf.pages[0].width == pytest.approx(595.3, abs=1)  # A4 at the stored dpi


# ---------------------------------------------------------------------------------------------- PDFs


def test_born_digital_pdf_text_layer_is_the_truth(tmp_path: Path) -> None:
    path = tmp_path / "bd.pdf"
    doc = make_born_digital_pdf(9, path, "quyet_dinh")
    with pdfplumber.open(path) as pdf:
        text = "\n".join(p.extract_text() or "" for p in pdf.pages)
        fonts = {c["fontname"].split("+")[-1] for c in pdf.pages[0].chars}
    assert Counter(unicodedata.normalize("NFC", text).split()) == Counter(doc.truth_text.split())
    assert {"LiberationSerif", "LiberationSerif-Bold"} <= fonts
    assert b"/FontFile2" in path.read_bytes()  # the TrueType font is embedded


@pytest.mark.parametrize("encoding", ["tcvn3", "vni"])
def test_legacy_pdf_text_is_mojibake_but_page_shows_vietnamese(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / f"legacy-{encoding}.pdf"
    doc = make_legacy_pdf(12, path, encoding)
    with pdfplumber.open(path) as pdf:
        page = pdf.pages[0]
        text = page.extract_text() or ""
        fonts = {c["fontname"].split("+")[-1] for c in page.chars}
        images = page.images
        marks = [c for c in page.chars if c["text"] in vni_glyph_map()[1]]
    # vector text in an embedded legacy font, as a .VnTime / VNI-Times export: no picture of the page
    assert not images
    assert b"/FontFile2" in path.read_bytes()
    if encoding == "tcvn3":
        known = {legacy_font_name(font, style) for font in ("tcvn3", "tcvn3-caps")
                 for style in ("regular", "bold", "italic", "bolditalic")}
        assert {"VnTime", "VnTime-Bold", "VnTimeH-Bold"} <= fonts <= known  # capitals in .VnTimeH
    else:
        assert {"VNI-Times", "VNI-Times-Bold"} <= fonts and all(f.startswith("VNI-Times") for f in fonts)
        assert len(marks) > 100 and all(c["width"] < 0.01 for c in marks)  # marks overhang the letter before
    assert len(text) > 500
    assert not VIET_TONED.search(text)  # no real Vietnamese letter survives
    encode = to_tcvn3 if encoding == "tcvn3" else to_vni
    assert encode("QUYẾT ĐỊNH") in text
    # TCVN3's ư is byte 0xAD (soft hyphen), which some readers drop or turn into a space: 'h ëng' for 'hưởng'
    found = [encode(line).replace("\xad", " ") in text.replace("\xad", " ") for line in doc.truth_text.split("\n")]
    assert sum(found) >= 0.9 * len(found)  # the text layer is the truth, line by line, in the legacy code
    assert "QUYẾT ĐỊNH" in doc.truth_text
    page = pdfium.PdfDocument(str(path))[0].render(scale=150 / 72).to_pil().convert("L")
    dark = sum(page.histogram()[:100]) / (page.width * page.height)
    assert 0.01 < dark < 0.3  # the visible page carries ink
    if shutil.which("tesseract"):
        title = page.crop((0, 0, page.width, page.height // 4))
        crop = tmp_path / "head.png"
        title.save(crop)
        ocr = subprocess.run(["tesseract", str(crop), "-", "-l", "vie"], capture_output=True, text=True,
                             check=False).stdout
        ocr = unicodedata.normalize("NFC", ocr)
        assert "QUYẾT ĐỊNH" in ocr and "XÃ HỘI CHỦ NGHĨA VIỆT NAM" in ocr


def _ink(path: Path, dpi: int = 100) -> np.ndarray:
    return np.asarray(pdfium.PdfDocument(str(path))[0].render(scale=dpi / 72).to_pil().convert("L")) < 128


def test_legacy_pdf_looks_like_the_unicode_pdf(tmp_path: Path) -> None:
    """The legacy fonts draw the same letters as Liberation Serif: the pages match the born-digital PDF of the
    same document, ink for ink, apart from the signature and seal that the typed original does not have."""
    unicode_doc = make_born_digital_pdf(12, tmp_path / "bd.pdf", "quyet_dinh")
    reference = _ink(tmp_path / "bd.pdf")
    assert unicode_doc.layout is not None
    stamped = np.zeros_like(reference)
    for mark in unicode_doc.layout.marks:
        if mark.page == 0 and mark.kind in ("seal", "sign"):
            x0, y0, x1, y1 = (round(v * 100 / 300) for v in mark.box)
            stamped[max(y0 - 5, 0): y1 + 5, max(x0 - 5, 0): x1 + 5] = True
    for encoding, tolerance in (("tcvn3", 0.02), ("vni", 0.04)):  # VNI marks sit at an average offset
        make_legacy_pdf(12, tmp_path / f"{encoding}.pdf", encoding)
        ink = _ink(tmp_path / f"{encoding}.pdf")
        differ = (ink ^ reference) & ~stamped
        assert differ.sum() < tolerance * (reference & ~stamped).sum(), encoding


def test_legacy_fonts_map_codes_to_vietnamese_glyphs() -> None:
    from fontTools.ttLib import TTFont

    source = Path(font_path("regular"))
    liberation = TTFont(str(source)).getBestCmap()
    glyph = {ch: liberation[ord(ch)] for ch in "ếẾđĐơưỵ"}
    tcvn3 = TTFont(str(legacy_font("tcvn3", "regular", source))).getBestCmap()
    caps = TTFont(str(legacy_font("tcvn3-caps", "regular", source))).getBestCmap()
    assert tcvn3[ord("Õ")] == glyph["ế"] and caps[ord("Õ")] == glyph["Ế"]
    assert (tcvn3[ord("®")], caps[ord("®")], tcvn3[ord("§")]) == (glyph["đ"], glyph["Đ"], glyph["Đ"])
    assert tcvn3[ord("Q")] == liberation[ord("Q")]
    vni = TTFont(str(legacy_font("vni", "regular", source)))
    cmap, hmtx = vni.getBestCmap(), vni["hmtx"]
    assert (cmap[ord("ô")], cmap[ord("ö")], cmap[ord("ñ")], cmap[ord("î")]) == (
        glyph["ơ"], glyph["ư"], glyph["đ"], glyph["ỵ"])
    for code in vni_glyph_map()[1]:  # every mark: zero advance, drawn left of the pen (over the letter)
        advance, lsb = hmtx[cmap[ord(code)]]
        assert advance == 0 and lsb < 0, code
    assert vni["name"].getDebugName(6) == "VNI-Times"
    assert tcvn3_runs("Ủy ban QUYẾT") == [("ñ", True), ("y ban ", False), ("QUYÕT", True)]
    assert "".join(code for code, _ in tcvn3_runs("Ủy ban QUYẾT ĐỊNH")) == to_tcvn3("Ủy ban QUYẾT ĐỊNH")


def test_legacy_encodings_match_known_mojibake() -> None:
    assert to_tcvn3("Quyết định") == "QuyÕt ®Þnh"
    assert to_tcvn3("Độc lập - Tự do - Hạnh phúc") == "§éc lËp - Tù do - H¹nh phóc"
    assert to_tcvn3("Quán") == "Qu¸n"
    assert to_vni("Quyết định") == "Quyeát ñònh"
    assert to_vni("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM") == "COÄNG HOØA XAÕ HOÄI CHUÛ NGHÓA VIEÄT NAM"
    assert to_vni("Trường") == "Tröôøng"


def test_vietnamese_text_helpers() -> None:
    assert date_in_words(dt.date(2020, 6, 26)) == "Ngày hai mươi sáu, tháng sáu, năm hai nghìn không trăm hai mươi"
    assert number_words(2005) == "hai nghìn không trăm linh năm"
    assert number_words(1984) == "một nghìn chín trăm tám mươi tư"
    assert number_words(21) == "hai mươi mốt" and number_words(15) == "mười lăm"
    assert modern_tones("CỘNG HÒA, Ủy ban, Thủy, Hoàng, quý") == "CỘNG HOÀ, Uỷ ban, Thuỷ, Hoàng, quý"


# ---------------------------------------------------------------------------------------------- corpus & hostile


def test_make_corpus_is_balanced_and_writes_manifest(tmp_path: Path) -> None:
    rows = make_corpus(tmp_path, 4, seed=2, levels=("clean", "light"), rotations=(0, 90))
    assert len(rows) == 4 and len({r["doc_type"] for r in rows}) == 4
    assert {r["level"] for r in rows} == {"clean", "light"}
    for row in rows:
        assert Path(row["path"]).exists() and Path(row["truth_path"]).exists()
    lines = (tmp_path / "manifest.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(x)["doc_id"] for x in lines] == [r["doc_id"] for r in rows]


def test_hostile_files_are_what_they_claim(tmp_path: Path) -> None:
    files = hostile.write_all(tmp_path)
    assert set(files) == set(hostile.EXPECTED)
    assert files["zero_byte"].stat().st_size == 0

    trunc = files["truncated_pdf"].read_bytes()
    assert trunc.startswith(b"%PDF-") and b"%%EOF" not in trunc and b"startxref" not in trunc
    with pytest.raises(pikepdf.PdfError):
        pikepdf.open(files["truncated_pdf"])

    with pytest.raises(pikepdf.PasswordError):
        pikepdf.open(files["encrypted_pdf"])
    with pikepdf.open(files["encrypted_pdf"], password=hostile.USER_PASSWORD) as pdf:
        assert pdf.is_encrypted and len(pdf.pages) == 1
    with pikepdf.open(files["owner_only_encrypted_pdf"]) as pdf:  # empty user password: opens
        assert pdf.is_encrypted and not pdf.allow.extract

    with pytest.raises(UnidentifiedImageError):
        Image.open(files["text_as_png"])
    assert not files["text_as_png"].read_bytes().startswith(b"\x89PNG")

    assert zipfile.is_zipfile(files["zip_as_pdf"]) and not files["zip_as_pdf"].read_bytes().startswith(b"%PDF")

    with Image.open(files["broken_tiff"]) as im:
        im.load()  # page 1 reads
        assert im.n_frames == 2
        im.seek(1)
        with pytest.raises(OSError):
            im.load()
