"""OCR accuracy benchmark: Sohoa vs plain `tesseract -l vie` vs `ocrmypdf --rotate-pages --deskew --clean`.

    python -m bench.accuracy [--docs 64] [--seed 7] [--skip-ocrmypdf] [--realscans ../shared/realscans]

Generates a seeded corpus of administrative pages at degradation levels clean..hard (a share turned 90/180/270),
runs the three engines on the same files in the same run, and prints per level: character error rate (CER,
edit distance / reference length after the same NFC + whitespace normalisation for everyone), order-free word
recall, and pages per minute. Born-digital PDFs are read by Sohoa only (their text layer is the point).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from rapidfuzz.distance import Levenshtein

from config.settings import Settings
from extractors.pipeline import extract
from extractors.vietnamese import normalize_text

LEVELS = ("clean", "light", "medium", "hard")
ROTATIONS = (0, 0, 0, 90, 180, 270)


def norm(text: str) -> str:
    return normalize_text(text, keep_newlines=False)


def cer(hyp: str, ref: str) -> tuple[int, int]:
    h, r = norm(hyp), norm(ref)
    return Levenshtein.distance(h, r), max(len(r), 1)


def word_recall(hyp: str, ref: str) -> tuple[int, int]:
    hw, rw = Counter(norm(hyp).split()), Counter(norm(ref).split())
    return sum((hw & rw).values()), max(sum(rw.values()), 1)


@dataclass
class Score:
    edits: int = 0
    chars: int = 0
    hits: int = 0
    words: int = 0
    pages: int = 0
    seconds: float = 0.0
    per_doc: list[float] = field(default_factory=list)

    def add(self, hyp: str, ref: str, pages: int, seconds: float) -> None:
        e, c = cer(hyp, ref)
        h, w = word_recall(hyp, ref)
        self.edits += e
        self.chars += c
        self.hits += h
        self.words += w
        self.pages += pages
        self.seconds += seconds
        self.per_doc.append(e / c)

    @property
    def cer(self) -> float:
        return self.edits / max(self.chars, 1)

    @property
    def recall(self) -> float:
        return self.hits / max(self.words, 1)

    @property
    def ppm(self) -> float:
        return 60 * self.pages / self.seconds if self.seconds else 0.0


def run_sohoa(path: Path, settings: Settings) -> str:
    return extract(path, settings).record.text


def run_tesseract(path: Path) -> str:
    out = subprocess.run(["tesseract", str(path), "-", "-l", "vie"], capture_output=True, text=True, check=False,
                         env={"OMP_THREAD_LIMIT": "1", "PATH": "/usr/bin:/bin"})
    return out.stdout


def run_ocrmypdf(path: Path, workdir: Path) -> str:
    sidecar = workdir / (path.stem + ".txt")
    out_pdf = workdir / (path.stem + ".pdf")
    cmd = [
        sys.executable, "-m", "ocrmypdf", "-l", "vie", "--rotate-pages", "--deskew", "--clean",
        "--output-type", "pdf", "--jobs", "1", "--sidecar", str(sidecar), "--quiet",
    ]
    if path.suffix.lower() in (".jpg", ".jpeg", ".png", ".tif", ".tiff"):
        cmd += ["--image-dpi", "300"]  # used only when the image carries no resolution
    proc = subprocess.run([*cmd, str(path), str(out_pdf)], capture_output=True, text=True, check=False)
    if proc.returncode not in (0, 10):  # 10: PDF/A conversion warning
        return ""
    return sidecar.read_text(encoding="utf-8") if sidecar.exists() else ""


def build_corpus(out: Path, n: int, seed: int) -> list[dict]:
    from tests.fixtures.generator import DOC_TYPES, generate_document, save_document

    rows = []
    fmts = {"clean": "png", "light": "jpg", "medium": "jpg", "hard": "png"}
    for i in range(n):
        level = LEVELS[i % len(LEVELS)]
        rotation = ROTATIONS[(i // len(LEVELS)) % len(ROTATIONS)]
        doc_type = DOC_TYPES[i % len(DOC_TYPES)]
        doc = generate_document(seed * 1000 + i, doc_type=doc_type, level=level, rotation=rotation)
        path = save_document(doc, out, fmt=fmts[level])
        rows.append({"path": path, "truth": doc.truth_text, "level": level, "rotation": rotation,
                     "pages": len(doc.pages), "doc_type": doc.doc_type})
    return rows


def build_born_digital(out: Path, n: int, seed: int) -> list[dict]:
    from tests.fixtures.generator import make_born_digital_pdf, make_legacy_pdf

    out.mkdir(parents=True, exist_ok=True)
    rows = []
    for i in range(n):
        path = out / f"born-digital-{i:03d}.pdf"
        doc = make_born_digital_pdf(seed * 7 + i, path)
        rows.append({"path": path, "truth": doc.truth_text, "level": "born_digital", "rotation": 0,
                     "pages": len(doc.pages) or 1})
    for enc in ("tcvn3", "vni"):
        path = out / f"legacy-{enc}.pdf"
        doc = make_legacy_pdf(seed, path, encoding=enc)
        rows.append({"path": path, "truth": doc.truth_text, "level": f"legacy_{enc}", "rotation": 0,
                     "pages": len(doc.pages) or 1})
    return rows


def realscans_report(folder: Path, settings: Settings) -> list[dict]:
    """Document-number and date lines of printed headers, against the annotations."""
    from bench.header_lines import header_lines

    rows = []
    for ann_path in sorted((folder / "annotations").glob("*.json")):
        ann = json.loads(ann_path.read_text(encoding="utf-8"))
        pdf = folder / ann["file"]
        t = time.perf_counter()
        text = run_sohoa(pdf, settings)
        seconds = time.perf_counter() - t
        rows.append({"file": pdf.name, "seconds": seconds, **header_lines(text, ann)})
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=int, default=64)
    ap.add_argument("--born-digital", type=int, default=6)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--skip-ocrmypdf", action="store_true")
    ap.add_argument("--realscans", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "realscans")
    ap.add_argument("--steps", default=None, help="comma-separated preprocessing steps (default: settings)")
    ap.add_argument("--json", type=Path, default=None, help="also write the numbers here")
    args = ap.parse_args()

    settings = Settings() if args.steps is None else Settings(preprocess_steps=args.steps.split(","))
    work = Path(tempfile.mkdtemp(prefix="sohoa-bench-"))
    t0 = time.perf_counter()
    corpus = build_corpus(work / "scans", args.docs, args.seed)
    digital = build_born_digital(work / "digital", args.born_digital, args.seed)
    print(f"corpus: {len(corpus)} scanned documents + {len(digital)} PDFs generated in "
          f"{time.perf_counter() - t0:.0f} s under {work}")

    engines = ["sohoa", "tesseract"] + ([] if args.skip_ocrmypdf else ["ocrmypdf"])
    scores: dict[str, dict[str, Score]] = {e: defaultdict(Score) for e in engines}
    for row in corpus:
        for engine in engines:
            t = time.perf_counter()
            if engine == "sohoa":
                hyp = run_sohoa(row["path"], settings)
            elif engine == "tesseract":
                hyp = run_tesseract(row["path"])
            else:
                hyp = run_ocrmypdf(row["path"], work)
            dt = time.perf_counter() - t
            rot = "upright" if row["rotation"] == 0 else "rotated"
            for key in (row["level"], f"{row['level']}/{rot}", rot, "all"):
                scores[engine][key].add(hyp, row["truth"], row["pages"], dt)
    for row in digital:
        t = time.perf_counter()
        hyp = run_sohoa(row["path"], settings)
        scores["sohoa"][row["level"]].add(hyp, row["truth"], row["pages"], time.perf_counter() - t)

    keys = [*LEVELS, "upright", "rotated", "all"]
    print("\nCER (lower is better) / order-free word recall, per degradation level")
    header = f"{'level':14s}" + "".join(f"{e + ' CER':>14s}{e + ' recall':>16s}" for e in engines)
    header += f"{'CER ratio sohoa/tess':>22s}"
    print(header)
    table = {}
    for key in keys:
        cells = []
        for e in engines:
            s = scores[e].get(key)
            cells.append(f"{s.cer:14.2%}{s.recall:16.2%}" if s else f"{'-':>14s}{'-':>16s}")
        ratio = scores["sohoa"][key].cer / max(scores["tesseract"][key].cer, 1e-9)
        print(f"{key:14s}" + "".join(cells) + f"{ratio:22.2f}")
        table[key] = {e: {"cer": scores[e][key].cer, "recall": scores[e][key].recall,
                          "docs": len(scores[e][key].per_doc)} for e in engines}
    for key in ("clean/upright", "clean/rotated", "hard/upright", "hard/rotated"):
        s = scores["sohoa"].get(key)
        if s:
            print(f"  sohoa {key:14s} CER {s.cer:.2%} over {len(s.per_doc)} docs")
    print("\nBorn-digital and legacy-encoded PDFs (Sohoa)")
    for key in sorted(k for k in scores["sohoa"] if k.startswith(("born", "legacy"))):
        s = scores["sohoa"][key]
        print(f"{key:14s} CER {s.cer:.3%}  recall {s.recall:.2%}  docs {len(s.per_doc)}")
        table[key] = {"sohoa": {"cer": s.cer, "recall": s.recall, "docs": len(s.per_doc)}}
    print("\nSpeed (pages per minute, one process each, same files)")
    for e in engines:
        s = scores[e]["all"]
        print(f"{e:10s} {s.ppm:7.1f} pages/min  ({s.pages} pages in {s.seconds:.0f} s)")
    speed = {e: scores[e]["all"].ppm for e in engines}

    real = []
    if args.realscans.is_dir():
        real = realscans_report(args.realscans, settings)
        print("\nReal scans (../shared/realscans): printed header lines against the annotations")
        print(f"{'file':42s} {'number line':28s} {'num':>4s} {'date line':40s} {'date':>5s}")
        for r in real:
            print(f"{r['file'][:42]:42s} {r['number_line'][:28]:28s} {r['number_match']:>4s} "
                  f"{r['date_line'][:40]:40s} {r['date_match']:>5s}")
        for key in ("symbol_exact", "number_exact", "month_year_exact", "date_exact", "number_line_found",
                    "date_line_found"):
            n = sum(1 for r in real if r[key])
            print(f"  {key:20s} {n}/{len(real)}")
    if args.json:
        args.json.write_text(json.dumps({"levels": table, "speed": speed, "realscans": real}, indent=1,
                                        ensure_ascii=False, default=str))


if __name__ == "__main__":
    main()
