"""Ingest throughput and memory: full Sohoa ingest vs plain Tesseract vs OCRmyPDF, on the same files.

    python -m bench.throughput [--files 10] [--pages-per-file 3] [--memory 50,500]

Files are multi-page TIFFs of generated administrative pages (light degradation), which all three
read. Sohoa's number is the whole job: record + PDF/A copy + index entry, Prefect start-up included
(databases already created, as in an office's data directory; a second line times a new installation's
first batch, which also creates them).
Baselines in the same run: `tesseract FILE - -l vie` one file after another, and
`ocrmypdf -l vie --jobs 2 FILE out.pdf` one file after another. `--memory` runs Sohoa on batches of
those many pages and reports the peak resident memory of the whole process tree.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parents[1]


def make_tiffs(folder: Path, files: int, pages: int, seed: int) -> int:
    from tests.fixtures.generator import generate_document

    folder.mkdir(parents=True, exist_ok=True)
    total = 0
    for i in range(files):
        imgs: list[Image.Image] = []
        for k in range(pages):
            doc = generate_document(seed * 10_000 + i * 100 + k, level="light")
            imgs.extend(p.convert("L") for p in doc.pages)
        imgs[0].save(folder / f"doc-{i:04d}.tif", save_all=True, append_images=imgs[1:], compression="tiff_deflate",
                     dpi=(doc.dpi, doc.dpi))
        total += len(imgs)
    return total


def _tree_rss_kb(root_pid: int) -> int:
    """Resident memory of a process and all its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
            ppid = int(fields[1])
            with open(f"/proc/{entry}/status") as fh:
                kb = next((int(line.split()[1]) for line in fh if line.startswith("VmRSS:")), 0)
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(entry))
        rss[int(entry)] = kb
    total, stack = 0, [root_pid]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        stack.extend(children.get(pid, []))
    return total


def run_measured(cmd: list[str], env: dict | None = None) -> tuple[float, int, int]:
    """(seconds, peak tree RSS in MB, exit code)."""
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
    peak = 0
    stop = threading.Event()

    def poll() -> None:
        nonlocal peak
        while not stop.is_set():
            peak = max(peak, _tree_rss_kb(proc.pid))
            time.sleep(0.2)

    th = threading.Thread(target=poll, daemon=True)
    th.start()
    code = proc.wait()
    stop.set()
    th.join()
    return time.perf_counter() - t, peak // 1024, code


def sohoa_ingest(folder: Path, workers: int, warm: bool = True) -> tuple[float, int, int]:
    """One `sohoa ingest` of `folder` in a new data directory.

    `warm`: an office's data directory already holds its databases, so a one-page batch runs first (not
    timed) to create the store and Prefect's database; the timed run still starts Prefect's server.
    """
    data = Path(tempfile.mkdtemp(prefix="sohoa-bench-data-"))
    env = {**os.environ, "SOHOA_DATA_DIR": str(data), "PYTHONPATH": str(ROOT)}
    if warm:
        first = data / "warm-up"
        make_tiffs(first, 1, 1, seed=99)
        run_measured([sys.executable, "-m", "sohoa", "ingest", str(first), "--workers", "1"], env)
    return run_measured([sys.executable, "-m", "sohoa", "ingest", str(folder), "--workers", str(workers)], env)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--files", type=int, default=10)
    ap.add_argument("--pages-per-file", type=int, default=3)
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--memory", default="", help="comma-separated batch sizes in pages, e.g. 50,500")
    ap.add_argument("--seed", type=int, default=3)
    ap.add_argument("--repeat", type=int, default=1, help="rounds of all three; the best of each is compared")
    args = ap.parse_args()

    work = Path(tempfile.mkdtemp(prefix="sohoa-throughput-"))
    scans = work / "scans"
    pages = make_tiffs(scans, args.files, args.pages_per_file, args.seed)
    files = sorted(scans.glob("*.tif"))
    print(f"{len(files)} TIFF files, {pages} pages, under {work}; {os.cpu_count()} cores")

    env1 = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    out = work / "ocrmypdf"
    out.mkdir()

    def tesseract_run() -> float:
        t = time.perf_counter()
        for f in files:
            subprocess.run(["tesseract", str(f), "-", "-l", "vie"], env=env1, capture_output=True, check=True)
        return time.perf_counter() - t

    def ocrmypdf_run() -> float:
        t = time.perf_counter()
        for f in files:
            subprocess.run([sys.executable, "-m", "ocrmypdf", "-l", "vie", "--jobs", "2", "--quiet",
                            str(f), str(out / (f.stem + ".pdf"))], capture_output=True, check=False)
        return time.perf_counter() - t

    # rounds interleave the three engines, so that a change in the machine's load touches all of them
    times: dict[str, list[float]] = {"tesseract": [], "ocrmypdf": [], "sohoa": []}
    peak, code = 0, 0
    for _ in range(args.repeat):
        times["tesseract"].append(tesseract_run())
        times["ocrmypdf"].append(ocrmypdf_run())
        sec, peak, code = sohoa_ingest(scans, args.workers)
        times["sohoa"].append(sec)
    cold, _, _ = sohoa_ingest(scans, args.workers, warm=False)
    tess, ocrm, sohoa = (min(times[k]) for k in ("tesseract", "ocrmypdf", "sohoa"))
    rows = [("tesseract -l vie (text only)", tess), ("ocrmypdf -l vie --jobs 2 (PDF/A)", ocrm),
            (f"sohoa ingest --workers {args.workers} (record+PDF/A+index)", sohoa),
            ("  the same, first batch of a new installation", cold)]
    print(f"\n{'engine':52s} {'seconds':>8s} {'pages/min':>10s}   (best of {args.repeat}; every round)")
    for (name, sec), key in zip(rows, ["tesseract", "ocrmypdf", "sohoa", None], strict=True):
        rounds = " ".join(f"{x:.1f}" for x in times[key]) if key else ""
        print(f"{name:52s} {sec:8.1f} {60 * pages / sec:10.1f}   {rounds}")
    print(f"\nsohoa / tesseract: {tess / sohoa:.2f}x   sohoa / ocrmypdf: {ocrm / sohoa:.2f}x   "
          f"(sohoa exit {code}, peak memory {peak} MB)")

    if args.memory:
        print("\nPeak memory of a whole ingest (process tree), by batch size")
        base = None
        for n in [int(x) for x in args.memory.split(",")]:
            folder = work / f"mem-{n}"
            make_tiffs(folder, n, 1, args.seed + n)
            sec, peak, code = sohoa_ingest(folder, args.workers)
            base = base or peak
            print(f"{n:5d} pages: {peak:6d} MB  ({peak / base:.2f}x the first)  {60 * n / sec:6.1f} pages/min"
                  f"  exit {code}")


if __name__ == "__main__":
    main()
