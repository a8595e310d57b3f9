"""The embedded backend: Tantivy (PyPI `tantivy`), on disk under `<data_dir>/index/tantivy`.

Layout: one directory per generation (`gen-...`) and a `CURRENT` file naming the live one, replaced
atomically (os.replace) on swap. Text is indexed twice: `*_x` lower-case with diacritics (exact),
`*_f` lower-case and ASCII-folded (đ→d), the same pair the Elasticsearch template defines.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import time
from pathlib import Path
from typing import Any

import tantivy
from tantivy import Filter, Occur, Order, TextAnalyzerBuilder, Tokenizer
from tantivy import Query as TQ

from config.settings import Settings
from search import ranking as R
from search.base import RawHit, SearchBackend, SearchError
from search.query import Query, QueryPlan

POINTER = "CURRENT"


def _analyzer(fold: bool) -> Any:
    builder = TextAnalyzerBuilder(Tokenizer.simple()).filter(Filter.remove_long(40)).filter(Filter.lowercase())
    if fold:
        builder = builder.filter(Filter.ascii_fold())  # maps đ→d like Elasticsearch's asciifolding
    return builder.build()


def _schema() -> Any:
    sb = tantivy.SchemaBuilder()
    sb.add_text_field("id", stored=True, fast=True, tokenizer_name="raw", index_option="basic")
    for keyword in ("doc_type", "doc_keys", "name_keys", "name_ends", "name_ends_x", "person_keys", "place_keys"):
        sb.add_text_field(keyword, tokenizer_name="raw", index_option="basic")
    sb.add_integer_field("issue_int", indexed=True, fast=True)
    for phrased in ("issuer_f", "subject_f", "names_x", "names_f"):
        sb.add_text_field(phrased, tokenizer_name="vi_folded" if phrased.endswith("_f") else "vi_exact")
    # the catch-all only answers term queries: frequencies, no positions (a third of the size)
    sb.add_text_field("all_x", tokenizer_name="vi_exact", index_option="freq")
    sb.add_text_field("all_f", tokenizer_name="vi_folded", index_option="freq")
    sb.add_bytes_field("payload", stored=True, indexed=False)
    return sb.build()


class TantivyBackend(SearchBackend):
    kind = "tantivy"

    def __init__(self, settings: Settings, path: Path | str | None = None) -> None:
        super().__init__(settings)
        self.root = Path(path) if path else Path(settings.data_dir) / "index" / "tantivy"
        self.root.mkdir(parents=True, exist_ok=True)
        self.schema = _schema()
        self._exact = _analyzer(False)
        self._folded = _analyzer(True)
        self._indexes: dict[str, Any] = {}
        self._writers: dict[str, Any] = {}

    @property
    def state_name(self) -> str:
        return f"tantivy:{self.root.resolve()}"

    # ---- generations --------------------------------------------------------------------------------

    def _index(self, generation: str) -> Any:
        index = self._indexes.get(generation)
        if index is None:
            path = self.root / generation
            path.mkdir(parents=True, exist_ok=True)
            index = tantivy.Index(self.schema, path=str(path), reuse=True)
            # tokenizers are not persisted with the index: register them on every open
            index.register_tokenizer("vi_exact", self._exact)
            index.register_tokenizer("vi_folded", self._folded)
            self._indexes[generation] = index
        return index

    def _new_generation(self) -> str:
        name = f"gen-{time.strftime('%Y%m%d%H%M%S')}-{secrets.token_hex(3)}"
        self._index(name)
        return name

    def _generations(self) -> list[str]:
        return sorted(p.name for p in self.root.iterdir() if p.is_dir() and p.name.startswith("gen-"))

    def _active_generation(self) -> str | None:
        try:
            name = (self.root / POINTER).read_text().strip()
        except FileNotFoundError:
            return None
        if not name or not (self.root / name).is_dir():
            return None
        try:
            self._index(name)
        except ValueError as exc:  # built by an older Sohoa with another schema: rebuild, do not fail
            if "schema" not in str(exc).lower():
                raise
            return None
        return name

    def _activate(self, generation: str) -> None:
        tmp = self.root / f".{POINTER}.{os.getpid()}.tmp"
        with open(tmp, "w") as fh:
            fh.write(generation + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.root / POINTER)  # atomic: readers see the old or the new name, never half
        dir_fd = os.open(self.root, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)

    def _drop(self, generation: str) -> None:
        self._writers.pop(generation, None)
        self._indexes.pop(generation, None)
        shutil.rmtree(self.root / generation, ignore_errors=True)

    # ---- writing ------------------------------------------------------------------------------------

    def _writer(self, generation: str) -> Any:
        writer = self._writers.get(generation)
        if writer is not None:
            return writer
        index = self._index(generation)
        heap = self.settings.tantivy_heap_mb * 1_000_000
        for attempt in range(50):
            try:
                writer = index.writer(heap_size=heap, num_threads=self.settings.tantivy_threads)
                break
            except ValueError as exc:  # LockBusy: another process (ingest, reindex) is writing
                if "lock" not in str(exc).lower() or attempt == 49:
                    raise SearchError(f"the index is being written by another process: {exc}") from exc
                time.sleep(0.2)
        self._writers[generation] = writer
        return writer

    def _document(self, doc: dict[str, Any]) -> Any:
        payload = dict(doc["stored"])
        if doc["text"]:
            payload["text"] = doc["text"]
        names = doc["names"]
        return tantivy.Document(
            id=doc["id"],
            doc_type=doc["doc_type"],
            doc_keys=doc["doc_keys"],
            name_keys=doc["name_keys"],
            name_ends=doc["name_ends"],
            name_ends_x=doc["name_ends_x"],
            person_keys=doc["person_keys"],
            place_keys=doc["place_keys"],
            issue_int=doc["issue_int"],
            issuer_f=doc["issuer"],
            subject_f=doc["subject_name"],
            names_x=names,
            names_f=names,
            all_x=doc["all_text"],
            all_f=doc["all_text"],
            payload=json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode(),
        )

    def _write(self, generation: str, docs: list[dict[str, Any]]) -> None:
        writer = self._writer(generation)
        for doc in docs:
            writer.delete_documents_by_term("id", doc["id"])  # upsert: a resumed build may repeat a batch
            writer.add_document(self._document(doc))

    def _delete(self, generation: str, ids: list[str]) -> None:
        writer = self._writer(generation)
        for record_id in ids:
            writer.delete_documents_by_term("id", record_id)

    def _commit(self, generation: str) -> None:
        writer = self._writers.get(generation)
        if writer is None:
            return
        writer.commit()  # durable: a kill after this keeps everything written so far
        self._index(generation).reload()

    def _release(self, generation: str) -> None:
        writer = self._writers.pop(generation, None)
        if writer is not None:
            # let merges finish and free the writer lock, so another process may write next
            writer.wait_merging_threads()

    def close(self) -> None:
        for generation in list(self._writers):
            self._writers.pop(generation).rollback()
        self._indexes.clear()

    # ---- reading ------------------------------------------------------------------------------------

    def _searcher(self) -> Any | None:
        generation = self._active_generation()
        if generation is None:
            return None
        # another process may have swapped generations: forget the ones nobody writes here any more
        for stale in [g for g in self._indexes if g != generation and g not in self._writers]:
            del self._indexes[stale]
        return self._index(generation).searcher()

    def count(self) -> int:
        searcher = self._searcher()
        return searcher.num_docs if searcher is not None else 0

    def _ids(self, generation: str) -> set[str]:
        index = self._index(generation)
        index.reload()
        searcher = index.searcher()
        n = searcher.num_docs
        if n == 0:
            return set()
        agg = searcher.aggregate(TQ.all_query(), {"ids": {"terms": {"field": "id", "size": n + 1}}})
        return {bucket["key"] for bucket in agg["ids"]["buckets"]}

    def _term(self, field: str, value: Any) -> Any:
        return TQ.term_query(self.schema, field, value)

    def _any_term(self, field: str, values: list[str]) -> Any:
        return self._term(field, values[0]) if len(values) == 1 else TQ.term_set_query(self.schema, field, values)

    def _phrase(self, field: str, words: list[str], slop: int = 0) -> Any:
        return self._term(field, words[0]) if len(words) == 1 else TQ.phrase_query(self.schema, field, words, slop)

    def _filters(self, plan: QueryPlan) -> list[Any]:
        filters = []
        if plan.doc_types:
            filters.append(self._any_term("doc_type", plan.doc_types))
        if plan.issuer_words:
            filters.append(self._phrase("issuer_f", plan.issuer_words))
        for key in plan.place_keys:
            filters.append(self._term("place_keys", key))
        if plan.date_from or plan.date_to:
            filters.append(TQ.range_query(self.schema, "issue_int", tantivy.FieldType.Integer,
                                          plan.date_from or 1, plan.date_to or 99991231))
        return filters

    def _build(self, plan: QueryPlan, strict: bool) -> Any:
        required: list[Any] = []
        for word in plan.words_folded:
            alternatives = [self._term("all_f", word)]
            if word in plan.fuzzy_words:
                alternatives.append(TQ.fuzzy_term_query(self.schema, "names_f", word, 1, True))
            required.append(alternatives[0] if len(alternatives) == 1 else TQ.boolean_query(
                [(Occur.Should, q) for q in alternatives]))
        for pid in plan.ids:
            required.append(TQ.boolean_query([(Occur.Should, self._term("person_keys", f"id:{pid}")),
                                              (Occur.Should, self._term("all_f", pid))]))
        for key in plan.doc_keys:
            required.append(self._term("doc_keys", key))

        def const(q: Any, score: float) -> Any:
            return TQ.const_score_query(q, score)

        def fuzzy(field: str, value: str) -> Any:
            return TQ.fuzzy_term_query(self.schema, field, value, 1, True)

        boosts: list[Any] = []
        words, exact = plan.words_folded, plan.words_exact
        if words:
            boosts.append(const(self._term("name_keys", plan.name_key), R.NAME_KEY))
            for span in plan.name_spans:  # a name among other words (a place, a document type)
                boosts.append(const(self._term("name_keys", span), R.NAME_SPAN * len(span.split())))
            if len(plan.name_key or "") >= 5:
                boosts.append(const(fuzzy("name_keys", plan.name_key), R.NAME_KEY_FUZZY))
            if plan.name_ends:
                boosts.append(const(self._term("name_ends", plan.name_ends), R.NAME_ENDS))
                boosts.append(const(fuzzy("name_ends", plan.name_ends), R.NAME_ENDS_FUZZY))
                if plan.name_ends_exact:
                    boosts.append(const(self._term("name_ends_x", plan.name_ends_exact), R.NAME_ENDS_EXACT))
            # two words are surname + given name far more often than the start of a longer name
            # ("Lê Duy" is Lê Quốc Duy before Lê Duy Đức): phrases count from three words
            if len(words) != 2:
                if len(exact) == len(words):
                    boosts.append(TQ.boost_query(self._phrase("names_x", exact), R.NAMES_EXACT_PHRASE))
                boosts.append(TQ.boost_query(self._phrase("names_f", words), R.NAMES_PHRASE))
            if len(words) >= 3:
                boosts.append(TQ.boost_query(self._phrase("names_f", words, 2), R.NAMES_LOOSE))
                boosts.append(TQ.boost_query(self._phrase("subject_f", words, 2), R.SUBJECT_LOOSE))
            every_in_subject = [
                TQ.boolean_query([(Occur.Should, self._term("subject_f", w)), (Occur.Should, fuzzy("subject_f", w))])
                if w in plan.fuzzy_words else self._term("subject_f", w)
                for w in words
            ]
            boosts.append(const(TQ.boolean_query([(Occur.Must, q) for q in every_in_subject]), R.SUBJECT_ALL_WORDS))
            for w in exact:
                boosts.append(TQ.boost_query(self._term("all_x", w), R.EXACT_WORD))
        for pid in plan.ids:
            boosts.append(const(self._term("person_keys", f"id:{pid}"), R.ID))
        for key in plan.doc_keys:
            boosts.append(const(self._term("doc_keys", key), R.DOC_KEY))

        clauses: list[tuple[Any, Any]] = [(Occur.Must, f) for f in self._filters(plan)]
        if not required:
            clauses.append((Occur.Must, TQ.all_query()))
        elif strict or len(required) == 1:
            clauses.extend((Occur.Must, q) for q in required)
        else:
            n = len(required)
            clauses.append((Occur.Must, TQ.boolean_query([(Occur.Should, q) for q in required],
                                                          plan.min_should_match(n))))
        clauses.extend((Occur.Should, q) for q in boosts)
        return TQ.boolean_query(clauses)

    def _raw_hits(self, searcher: Any, result: Any) -> list[RawHit]:
        hits = []
        for score, address in result.hits:
            doc = searcher.doc(address)
            payload = json.loads(doc.get_first("payload"))
            hits.append(RawHit(id=doc.get_first("id"), score=float(score), payload=payload))
        return hits

    def _execute(self, plan: QueryPlan, query: Query, *, strict: bool) -> tuple[int, list[RawHit]]:
        searcher = self._searcher()
        if searcher is None:
            return 0, []
        tq = self._build(plan, strict)
        if query.sort == "newest" or not plan.has_terms:
            result = searcher.search(tq, query.limit, count=True, order_by_field="issue_int",
                                     offset=query.offset, order=Order.Desc)
        else:
            result = searcher.search(tq, query.limit, count=True, offset=query.offset)
        return int(result.count or 0), self._raw_hits(searcher, result)

    def _lookup(self, field: str, values: list[str], limit: int) -> list[RawHit]:
        searcher = self._searcher()
        if searcher is None or not values:
            return []
        result = searcher.search(self._any_term(field, values), limit, count=False, order_by_field="issue_int",
                                 order=Order.Desc)
        return self._raw_hits(searcher, result)
