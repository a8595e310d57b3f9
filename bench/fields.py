"""Field benchmark: document type and field exact-match on generated scans and on the real scans.

    python -m bench.fields [--docs 112] [--seed 1] [--realscans ../shared/realscans] [--json out.json]

Generated set: `--docs` seeded documents over every doc_type × degradation level (about a third turned
90/180/270), saved as files and read by the real pipeline (`extractors.pipeline.extract`), compared with
the generator's truth fields. Reports doc_type accuracy, exact-match per field and per level, and the share
of fields that are wrong (or output though absent from the truth) without being flagged for review
(`review_fields` of the record). Real scans: per field against the annotations, printed values apart
from handwritten/stamped ones (those should be flagged, not guessed).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from config.settings import Settings
from extractors.pipeline import extract

LEVELS = ("clean", "light", "medium", "hard")
FORMATS = {"clean": "png", "light": "jpg", "medium": "jpg", "hard": "png"}
REAL_KEYS = ("doc_type", "doc_number", "issue_date", "issuer", "summary", "signer_name", "signer_title", "place")
TARGET_REAL_KEYS = ("doc_type", "doc_number", "issue_date", "issuer")


@dataclass
class Tally:
    n: int = 0
    ok: int = 0
    wrong: int = 0  # present, different
    missing: int = 0
    wrong_unflagged: int = 0
    missing_unflagged: int = 0

    def add(self, got: object, want: object, flagged: bool) -> None:
        self.n += 1
        if got == want:
            self.ok += 1
        elif got is None:
            self.missing += 1
            self.missing_unflagged += not flagged
        else:
            self.wrong += 1
            self.wrong_unflagged += not flagged

    @property
    def acc(self) -> float:
        return self.ok / self.n if self.n else 0.0


@dataclass
class LevelStats:
    docs: int = 0
    type_ok: int = 0
    review: int = 0
    fields: Tally = field(default_factory=Tally)
    spurious: int = 0
    spurious_unflagged: int = 0
    seconds: float = 0.0


def build_corpus(out: Path, n: int, seed: int, levels: set[str] | None = None) -> list[dict]:
    """Balanced over types × levels; multi-page documents are stored as TIFF."""
    from tests.fixtures.generator import DOC_TYPES, generate_document, save_document

    rng = random.Random(f"bench-fields:{seed}")
    rows = []
    for i in range(n):
        doc_type = DOC_TYPES[i % len(DOC_TYPES)]
        level = LEVELS[(i + i // len(DOC_TYPES)) % len(LEVELS)]
        rotation = rng.choice((90, 180, 270)) if rng.random() < 0.3 else 0
        if levels is not None and level not in levels:
            continue  # drawn all the same, so a level's documents do not depend on the filter
        doc = generate_document(seed * 100_000 + i, doc_type, level, rotation)
        fmt = FORMATS[level] if len(doc.pages) == 1 else "tiff"
        path = save_document(doc, out, fmt)
        rows.append({"path": path, "level": level, "doc_type": doc.doc_type, "truth": doc.truth_fields,
                     "rotation": rotation})
    return rows


def score_generated(rows: list[dict], settings: Settings, verbose: bool = False) -> dict:
    levels: dict[str, LevelStats] = defaultdict(LevelStats)
    per_field: dict[str, dict[str, Tally]] = defaultdict(lambda: defaultdict(Tally))
    confusions: list[tuple[str, str, float]] = []
    for k, row in enumerate(rows, 1):
        t = time.perf_counter()
        rec = extract(row["path"], settings).record
        dt = time.perf_counter() - t
        st = levels[row["level"]]
        st.docs += 1
        st.seconds += dt
        truth = dict(row["truth"])
        want_type = truth.pop("doc_type", row["doc_type"])
        st.type_ok += rec.doc_type == want_type
        st.review += bool(rec.needs_review)
        if rec.doc_type != want_type:
            confusions.append((want_type, rec.doc_type, float(getattr(rec.confidence, "doc_type", 0.0) or 0.0)))
        flagged = set(getattr(rec, "review_fields", []) or [])
        for name, want in truth.items():
            got = rec.fields.get(name)
            is_flagged = name in flagged or "doc_type" in flagged and rec.doc_type != want_type
            st.fields.add(got, want, is_flagged)
            per_field[name][row["level"]].add(got, want, is_flagged)
            if verbose and got != want:
                print(f"  {Path(row['path']).name} {name}: got {got!r} want {want!r} flagged={is_flagged}",
                      file=sys.stderr)
        for name in set(rec.fields) - set(truth):
            st.spurious += 1
            st.spurious_unflagged += name not in flagged
        print(f"[{k}/{len(rows)}] {Path(row['path']).name} {dt:.1f}s", file=sys.stderr, flush=True)
    return {"levels": levels, "per_field": per_field, "confusions": confusions}


def score_realscans(folder: Path, settings: Settings) -> list[dict]:
    rows = []
    for ann_path in sorted((folder / "annotations").glob("*.json")):
        ann = json.loads(ann_path.read_text(encoding="utf-8"))
        rec = extract(folder / ann["file"], settings).record
        flagged = set(getattr(rec, "review_fields", []) or [])
        hand = set(ann.get("handwritten_fields", []))
        for key in REAL_KEYS:
            want = ann["doc_type"] if key == "doc_type" else ann["fields"].get(key)
            got = rec.doc_type if key == "doc_type" else rec.fields.get(key)
            rows.append({"file": ann_path.stem, "field": key, "want": want, "got": got, "handwritten": key in hand,
                         "flagged": key in flagged, "ok": got == want})
        print(f"[real] {ann_path.stem}", file=sys.stderr, flush=True)
    return rows


def _pct(a: int, b: int) -> str:
    return f"{100 * a / b:6.1f}%" if b else "     -"


def print_generated(res: dict) -> dict:
    levels: dict[str, LevelStats] = res["levels"]
    print("\nGenerated documents: per degradation level")
    print(f"{'level':8s} {'docs':>5s} {'doc_type':>9s} {'fields':>7s} {'exact':>8s} {'wrong':>6s} {'missing':>8s} "
          f"{'wrong+spurious unflagged':>25s} {'needs_review':>13s} {'s/doc':>6s}")
    total = LevelStats()
    out = {}
    for level in (*LEVELS, "all"):
        if level == "all":
            st = total
        else:
            st = levels.get(level)
            if st is None:
                continue
            for attr in ("docs", "type_ok", "review", "spurious", "spurious_unflagged", "seconds"):
                setattr(total, attr, getattr(total, attr) + getattr(st, attr))
            for attr in ("n", "ok", "wrong", "missing", "wrong_unflagged", "missing_unflagged"):
                setattr(total.fields, attr, getattr(total.fields, attr) + getattr(st.fields, attr))
        f = st.fields
        unflagged = f.wrong_unflagged + st.spurious_unflagged
        print(f"{level:8s} {st.docs:5d} {_pct(st.type_ok, st.docs):>9s} {f.n:7d} {_pct(f.ok, f.n):>8s} {f.wrong:6d} "
              f"{f.missing:8d} {unflagged:>10d} ({_pct(unflagged, f.n + st.spurious).strip():>6s}) "
              f"{_pct(st.review, st.docs):>13s} {st.seconds / max(st.docs, 1):6.1f}")
        out[level] = {"docs": st.docs, "doc_type_acc": st.type_ok / max(st.docs, 1), "fields": f.n,
                      "exact": f.acc, "wrong": f.wrong, "missing": f.missing,
                      "wrong_unflagged": f.wrong_unflagged, "spurious_unflagged": st.spurious_unflagged,
                      "unflagged_share": unflagged / max(f.n + st.spurious, 1), "needs_review": st.review / max(st.docs, 1)}
    print("\nGenerated documents: exact-match per field and level (n)")
    print(f"{'field':22s}" + "".join(f"{lv:>15s}" for lv in (*LEVELS, "all")))
    per_field = res["per_field"]
    fields_out = {}
    for name in sorted(per_field):
        cells, tot = [], Tally()
        for level in LEVELS:
            t = per_field[name].get(level, Tally())
            cells.append(f"{_pct(t.ok, t.n).strip():>9s} ({t.n:2d})" if t.n else f"{'-':>15s}")
            for attr in ("n", "ok", "wrong", "missing", "wrong_unflagged", "missing_unflagged"):
                setattr(tot, attr, getattr(tot, attr) + getattr(t, attr))
        cells.append(f"{_pct(tot.ok, tot.n).strip():>9s} ({tot.n:2d})")
        print(f"{name:22s}" + "".join(f"{c:>15s}" for c in cells))
        fields_out[name] = {"n": tot.n, "exact": tot.acc, "wrong_unflagged": tot.wrong_unflagged}
    if res["confusions"]:
        print("\nType errors (truth → got, confidence):")
        for want, got, conf in res["confusions"]:
            print(f"  {want} → {got} ({conf:.2f})")
    return {"levels": out, "fields": fields_out}


def print_real(rows: list[dict]) -> dict:
    print("\nReal scans (../shared/realscans): per field, printed vs handwritten/stamped values")
    print(f"{'field':14s} {'printed exact':>14s} {'handwritten flagged':>20s} {'hw exact':>9s} {'hw wrong unflagged':>19s}")
    out = {}
    for key in REAL_KEYS:
        pr = [r for r in rows if r["field"] == key and not r["handwritten"] and r["want"] is not None]
        hw = [r for r in rows if r["field"] == key and r["handwritten"]]
        p_ok = sum(r["ok"] for r in pr)
        h_fl = sum(r["flagged"] for r in hw)
        h_ok = sum(r["ok"] for r in hw)
        h_bad = sum(1 for r in hw if not r["ok"] and not r["flagged"] and r["got"] is not None)
        print(f"{key:14s} {p_ok:>6d}/{len(pr):<3d}{_pct(p_ok, len(pr)):>5s} {h_fl:>8d}/{len(hw):<3d}{_pct(h_fl, len(hw)):>8s}"
              f" {h_ok:>5d}/{len(hw):<3d} {h_bad:>10d}")
        out[key] = {"printed": len(pr), "printed_exact": p_ok, "handwritten": len(hw), "hw_flagged": h_fl,
                    "hw_exact": h_ok, "hw_wrong_unflagged": h_bad}
    target = [r for r in rows if r["field"] in TARGET_REAL_KEYS and not r["handwritten"] and r["want"] is not None]
    ok = sum(r["ok"] for r in target)
    print(f"doc_type+doc_number+issue_date+issuer, printed values: {ok}/{len(target)} {_pct(ok, len(target)).strip()}")
    misses = [r for r in rows if not r["ok"] and not r["handwritten"] and r["want"] is not None]
    if misses:
        print("Printed values missed:")
        for r in misses:
            print(f"  {r['file'][:40]:40s} {r['field']:13s} got {r['got']!r} want {r['want']!r}")
    out["target_printed_exact"] = ok / max(len(target), 1)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=int, default=112)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--realscans", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "realscans")
    ap.add_argument("--skip-realscans", action="store_true")
    ap.add_argument("--json", type=Path, default=None, help="also write the numbers here")
    ap.add_argument("--verbose", action="store_true", help="list every field that is not an exact match")
    ap.add_argument("--levels", default=",".join(LEVELS),
                    help="comma-separated degradation levels to score (the corpus is built whole, then filtered)")
    args = ap.parse_args()
    levels = {x.strip() for x in args.levels.split(",") if x.strip()}
    if not levels <= set(LEVELS):
        ap.error(f"--levels: choose among {', '.join(LEVELS)}")

    settings = Settings()
    work = Path(tempfile.mkdtemp(prefix="sohoa-bench-fields-"))
    t0 = time.perf_counter()
    rows = build_corpus(work, args.docs, args.seed, levels) if args.docs else []
    print(f"corpus: {len(rows)} documents in {time.perf_counter() - t0:.0f} s under {work}", file=sys.stderr)
    result: dict = {}
    if rows:
        result["generated"] = print_generated(score_generated(rows, settings, args.verbose))
    if not args.skip_realscans and args.realscans.is_dir():
        result["realscans"] = print_real(score_realscans(args.realscans, settings))
    print(f"\ntotal time {time.perf_counter() - t0:.0f} s")
    if args.json:
        args.json.write_text(json.dumps(result, indent=1, ensure_ascii=False), encoding="utf-8")


if __name__ == "__main__":
    main()
