"""Search benchmark: speed at scale on the embedded backend against a naive baseline, and search
quality on both backends.

    python -m bench.search --records 100000            # the issue's numbers
    python -m bench.search --records 20000 --quick      # a smoke run

Speed: N generated records are saved to a SQLite store and indexed from it into Tantivy (`sohoa
reindex`'s path); then each query kind runs through the backend and, as the baseline of the same
run, as `LIKE '%...%'` scans over the same store. Quality: 2,000 records with distinct names, six
queries a clerk would type for each, the rank of the right record on Tantivy and on Elasticsearch
(osmem-server, started and stopped here).
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import text

from config.settings import Settings
from extractors.vietnamese import fold
from search.base import SearchBackend, open_backend
from search.keys import doc_number_key, name_key
from search.query import Query
from store.db import Store
from tests.search_fixtures.factory import Factory, typo

KINDS = ["name_exact", "name_folded", "name_typo", "surname_given", "id", "doc_number", "free_text", "place",
         "citizen_view"]


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _dir_size_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 1e6


def _percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    q = statistics.quantiles(ordered, n=100, method="inclusive") if len(ordered) > 1 else ordered * 99
    return {"p50": round(q[49], 2), "p95": round(q[94], 2), "p99": round(q[98], 2), "n": len(ordered)}


def _subject(record: dict[str, Any]) -> tuple[str | None, str | None]:
    f = record["fields"]
    if f.get("subject_name"):
        return f["subject_name"], f.get("subject_id")
    return f.get("husband_name"), f.get("husband_id")


def _new_name(record: dict[str, Any], rng: random.Random) -> str:
    """The other era's name of the record's commune or province (the factory knows both)."""
    from tests.search_fixtures.factory import PLACES

    p = PLACES[record["x_factory_place"]]
    if record["fields"]["issue_date"] < "2025-07-01":  # issued under the old name: ask with the 2025 one
        return rng.choice([p.new_ward, p.new_province])
    return rng.choice([p.ward, p.province])  # issued after the merger: ask with the old one


# ---- speed ---------------------------------------------------------------------------------------------


def speed_queries(samples: list[dict[str, Any]], rng: random.Random, n: int) -> dict[str, list[dict[str, Any]]]:
    """`n` queries per kind, each a Query (or a person lookup) and its naive SQL twin."""
    out: dict[str, list[dict[str, Any]]] = {k: [] for k in KINDS}
    people = [r for r in samples if _subject(r)[0] and _subject(r)[1]]
    decisions = [r for r in samples if r["fields"].get("summary")]
    for _ in range(n):
        r = rng.choice(people)
        name, pid = _subject(r)
        folded = fold(name)
        parts = name.split()
        escaped = json.dumps(name)[1:-1]  # the store keeps JSON with \\u escapes
        out["name_exact"].append({"query": Query(text=name), "sql": ("data LIKE :p", {"p": f"%{escaped}%"})})
        out["name_folded"].append({"query": Query(text=folded),
                                   "sql": ("subject_name_key LIKE :p", {"p": f"%{name_key(folded)}%"})})
        wrong = typo(folded, rng)
        out["name_typo"].append({"query": Query(text=wrong),
                                 "sql": ("subject_name_key LIKE :p", {"p": f"%{name_key(wrong)}%"})})
        sg = f"{parts[0]} {parts[-1]}"
        out["surname_given"].append({"query": Query(text=sg), "sql": (
            "subject_name_key LIKE :p", {"p": f"%{name_key(parts[0])}%{name_key(parts[-1])}%"})})
        out["id"].append({"query": Query(text=pid), "sql": ("data LIKE :p", {"p": f"%{pid}%"})})
        dn = r["fields"]["doc_number"]
        out["doc_number"].append({"query": Query(text=dn.replace("/", " / ").replace("-", " - ").lower()),
                                  "sql": ("doc_number_key LIKE :p", {"p": f"%{doc_number_key(dn)}%"})})
        d = rng.choice(decisions)
        words = " ".join(fold(d["fields"]["summary"]).split()[2:7])
        out["free_text"].append({"query": Query(text=words), "sql": (
            "data LIKE :p", {"p": "%" + "%".join(json.dumps(w)[1:-1] for w in d["fields"]["summary"].split()[2:7]) + "%"})})
        place = _new_name(r, rng)
        out["place"].append({"query": Query(text=folded, place=place), "sql": (
            "subject_name_key LIKE :p AND data LIKE :q", {"p": f"%{name_key(folded)}%",
                                                         "q": f"%{json.dumps(place.split(' ', 1)[-1])[1:-1]}%"})})
        out["citizen_view"].append({"person": pid, "sql": ("data LIKE :p", {"p": f"%{pid}%"})})
    return out


def _time_backend(backend: SearchBackend, item: dict[str, Any]) -> float:
    start = time.perf_counter()
    if "person" in item:
        backend.person(item["person"])
    else:
        backend.search(item["query"])
    return (time.perf_counter() - start) * 1000


def _time_baseline(store: Store, item: dict[str, Any]) -> float:
    where, params = item["sql"]
    start = time.perf_counter()
    with store.engine.connect() as conn:  # hits and total in one scan, newest first like the citizen view
        conn.execute(text(f"SELECT id FROM records WHERE {where} ORDER BY issue_date DESC"), params).fetchall()
    return (time.perf_counter() - start) * 1000


def run_speed(n_records: int, n_queries: int, n_baseline: int, workdir: Path, seed: int) -> dict[str, Any]:
    rng = random.Random(seed)
    settings = Settings(data_dir=workdir / "speed", search_backend="tantivy")
    store = Store.open(settings)
    factory = Factory(seed=seed)
    samples: list[dict[str, Any]] = []
    t_store = 0.0
    done = 0
    print(f"speed: generating and storing {n_records} records ...", file=sys.stderr)
    while done < n_records:
        batch = [factory.record() for _ in range(min(5000, n_records - done))]
        samples.extend(rng.sample(batch, min(len(batch), max(1, 2000 * len(batch) // n_records))))
        start = time.perf_counter()
        store.save_records(batch)
        t_store += time.perf_counter() - start
        done += len(batch)
    del batch
    rss_before_index = _peak_rss_mb()
    print("speed: indexing from the store ...", file=sys.stderr)
    backend = open_backend(settings)
    start = time.perf_counter()
    report = backend.rebuild_from(store, batch_size=5000)
    t_index = time.perf_counter() - start
    rss_after_index = _peak_rss_mb()
    queries = speed_queries(samples, rng, n_queries)
    for item in queries["name_exact"][:20]:  # warm the page cache and the caches of both sides
        _time_backend(backend, item)
    latencies: dict[str, Any] = {}
    print("speed: queries ...", file=sys.stderr)
    for kind in KINDS:
        ours = [_time_backend(backend, item) for item in queries[kind]]
        naive = [_time_baseline(store, item) for item in queries[kind][:n_baseline]]
        po, pn = _percentiles(ours), _percentiles(naive)
        latencies[kind] = {"sohoa_ms": po, "baseline_ms": pn,
                           "speedup_p50": round(pn["p50"] / po["p50"], 1), "speedup_p95": round(pn["p95"] / po["p95"], 1)}
    result = {
        "records": n_records,
        "store_rate_per_s": round(n_records / t_store),
        "index_rate_per_s": round(report.indexed / t_index),
        "index_seconds": round(t_index, 1),
        "index_size_mb": round(_dir_size_mb(backend.root / backend._active_generation()), 1),
        "store_size_mb": round(_dir_size_mb(settings.data_dir) - _dir_size_mb(backend.root), 1),
        "peak_rss_mb_before_indexing": round(rss_before_index),
        "peak_rss_mb_after_indexing": round(rss_after_index),
        "latency": latencies,
    }
    result["peak_rss_mb_after_queries"] = round(_peak_rss_mb())
    backend.close()
    store.close()
    return result


# ---- quality -------------------------------------------------------------------------------------------


def quality_queries(records: list[dict[str, Any]], seed: int) -> list[tuple[str, str, Callable[[SearchBackend], list[str]]]]:
    """(kind, right record id, query) for six queries a clerk would type about each record."""
    rng = random.Random(seed)
    out = []
    for i, r in enumerate(records):
        name, pid = _subject(r)
        rid = r["id"]
        parts = name.split()
        folded = fold(name)

        def q(**kw: Any) -> Callable[[SearchBackend], list[str]]:
            return lambda b: [h.id for h in b.search(Query(limit=10, highlight=False, **kw)).hits]

        out.append(("no_diacritics", rid, q(text=folded.lower() if i % 2 else folded)))
        out.append(("one_typo", rid, q(text=typo(name if i % 2 else folded, rng))))
        sg = f"{parts[0]} {parts[-1]}"
        out.append(("surname_given", rid, q(text=sg if i % 2 else fold(sg))))
        out.append(("id", rid, q(text=pid if i % 3 else f"{pid[:3]} {pid[3:6]} {pid[6:9]} {pid[9:]}"
                                 if len(pid) == 12 else pid)))
        dn = r["fields"]["doc_number"]
        spaced = dn.replace("/", " / ").replace("-", " - ")
        issuer = r["fields"]["issuer"].replace("Ủy ban nhân dân", "UBND")
        # civil-status numbers restart in every book and type: with a bare number the clerk names the type
        kind_filter = None if "/" in dn or not dn.isdigit() else r["doc_type"]
        out.append(("doc_number", rid, q(text=fold(spaced).lower() if i % 2 else spaced, issuer=issuer,
                                         doc_type=kind_filter)))
        place = _new_name(r, rng)
        if i % 2:
            out.append(("old_new_place", rid, q(text=folded, place=place)))
        else:
            out.append(("old_new_place", rid, q(text=f"{folded} {fold(place.split(' ', 1)[-1])}")))
    return out


def _quality(backend: SearchBackend, queries: list[tuple[str, str, Callable[[SearchBackend], list[str]]]]) -> dict[str, Any]:
    per_kind: dict[str, list[int | None]] = {}
    misses: list[dict[str, Any]] = []
    for kind, rid, run in queries:
        found = run(backend)
        rank = found.index(rid) + 1 if rid in found else None
        per_kind.setdefault(kind, []).append(rank)
        if rank is None or rank > 3:
            misses.append({"kind": kind, "rank": rank})
    table = {}
    for kind, ranks in [*per_kind.items(), ("all", [r for rs in per_kind.values() for r in rs])]:
        n = len(ranks)
        table[kind] = {
            "n": n,
            "top1_pct": round(100 * sum(1 for r in ranks if r == 1) / n, 2),
            "top3_pct": round(100 * sum(1 for r in ranks if r and r <= 3) / n, 2),
            "mrr": round(sum(1 / r for r in ranks if r) / n, 3),
        }
    return {"by_kind": table, "misses": misses[:20]}


def run_quality(n_records: int, workdir: Path, seed: int, with_es: bool) -> dict[str, Any]:
    factory = Factory(seed=seed, unique_names=True)
    records = factory.corpus(n_records)
    queries = quality_queries(records, seed)
    out: dict[str, Any] = {"records": n_records, "queries": len(queries)}
    tantivy = open_backend(Settings(data_dir=workdir / "quality", search_backend="tantivy"))
    tantivy.index_records(records)
    out["tantivy"] = _quality(tantivy, queries)
    tantivy.close()
    if with_es:
        from osmem_server import OsmemServer

        with OsmemServer.start(japanese=False) as server:
            es = open_backend(Settings(data_dir=workdir / "quality-es", search_backend="elasticsearch",
                                       es_url=server.url, es_opensearch_compat=True, es_index_prefix="bench"))
            es.index_records(records)
            start = time.perf_counter()
            out["elasticsearch"] = _quality(es, queries)
            out["elasticsearch"]["mean_ms_on_osmem"] = round((time.perf_counter() - start) * 1000 / len(queries), 2)
            es.close()
    return out


# ---- report --------------------------------------------------------------------------------------------


def print_report(result: dict[str, Any]) -> None:
    speed = result.get("speed")
    if speed:
        print(f"\nSpeed, embedded Tantivy, {speed['records']:,} records "
              f"(baseline: SQLite LIKE over the same store, same run)")
        print(f"  store {speed['store_rate_per_s']:,} records/s; index {speed['index_rate_per_s']:,} records/s "
              f"({speed['index_seconds']} s); index {speed['index_size_mb']} MB; store {speed['store_size_mb']} MB; "
              f"peak RSS {speed['peak_rss_mb_after_queries']} MB "
              f"({speed['peak_rss_mb_before_indexing']} MB before indexing)")
        print(f"  {'kind':<14} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} | {'LIKE p50':>9} {'LIKE p95':>9} | "
              f"{'x p50':>6} {'x p95':>6}")
        for kind, row in speed["latency"].items():
            o, b = row["sohoa_ms"], row["baseline_ms"]
            print(f"  {kind:<14} {o['p50']:>8} {o['p95']:>8} {o['p99']:>8} | {b['p50']:>9} {b['p95']:>9} | "
                  f"{row['speedup_p50']:>6} {row['speedup_p95']:>6}")
    quality = result.get("quality")
    if quality:
        print(f"\nQuality: {quality['records']:,} records, {quality['queries']:,} queries, right record's rank")
        backends = [b for b in ("tantivy", "elasticsearch") if b in quality]
        print(f"  {'kind':<14} " + " ".join(f"{b + ' top1/top3/MRR':>32}" for b in backends))
        for kind in quality["tantivy"]["by_kind"]:
            cells = []
            for b in backends:
                row = quality[b]["by_kind"][kind]
                cells.append(f"{row['top1_pct']:>9}% {row['top3_pct']:>9}% {row['mrr']:>9}")
            print(f"  {kind:<14} " + " ".join(f"{c:>32}" for c in cells))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=100_000, help="records for the speed part")
    parser.add_argument("--queries", type=int, default=300, help="queries per kind on the backend")
    parser.add_argument("--baseline-queries", type=int, default=20, help="queries per kind on the LIKE baseline")
    parser.add_argument("--quality-records", type=int, default=2000)
    parser.add_argument("--no-es", action="store_true", help="quality on Tantivy only")
    parser.add_argument("--skip-speed", action="store_true")
    parser.add_argument("--skip-quality", action="store_true")
    parser.add_argument("--quick", action="store_true", help="fewer queries, for a smoke run")
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--out", type=Path, default=Path("bench/out/search.json"))
    parser.add_argument("--workdir", type=Path, default=None, help="where the temporary store and index go")
    args = parser.parse_args(argv)
    if args.quick:
        args.queries, args.baseline_queries = 50, 5
    workdir = Path(tempfile.mkdtemp(prefix="sohoa-bench-", dir=args.workdir))
    result: dict[str, Any] = {"args": {k: str(v) for k, v in vars(args).items()}}
    try:
        if not args.skip_speed:
            result["speed"] = run_speed(args.records, args.queries, args.baseline_queries, workdir, args.seed)
        if not args.skip_quality:
            result["quality"] = run_quality(args.quality_records, workdir, args.seed + 1, not args.no_es)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, ensure_ascii=False))
    print_report(result)
    print(f"\n(full result: {args.out})")


if __name__ == "__main__":
    main()
