"""The pieces under the search contract: query planning, keys, places, highlights, folding parity
between Python and the engines, the Elasticsearch client options and template."""

from __future__ import annotations

import pytest

from config.settings import Settings
from extractors.vietnamese import fold_key
from search.base import birth_year_from_id
from search.highlight import highlight
from search.keys import doc_number_key, name_key
from search.places import query_place_keys, record_places, resolve
from search.query import Query
from tests.search_fixtures import servers
from tests.search_fixtures.factory import PLACES, Factory, typo

es_url = servers.es_url  # fixture: an osmem-server on a free loopback port


def test_plan_separates_ids_document_numbers_and_words():
    plan = Query(text="Phan Quang Tùng 036220614006 154 / QĐ - UBND 123456789").plan()
    assert plan.ids == ["036220614006", "123456789"]
    assert plan.doc_keys == ["154/qd-ubnd"]
    assert plan.words_exact == ["phan", "quang", "tùng"]
    assert plan.words_folded == ["phan", "quang", "tung"]
    assert plan.diacritics_typed


def test_plan_of_grouped_ids_registration_numbers_and_bare_numbers():
    assert Query(text="036 220 614 006").plan().ids == ["036220614006"]
    assert Query(text="0362 2061 4006").plan().ids == ["036220614006"]
    assert Query(text="27A8001234").plan().doc_keys == ["27a8001234"]
    assert Query(text="45").plan().doc_keys == ["45"]
    assert Query(text="0912345678").plan().ids == []  # a phone number is not an ID


def test_plan_normalises_tone_placement_and_filters():
    plan = Query(text="Nguyễn Thị Thuý Hoà", issuer="UBND xã Nghĩa Lạc", place="xã Nghĩa Sơn, TP. Đà Nẵng",
                 doc_type="quyet_dinh, giay_khai_sinh", date_from="2021-01-01").plan()
    assert plan.words_exact == ["nguyễn", "thị", "thúy", "hòa"]
    assert plan.issuer_words == ["uy", "ban", "nhan", "dan", "xa", "nghia", "lac"]
    assert plan.place_keys == ["xa nghia son", "thanh pho da nang"]
    assert plan.doc_types == ["quyet_dinh", "giay_khai_sinh"]
    assert plan.date_from == 20210101 and plan.date_to is None


@pytest.mark.parametrize("a,b", [("154/QĐ-UBND", "154 / qđ – ubnd"), ("Số: 154/QĐ-UBND", "154/QD-UBND"),
                                 ("686 /STTT-CNTT&BCVT", "686/sttt-cntt&bcvt"), ("01/2021", "01 / 2021")])
def test_document_number_keys(a, b):
    assert doc_number_key(a) == doc_number_key(b)


def test_name_keys_ignore_diacritics_case_spacing_and_tone_placement():
    assert name_key("NGUYỄN  THỊ THUÝ") == name_key("Nguyễn Thị Thúy") == "nguyen thi thuy"
    assert name_key("Đặng") == "dang"


def test_birth_year_from_the_personal_id():
    assert birth_year_from_id("036220614006") == 2020
    assert birth_year_from_id("036090001234") == 1990
    assert birth_year_from_id("036192004321") == 1992
    assert birth_year_from_id("123456789") is None


@pytest.mark.parametrize("place", PLACES, ids=lambda p: p.ward)
def test_every_factory_place_resolves_to_its_2025_successor(place):
    units = resolve(f"{place.ward}, {place.district}, {place.province}")
    assert (units.old_ward, units.new_ward, units.new_province) == (place.ward, place.new_ward, place.new_province)


def test_an_issuer_and_the_header_give_the_commune_and_both_eras():
    record = {"fields": {"issuer": "Ủy ban nhân dân xã Nghĩa Lạc", "place": "Nghĩa Lạc", "issue_date": "2021-07-05"},
              "text": "ỦY BAN NHÂN DÂN HUYỆN NGHĨA HƯNG\nỦY BAN NHÂN DÂN XÃ NGHĨA LẠC\nCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"}
    places = record_places(record)
    assert {"nghia lac", "xa nghia lac", "nghia hung", "nam dinh", "nghia son", "xa nghia son", "ninh binh"} <= set(
        places.keys)
    assert places.new_issuer == "Ủy ban nhân dân xã Nghĩa Sơn"


def test_a_record_issued_after_the_merger_is_read_with_2025_units():
    record = {"fields": {"issuer": "Ủy ban nhân dân xã Nghĩa Sơn", "place": "Ninh Bình", "issue_date": "2025-09-10"}}
    places = record_places(record)
    assert {"xa nghia son", "ninh binh"} <= set(places.keys) and places.new_issuer is None
    # and by the names of the units it was made of
    assert {"xa nghia lac", "nghia hung", "nam dinh"} <= set(places.keys)
    assert "ha nam" not in places.keys  # merged into Ninh Bình too, but not into this commune


def test_an_unknown_place_is_kept_as_printed_and_never_fails():
    places = record_places({"fields": {"issuer": "Ủy ban nhân dân xã Không Có", "place": "Nơi Nào Đó"}})
    assert "noi nao do" in places.keys and "khong co" in places.keys


def test_place_filter_aliases():
    assert query_place_keys("TP HCM") == ["ho chi minh"]
    assert query_place_keys("Tp. Hà Nội") == ["thanh pho ha noi"]
    assert query_place_keys("x. Nghĩa Lạc, H. Nghĩa Hưng") == ["xa nghia lac", "huyen nghia hung"]


def test_geocoding_is_switched_off():
    from vietnamadminunits.converter import converter_2025

    resolve("xã Nghĩa Lạc, huyện Nghĩa Hưng, tỉnh Nam Định")
    assert converter_2025.get_geo_location("anything") is None  # never calls the network


def test_highlight_marks_exact_words_and_only_the_typo_fuzzily():
    text = "Họ, chữ đệm, tên: Phan Quang Tùng\nPhường Thới Thuận, người nhận: Phạm Văn Nhân"
    out = highlight(text, Query(text="Phan Quag Tung").plan())
    assert out == ["Họ, chữ đệm, tên: <mark>Phan</mark> <mark>Quang</mark> <mark>Tùng</mark> Phường Thới Thuận, "
                   "người nhận: Phạm Văn Nhân"]
    assert highlight("a <b> & c Tùng", Query(text="tung").plan()) == ["a &lt;b&gt; &amp; c <mark>Tùng</mark>"]
    assert highlight(text, Query(text="khong co").plan()) == []


def test_tantivy_folding_agrees_with_python_for_every_vietnamese_letter():
    from search.tantivy_index import _analyzer

    letters = "aàáảãạăằắẳẵặâầấẩẫậbcdđeèéẻẽẹêềếểễệghiìíỉĩịklmnoòóỏõọôồốổỗộơờớởỡợpqrstuùúủũụưừứửữựvxyỳýỷỹỵ"
    words = [letters[i:i + 7] for i in range(0, len(letters), 7)]
    text = " ".join(words + [w.upper() for w in words])
    assert _analyzer(True).analyze(text) == fold_key(text).split()
    assert _analyzer(False).analyze("Đặng THỊ Hòa") == ["đặng", "thị", "hòa"]


def test_elasticsearch_folding_agrees_with_python(es_url):
    from search.elastic_index import ElasticBackend

    settings = Settings(search_backend="elasticsearch", es_url=es_url, es_opensearch_compat=True,
                        es_index_prefix="fold")
    backend = ElasticBackend(settings)
    generation = backend._new_generation()
    text = "Đặng Thị Hòa ĐƯỜNG Nguyễn Ỷ Lan Thuý Quyền đỗ"
    tokens = backend.client.indices.analyze(index=generation, analyzer="vi_folded", text=text)["tokens"]
    assert [t["token"] for t in tokens] == fold_key(text).split()
    mapping = backend.client.indices.get_mapping(index=generation)[generation]["mappings"]
    assert mapping["properties"]["names"]["fields"]["folded"]["analyzer"] == "vi_folded"
    backend._drop(generation)
    backend.close()


def test_elasticsearch_client_options():
    from search.elastic_index import PlainJsonNode, make_client

    plain = make_client(Settings(search_backend="elasticsearch", es_url="https://es.example:9200",
                                 es_username="sohoa", es_password="pw", es_ca_certs="/etc/ssl/ca.pem"))
    node = plain.transport.node_pool.get()
    assert node.config.ca_certs == "/etc/ssl/ca.pem"
    assert plain._retry_on_status == (429, 502, 503, 504)
    assert not isinstance(node, PlainJsonNode)
    compat = make_client(Settings(es_url="http://localhost:9200", es_opensearch_compat=True, es_api_key="k"))
    assert isinstance(compat.transport.node_pool.get(), PlainJsonNode)


def test_the_template_uses_no_plugin_analysis():
    from search.elastic_index import load_template

    body = load_template()
    analysis = body["template"]["settings"]["analysis"]
    filters = {f for a in analysis["analyzer"].values() for f in a["filter"]}
    assert filters <= {"lowercase", "asciifolding"}
    assert "icu" not in str(body)


def test_typo_makes_exactly_one_edit():
    from rapidfuzz.distance import DamerauLevenshtein

    rng = Factory(seed=1).rng
    for name in ["Phan Quang Tùng", "Nguyễn Thị Thu Hà", "Lê Văn Đức"]:
        for _ in range(20):
            assert DamerauLevenshtein.distance(typo(name, rng), name) in (0, 1)


def test_bulk_indexing_retries_when_the_cluster_is_busy():
    """A stub cluster answers 429 (too many requests) and 503 before accepting a bulk request."""
    import json
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from search.elastic_index import ElasticBackend

    answers = [429, 503]
    seen: list[str] = []

    class Stub(BaseHTTPRequestHandler):
        def log_message(self, *args):  # keep the test output clean
            pass

        def do_POST(self):  # noqa: N802 - http.server's naming
            body = self.rfile.read(int(self.headers.get("content-length", 0))).decode()
            seen.append(self.path)
            status = answers.pop(0) if self.path.startswith("/_bulk") and answers else 200
            if status != 200:
                payload = {"error": {"type": "es_rejected_execution_exception", "reason": "busy"}, "status": status}
            else:
                docs = [json.loads(line) for line in body.splitlines()[::2] if line]
                payload = {"took": 1, "errors": False,
                           "items": [{"index": {"_id": d["index"]["_id"], "status": 201}} for d in docs]}
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("x-elastic-product", "Elasticsearch")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_PUT = do_POST  # noqa: N815 - the client sends bulk requests with PUT

    server = ThreadingHTTPServer(("127.0.0.1", 0), Stub)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        settings = Settings(search_backend="elasticsearch", es_url=f"http://127.0.0.1:{server.server_port}",
                            es_max_retries=3, es_timeout_s=5)
        backend = ElasticBackend(settings)
        backend._write("sohoa-records-x", [{"id": "a", "doc": 1}, {"id": "b", "doc": 2}])
    finally:
        server.shutdown()
    assert answers == [] and seen.count("/_bulk") == 3  # two refusals, then accepted
