"""The Elasticsearch backend (official `elasticsearch` 8.x client; talks to 8 and 9 clusters), with an
OpenSearch option.

Indices are versioned (`<prefix>-records-<timestamp>-<hex>`) behind the alias `<prefix>-records`;
a rebuild fills a new index and swaps the alias in one atomic `_aliases` request. The template
(search/es_template.json) only uses built-in analysis, so it works on any cluster without plugins.
"""

from __future__ import annotations

import json
import logging
import secrets
import time
from importlib import resources
from typing import Any

from elastic_transport import HttpHeaders, Urllib3HttpNode
from elasticsearch import ApiError, Elasticsearch, NotFoundError, helpers

from config.settings import Settings
from search import ranking as R
from search.base import RawHit, SearchBackend, SearchError
from search.query import Query, QueryPlan

RETRY_STATUSES = (429, 502, 503, 504)
log = logging.getLogger("sohoa.search")
_COMPAT = ("application/vnd.elasticsearch+json", "application/vnd.elasticsearch+x-ndjson")


class PlainJsonNode(Urllib3HttpNode):
    """For OpenSearch: plain `application/json` instead of the ES compatibility media type (which
    OpenSearch answers with 406), and the product header the ES client insists on."""

    def perform_request(self, method: str, target: str, body: bytes | None = None,
                        headers: HttpHeaders | None = None, **kwargs: Any) -> Any:
        if headers is not None:
            headers = HttpHeaders(headers)
            for name in ("accept", "content-type"):
                value = headers.get(name)
                if value and value.startswith(_COMPAT):
                    kind = "x-ndjson" if "x-ndjson" in value else "json"
                    headers[name] = f"application/{kind}"
        response = super().perform_request(method, target, body=body, headers=headers, **kwargs)
        meta = response.meta
        if "x-elastic-product" not in meta.headers:
            patched = HttpHeaders(meta.headers)
            patched["x-elastic-product"] = "Elasticsearch"
            meta.headers = patched
        return response


def make_client(settings: Settings) -> Elasticsearch:
    kwargs: dict[str, Any] = {
        "hosts": [settings.es_url],
        "request_timeout": settings.es_timeout_s,
        # transport-level retries for every request; bulk adds its own back-off for 429 per item
        "max_retries": settings.es_max_retries,
        "retry_on_status": RETRY_STATUSES,
        "retry_on_timeout": True,
    }
    if settings.es_api_key is not None:
        kwargs["api_key"] = settings.es_api_key.get_secret_value()
    elif settings.es_username:
        password = settings.es_password.get_secret_value() if settings.es_password else ""
        kwargs["basic_auth"] = (settings.es_username, password)
    if settings.es_url.startswith("https"):
        kwargs["verify_certs"] = settings.es_verify_certs
        if settings.es_ca_certs:
            kwargs["ca_certs"] = str(settings.es_ca_certs)
    if settings.es_opensearch_compat:
        kwargs["node_class"] = PlainJsonNode
    return Elasticsearch(**kwargs)


def load_template() -> dict[str, Any]:
    data = json.loads(resources.files("search").joinpath("es_template.json").read_text(encoding="utf-8"))
    data.pop("_comment", None)
    return data


TEMPLATE_VERSION = 1  # bump with every change of es_template.json; `sohoa reindex` then applies it


class ElasticBackend(SearchBackend):
    kind = "elasticsearch"

    def __init__(self, settings: Settings, client: Elasticsearch | None = None) -> None:
        super().__init__(settings)
        self.client = client or make_client(settings)
        self.alias = f"{settings.es_index_prefix}-records"
        self.pattern = f"{self.alias}-*"
        self._template_ready = False
        self._active: tuple[float, str | None] | None = None

    @property
    def state_name(self) -> str:
        return f"elasticsearch:{self.alias}"

    def close(self) -> None:
        self.client.close()

    # ---- generations --------------------------------------------------------------------------------

    def ensure_template(self) -> None:
        if self._template_ready:
            return
        body = load_template()
        self.client.indices.put_index_template(
            name=self.alias, index_patterns=[self.pattern], template=body["template"], priority=100,
            meta={"managed_by": "sohoa", "template_version": TEMPLATE_VERSION},
        )
        self._template_ready = True

    def _new_generation(self) -> str:
        self.ensure_template()
        name = f"{self.alias}-{time.strftime('%Y%m%d%H%M%S')}-{secrets.token_hex(3)}"
        # during a bulk build: no replicas, no periodic refresh; restored before the swap
        self.client.indices.create(index=name, settings={"index": {"refresh_interval": "-1"}})
        return name

    def _generations(self) -> list[str]:
        return sorted(self.client.indices.get(index=self.pattern, expand_wildcards="open").keys())

    def _active_generation(self) -> str | None:
        # cached briefly: searches go to the alias anyway, this only answers "is there an index?"
        now = time.monotonic()
        if self._active is not None and now - self._active[0] < 5.0:
            return self._active[1]
        try:
            names = sorted(self.client.indices.get_alias(name=self.alias).keys())
        except NotFoundError:
            names = []
        active = names[-1] if names else None
        self._active = (now, active)
        return active

    def _activate(self, generation: str) -> None:
        self.client.indices.put_settings(index=generation, settings={"index": {"refresh_interval": None}})
        self.client.indices.refresh(index=generation)
        try:
            current = list(self.client.indices.get_alias(name=self.alias).keys())
        except NotFoundError:
            current = []
        actions: list[dict[str, Any]] = [{"remove": {"index": i, "alias": self.alias}} for i in current if i != generation]
        actions.append({"add": {"index": generation, "alias": self.alias}})
        self.client.indices.update_aliases(actions=actions)  # one request: atomic for readers
        self._active = (time.monotonic(), generation)

    def _drop(self, generation: str) -> None:
        self.client.indices.delete(index=generation, ignore_unavailable=True)
        if self._active and self._active[1] == generation:
            self._active = None

    # ---- writing ------------------------------------------------------------------------------------

    def _bulk(self, actions: list[dict[str, Any]], *, ignore_missing: bool = False) -> None:
        """Send actions in bulk requests. A busy or restarting cluster (429, 502, 503, 504 for the whole
        request or for single items) gets the refused actions again after 0.5 s, 1 s, 2 s... (at most
        30 s), `es_max_retries` times; only what was not acknowledged is sent again."""
        # status retries happen here, with back-off; the transport still retries lost connections
        client = self.client.options(retry_on_status=())
        pending, failures = list(actions), []
        for attempt in range(self.settings.es_max_retries + 1):
            if attempt:
                delay = min(30.0, 0.5 * 2 ** (attempt - 1))
                log.warning("elasticsearch busy: %d action(s) sent again in %.1f s (attempt %d of %d)",
                            len(pending), delay, attempt, self.settings.es_max_retries)
                time.sleep(delay)
            retry, done = [], 0
            last = attempt == self.settings.es_max_retries
            try:
                for ok, item in helpers.streaming_bulk(
                    client, pending, chunk_size=500, max_chunk_bytes=20 * 1024 * 1024,
                    max_retries=0, raise_on_error=False, raise_on_exception=True,
                ):
                    action = pending[done]  # one result per action, in order
                    done += 1
                    if ok:
                        continue
                    op = next(iter(item.values()))
                    if ignore_missing and op.get("status") == 404:
                        continue
                    if op.get("status") in RETRY_STATUSES and not last:
                        retry.append(action)
                    else:
                        failures.append(op)
            except ApiError as exc:
                if exc.status_code not in RETRY_STATUSES or last:
                    raise
                retry.extend(pending[done:])  # the refused request and those after it
            if not retry:
                break
            pending = retry
        if failures:
            raise SearchError(f"{len(failures)} documents were not indexed, first: {failures[0]}")

    def _write(self, generation: str, docs: list[dict[str, Any]]) -> None:
        self._bulk([{"_op_type": "index", "_index": generation, "_id": d["id"], "_source": d} for d in docs])

    def _delete(self, generation: str, ids: list[str]) -> None:
        self._bulk([{"_op_type": "delete", "_index": generation, "_id": i} for i in ids], ignore_missing=True)

    def _commit(self, generation: str) -> None:
        # bulk requests are durable once acknowledged (translog); refresh makes them searchable
        self.client.indices.refresh(index=generation)

    # ---- reading ------------------------------------------------------------------------------------

    def count(self) -> int:
        try:
            return int(self.client.count(index=self.alias)["count"])
        except NotFoundError:
            return 0

    def _ids(self, generation: str) -> set[str]:
        return {hit["_id"] for hit in helpers.scan(self.client, index=generation, query={"query": {"match_all": {}}},
                                                   _source=False, size=2000)}

    def _filters(self, plan: QueryPlan) -> list[dict[str, Any]]:
        filters: list[dict[str, Any]] = []
        if plan.doc_types:
            filters.append({"terms": {"doc_type": plan.doc_types}})
        if plan.issuer_words:
            filters.append({"match_phrase": {"issuer.folded": " ".join(plan.issuer_words)}})
        for key in plan.place_keys:
            filters.append({"term": {"place_keys": key}})
        if plan.date_from or plan.date_to:
            filters.append({"range": {"issue_int": {"gte": plan.date_from or 1, "lte": plan.date_to or 99991231}}})
        return filters

    @staticmethod
    def _fuzzy(field: str, word: str) -> dict[str, Any]:
        return {"fuzzy": {field: {"value": word, "fuzziness": 1, "transpositions": True, "max_expansions": 50}}}

    def _build(self, plan: QueryPlan, strict: bool) -> dict[str, Any]:
        required: list[dict[str, Any]] = []
        for word in plan.words_folded:
            alternatives: list[dict[str, Any]] = [{"term": {"all_text.folded": word}}]
            if word in plan.fuzzy_words:
                alternatives.append(self._fuzzy("names.folded", word))
            required.append({"bool": {"should": alternatives, "minimum_should_match": 1}})
        for pid in plan.ids:
            required.append({"bool": {"should": [{"term": {"person_keys": f"id:{pid}"}},
                                                 {"term": {"all_text.folded": pid}}], "minimum_should_match": 1}})
        for key in plan.doc_keys:
            required.append({"term": {"doc_keys": key}})

        def const(q: dict[str, Any], score: float) -> dict[str, Any]:
            return {"constant_score": {"filter": q, "boost": score}}

        def fuzzy(field: str, value: str) -> dict[str, Any]:
            return {"fuzzy": {field: {"value": value, "fuzziness": 1, "transpositions": True}}}

        boosts: list[dict[str, Any]] = []
        words, exact = plan.words_folded, plan.words_exact
        if words:
            folded_text, exact_text = " ".join(words), " ".join(exact)
            boosts.append(const({"term": {"name_keys": plan.name_key}}, R.NAME_KEY))
            for span in plan.name_spans:  # a name among other words (a place, a document type)
                boosts.append(const({"term": {"name_keys": span}}, R.NAME_SPAN * len(span.split())))
            if len(plan.name_key or "") >= 5:
                boosts.append(const(fuzzy("name_keys", plan.name_key), R.NAME_KEY_FUZZY))
            if plan.name_ends:
                boosts.append(const({"term": {"name_ends": plan.name_ends}}, R.NAME_ENDS))
                boosts.append(const(fuzzy("name_ends", plan.name_ends), R.NAME_ENDS_FUZZY))
                if plan.name_ends_exact:
                    boosts.append(const({"term": {"name_ends_x": plan.name_ends_exact}}, R.NAME_ENDS_EXACT))
            # two words are surname + given name far more often than the start of a longer name
            if len(words) != 2:
                if len(exact) == len(words):
                    boosts.append({"match_phrase": {"names": {"query": exact_text, "boost": R.NAMES_EXACT_PHRASE}}})
                boosts.append({"match_phrase": {"names.folded": {"query": folded_text, "boost": R.NAMES_PHRASE}}})
            if len(words) >= 3:
                boosts.append({"match_phrase": {"names.folded": {"query": folded_text, "slop": 2,
                                                                 "boost": R.NAMES_LOOSE}}})
                boosts.append({"match_phrase": {"subject_name.folded": {"query": folded_text, "slop": 2,
                                                                        "boost": R.SUBJECT_LOOSE}}})
            every_in_subject = [
                {"bool": {"should": [{"term": {"subject_name.folded": w}}, fuzzy("subject_name.folded", w)],
                          "minimum_should_match": 1}} if w in plan.fuzzy_words
                else {"term": {"subject_name.folded": w}}
                for w in words
            ]
            boosts.append(const({"bool": {"must": every_in_subject}}, R.SUBJECT_ALL_WORDS))
            for w in exact:
                boosts.append({"term": {"all_text": {"value": w, "boost": R.EXACT_WORD}}})
        for pid in plan.ids:
            boosts.append(const({"term": {"person_keys": f"id:{pid}"}}, R.ID))
        for key in plan.doc_keys:
            boosts.append(const({"term": {"doc_keys": key}}, R.DOC_KEY))

        bool_query: dict[str, Any] = {"filter": self._filters(plan), "should": boosts}
        if not required:
            bool_query["must"] = [{"match_all": {}}]
        elif strict or len(required) == 1:
            bool_query["must"] = required
        else:
            n = len(required)
            bool_query["must"] = [{"bool": {"should": required, "minimum_should_match": plan.min_should_match(n)}}]
        return {"bool": bool_query}

    @staticmethod
    def _raw(hit: dict[str, Any]) -> RawHit:
        source = hit.get("_source") or {}
        payload = dict(source.get("stored") or {})
        if source.get("text"):
            payload["text"] = source["text"]
        return RawHit(id=hit["_id"], score=float(hit.get("_score") or 0.0), payload=payload)

    def _execute(self, plan: QueryPlan, query: Query, *, strict: bool) -> tuple[int, list[RawHit]]:
        newest = query.sort == "newest" or not plan.has_terms
        try:
            response = self.client.search(
                index=self.alias, query=self._build(plan, strict), from_=query.offset, size=query.limit,
                track_total_hits=True, source=["stored", "text"] if query.highlight else ["stored"],
                sort=[{"issue_int": "desc"}, "_score"] if newest else None,
            )
        except NotFoundError:
            return 0, []
        hits = response["hits"]
        return int(hits["total"]["value"]), [self._raw(h) for h in hits["hits"]]

    def _lookup(self, field: str, values: list[str], limit: int) -> list[RawHit]:
        if not values:
            return []
        try:
            response = self.client.search(index=self.alias, query={"terms": {field: values}}, size=limit,
                                          sort=[{"issue_int": "desc"}], source=["stored"])
        except NotFoundError:
            return []
        return [self._raw(h) for h in response["hits"]["hits"]]
