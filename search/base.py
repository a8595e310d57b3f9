"""The search backend interface, and what is the same for every backend: building documents,
ranking rules' inputs, the citizen view, resumable rebuilds and incremental sync from the store.

A backend implements a handful of primitives (write/delete/commit into a *generation*, make a
generation live, run a planned query, look up keyword values). Generations make a rebuild safe: it
fills a new generation while the old one keeps answering, then swaps atomically (a pointer file for
Tantivy, an alias for Elasticsearch). Progress is checkpointed in the store's `index_state` after
every durable commit, so a killed `sohoa reindex` resumes where it stopped.
"""

from __future__ import annotations

import logging
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from config.faults import fault_point
from config.settings import Settings
from search.document import build_document
from search.highlight import highlight
from search.keys import id_digits, name_key
from search.query import Query, QueryPlan, SearchHit, SearchResult
from store.privacy import mask_id, mask_log

if TYPE_CHECKING:
    from store.db import Store
    from store.models import IndexState

log = logging.getLogger("sohoa.search")


@dataclass
class RawHit:
    """What a backend returns for one matching document: its id, score and stored payload."""

    id: str
    score: float
    payload: dict[str, Any]


@dataclass
class ReindexReport:
    generation: str
    indexed: int
    resumed: bool
    changes_applied: int
    seconds: float
    index_count: int


@dataclass
class Agreement:
    store_count: int
    index_count: int
    missing: list[str] = field(default_factory=list)  # in the store, not in the index
    extra: list[str] = field(default_factory=list)  # in the index, not in the store

    @property
    def ok(self) -> bool:
        return not self.missing and not self.extra


class SearchError(RuntimeError):
    """The index cannot answer (not built, server unreachable, locked by another writer)."""


def _chunks(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def birth_year_from_id(person_id: str | None) -> int | None:
    """Personal ID `PPP G YY RRRRRR`: G gives the century (0/1: 1900s, 2/3: 2000s, 4/5: 2100s)."""
    if not person_id or len(person_id) != 12 or not person_id.isdigit():
        return None
    century = {0: 1900, 1: 1900, 2: 2000, 3: 2000, 4: 2100, 5: 2100}.get(int(person_id[3]))
    return century + int(person_id[4:6]) if century is not None else None


def _year(value: Any) -> int | None:
    text = str(value or "")
    return int(text[:4]) if len(text) >= 4 and text[:4].isdigit() else None


class SearchBackend(ABC):
    """One search index. Obtain with `open_backend(settings)`."""

    kind: ClassVar[str]

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    # ---- primitives each backend implements ---------------------------------------------------------

    @property
    @abstractmethod
    def state_name(self) -> str:
        """Key of this index in the store's index_state table."""

    @abstractmethod
    def _new_generation(self) -> str: ...

    @abstractmethod
    def _generations(self) -> list[str]: ...

    @abstractmethod
    def _active_generation(self) -> str | None: ...

    @abstractmethod
    def _activate(self, generation: str) -> None:
        """Make `generation` the one searches read, atomically."""

    @abstractmethod
    def _drop(self, generation: str) -> None: ...

    @abstractmethod
    def _write(self, generation: str, docs: list[dict[str, Any]]) -> None:
        """Upsert documents (by id) into a generation; visible after `_commit`."""

    @abstractmethod
    def _delete(self, generation: str, ids: list[str]) -> None: ...

    @abstractmethod
    def _commit(self, generation: str) -> None:
        """Make writes durable and searchable."""

    def _release(self, generation: str) -> None:  # noqa: B027 - optional hook
        """Done writing to this generation for now (free locks, finish merges)."""

    @abstractmethod
    def _execute(self, plan: QueryPlan, query: Query, *, strict: bool) -> tuple[int, list[RawHit]]: ...

    @abstractmethod
    def _lookup(self, field: str, values: list[str], limit: int) -> list[RawHit]:
        """Documents whose keyword `field` holds any of `values`, newest first."""

    @abstractmethod
    def _ids(self, generation: str) -> set[str]: ...

    @abstractmethod
    def count(self) -> int:
        """Documents in the live generation."""

    def close(self) -> None:  # noqa: B027 - optional hook, most backends hold nothing to release
        """Release files and connections."""

    def __enter__(self) -> SearchBackend:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- writing ------------------------------------------------------------------------------------

    def _ensure_active(self) -> str:
        active = self._active_generation()
        if active is None:
            active = self._new_generation()
            self._activate(active)
        return active

    def index_records(self, records: Iterable[Mapping[str, Any]], *, batch_size: int = 1000) -> int:
        """Add or replace records in the live index; returns how many were indexed."""
        generation = self._ensure_active()
        n = 0
        for batch in _chunks(records, batch_size):
            self._write(generation, [build_document(r) for r in batch])
            n += len(batch)
        self._commit(generation)
        self._release(generation)
        return n

    def delete(self, ids: Iterable[str]) -> None:
        generation = self._active_generation()
        if generation is None:
            return
        self._delete(generation, list(ids))
        self._commit(generation)
        self._release(generation)

    def all_ids(self) -> set[str]:
        generation = self._active_generation()
        return self._ids(generation) if generation else set()

    # ---- searching ----------------------------------------------------------------------------------

    def search(self, query: Query) -> SearchResult:
        """Records matching the query, best first (or newest first with sort='newest')."""
        if self._active_generation() is None:
            return SearchResult(total=0, hits=[], offset=query.offset, limit=query.limit, backend=self.kind)
        started = time.perf_counter()
        plan = query.plan()
        total, raw = self._execute(plan, query, strict=True)
        relaxed = False
        if total == 0 and len(plan.words_folded) + len(plan.ids) + len(plan.doc_keys) >= 2:
            # nothing has every word: a clerk typed a word the record lacks; most words must still match
            total, raw = self._execute(plan, query, strict=False)
            relaxed = True
        hits = [self._hit(r, plan if query.highlight else None) for r in raw]
        took = (time.perf_counter() - started) * 1000
        log.debug("search %r: %d hits in %.1f ms", mask_log(query.text), total, took)
        return SearchResult(total=total, hits=hits, offset=query.offset, limit=query.limit, relaxed=relaxed,
                            took_ms=round(took, 2), backend=self.kind)

    @staticmethod
    def _hit(raw: RawHit, plan: QueryPlan | None, **extra: Any) -> SearchHit:
        p = raw.payload
        highlights: list[str] = []
        if plan is not None:
            source = p.get("text") or " · ".join(
                [*(x.get("name", "") for x in p.get("persons", [])), p.get("summary") or ""]
            )
            highlights = [mask_id(h) for h in highlight(source, plan)]
        return SearchHit(
            id=raw.id,
            score=round(float(raw.score), 4),
            doc_type=p.get("doc_type") or "khac",
            doc_number=p.get("doc_number"),
            issue_date=p.get("issue_date"),
            issuer=p.get("issuer"),
            subject_name=p.get("subject_name"),
            subject_id=mask_id(p.get("subject_id")) or None,
            summary=mask_id(p.get("summary")) or None,
            place=p.get("place"),
            highlights=highlights,
            **extra,
        )

    def person(self, person_id: str | None = None, *, name: str | None = None, dob: str | None = None,
               limit: int = 200) -> SearchResult:
        """Citizen view: every record that concerns one person, newest first.

        By personal ID, or by name + date of birth. Records naming the person in another role without
        an identifier (a parent on a birth certificate) are included when the name matches and the
        ages are plausible, marked `match='name'` for the clerk to verify.
        """
        started = time.perf_counter()
        ids = {d for d in [id_digits(person_id)] if d}
        key = name_key(name)
        if not ids and not (key and dob):
            raise ValueError("person lookup needs an ID number, or a name and a date of birth")
        found: dict[str, tuple[RawHit, set[str], str]] = {}
        names: set[str] = {key} if key else set()
        dobs: set[str] = {dob} if dob else set()

        def is_same(p: Mapping[str, Any]) -> str | None:
            if p.get("id") and p["id"] in ids:
                return "id"
            if key and dob and name_key(p.get("name")) == key and p.get("dob") == dob:
                return "name_dob"
            return None

        keys = [f"id:{i}" for i in ids] + ([f"nd:{key}|{dob}"] if key and dob else [])
        for _ in range(2):  # a second round with the IDs learnt from name + date-of-birth matches
            learnt: set[str] = set()
            for raw in self._lookup("person_keys", keys, limit):
                roles, how = set(), None
                for p in raw.payload.get("persons", []):
                    same = is_same(p)
                    if same:
                        roles.add(p["role"])
                        how = "id" if "id" in (how, same) else same
                        if p.get("name"):
                            names.add(name_key(p["name"]) or "")
                        if p.get("dob"):
                            dobs.add(p["dob"])
                        if p.get("id") and p["id"] not in ids:
                            learnt.add(p["id"])
                if roles and raw.id not in found:
                    found[raw.id] = (raw, roles, how or "id")
            if not learnt:
                break
            ids |= learnt
            keys = [f"id:{i}" for i in learnt]

        birth_years = {y for y in (_year(d) for d in dobs) if y} | {y for y in map(birth_year_from_id, ids) if y}
        birth_year = min(birth_years) if birth_years else None
        names.discard("")
        for raw in self._lookup("name_keys", sorted(names), limit) if names else []:
            if raw.id in found:
                continue
            roles = set()
            for p in raw.payload.get("persons", []):
                if name_key(p.get("name")) not in names:
                    continue
                if p.get("id") and p["id"] not in ids:
                    continue  # same name, another ID: another person
                if p.get("dob") and dobs and p["dob"] not in dobs:
                    continue
                if not self._plausible(p["role"], raw.payload, birth_year):
                    continue
                roles.add(p["role"])
            if roles:
                found[raw.id] = (raw, roles, "name")

        ordered = sorted(found.values(), key=lambda item: (item[0].payload.get("issue_date") or "", item[0].id),
                         reverse=True)[:limit]
        hits = [self._hit(raw, None, roles=sorted(roles), match=how) for raw, roles, how in ordered]
        took = (time.perf_counter() - started) * 1000
        return SearchResult(total=len(found), hits=hits, limit=limit, took_ms=round(took, 2), backend=self.kind)

    @staticmethod
    def _plausible(role: str, payload: Mapping[str, Any], birth_year: int | None) -> bool:
        """Could someone born in `birth_year` hold `role` in this record? Unknown years pass."""
        if birth_year is None:
            return True
        issued = _year(payload.get("issue_date"))
        if role in ("father", "mother"):
            child = next((_year(p.get("dob")) for p in payload.get("persons", []) if p.get("role") == "subject"), None)
            child = child or issued
            return child is None or child - birth_year >= 12
        if role in ("husband", "wife"):
            return issued is None or issued - birth_year >= 16
        return issued is None or issued >= birth_year

    # ---- rebuild and sync from the store -------------------------------------------------------------

    def rebuild_from(self, store: Store, *, batch_size: int | None = None, fresh: bool = False,
                     progress: Callable[[int, int], None] | None = None) -> ReindexReport:
        """Build a new generation from every record of the store and swap it in. Resumes an
        interrupted build unless `fresh`; searches keep using the old generation meanwhile."""
        from store.models import IndexState, utcnow

        started = time.perf_counter()
        batch_size = batch_size or self.settings.reindex_batch_size
        state = store.get_index_state(self.state_name) or IndexState(
            name=self.state_name, backend=self.kind, start_seq=0, synced_seq=0, indexed_count=0
        )
        generation = state.building_generation
        existing = set(self._generations())
        if generation and (fresh or generation not in existing):
            if generation in existing:
                self._drop(generation)
            generation = None
        resumed = generation is not None
        if generation is None:
            generation = self._new_generation()
            state.building_generation = generation
            state.cursor = None
            state.indexed_count = 0
            state.start_seq = store.last_change_seq()  # changes after this are replayed at the end
            state.started_at = utcnow()
            state.finished_at = None
            state = store.put_index_state(state)
        active = self._active_generation()
        for leftover in self._generations():  # debris of builds killed between swap and cleanup
            if leftover not in (active, generation):
                self._drop(leftover)
        total = store.count_records()
        log.info("reindex: %s generation %s (%d of %d records done)", "resuming" if resumed else "building",
                 generation, state.indexed_count, total)
        for batch in store.iter_record_batches(batch_size=batch_size, after_id=state.cursor):
            self._write(generation, [build_document(r) for r in batch])
            self._commit(generation)
            fault_point("during_index_sync")
            # the checkpoint follows the durable commit: a kill in between re-indexes one batch (upserts)
            state.cursor = str(batch[-1]["id"])
            state.indexed_count += len(batch)
            state = store.put_index_state(state)
            if progress:
                progress(state.indexed_count, total)
        seq, applied = self._apply_changes(store, generation, state.start_seq)
        self._release(generation)
        previous = self._active_generation()
        self._activate(generation)
        state.active_generation = generation
        state.building_generation = None
        state.cursor = None
        state.synced_seq = seq
        state.finished_at = utcnow()
        store.put_index_state(state)
        if previous and previous != generation:
            self._drop(previous)
        return ReindexReport(generation=generation, indexed=state.indexed_count, resumed=resumed,
                             changes_applied=applied, seconds=round(time.perf_counter() - started, 2),
                             index_count=self.count())

    def _apply_changes(self, store: Store, generation: str, since: int) -> tuple[int, int]:
        """Replay the store's change feed after `since` into a generation; returns (last seq, records)."""
        seq, applied = since, 0
        while True:
            changes = store.changes_since(seq, limit=2000)
            if not changes:
                return seq, applied
            latest: dict[str, str] = {}
            for s, record_id, op in changes:
                latest[record_id] = op
                seq = s
            upserts = [rid for rid, op in latest.items() if op == "upsert"]
            records = store.get_records(upserts)
            gone = [rid for rid, op in latest.items() if op == "delete" or rid not in records]
            if gone:
                self._delete(generation, gone)
            if records:
                self._write(generation, [build_document(r) for r in records.values()])
            self._commit(generation)
            fault_point("during_index_sync")  # committed, not yet checkpointed: the next sync repeats it
            applied += len(latest)

    def sync_from(self, store: Store) -> int:
        """Bring the live index up to date with the store's change feed (after ingest or corrections).
        Builds the index first if there is none. Returns the number of records touched."""
        state: IndexState | None = store.get_index_state(self.state_name)
        active = self._active_generation()
        if state is None or active is None or state.active_generation != active:
            return self.rebuild_from(store).indexed
        seq, applied = self._apply_changes(store, active, state.synced_seq)
        self._release(active)
        if seq != state.synced_seq:
            state.synced_seq = seq
            store.put_index_state(state)
        return applied

    def verify(self, store: Store) -> Agreement:
        """Compare record ids of the store and of the live index."""
        stored = set(store.iter_record_ids())
        indexed = self.all_ids()
        return Agreement(store_count=len(stored), index_count=len(indexed),
                         missing=sorted(stored - indexed), extra=sorted(indexed - stored))


def open_backend(settings: Settings | None = None) -> SearchBackend:
    """The backend chosen by `settings.search_backend`."""
    settings = settings or Settings()
    if settings.search_backend == "elasticsearch":
        from search.elastic_index import ElasticBackend

        return ElasticBackend(settings)
    from search.tantivy_index import TantivyBackend

    return TantivyBackend(settings)
