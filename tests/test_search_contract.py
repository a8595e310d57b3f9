"""The search contract: the same tests, unchanged, against the embedded Tantivy backend and the
Elasticsearch backend (on osmem-server). Read-only tests share one index per backend."""

from __future__ import annotations

from pathlib import Path

import pytest

from search.base import SearchBackend
from search.query import Query
from tests.search_fixtures import curated as C
from tests.search_fixtures import servers
from tests.search_fixtures.servers import BACKENDS, backend_settings

es_url = servers.es_url  # fixture: an osmem-server on a free loopback port

CORPUS = C.corpus(noise=300)


@pytest.fixture(scope="module", params=BACKENDS)
def backend(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> SearchBackend:
    from search.base import open_backend

    url = request.getfixturevalue("es_url") if request.param == "elasticsearch" else None
    settings = backend_settings(request.param, Path(tmp_path_factory.mktemp(request.param)), url)
    b = open_backend(settings)
    assert b.index_records(CORPUS) == len(CORPUS)
    yield b
    b.close()


def ids(result) -> list[str]:
    return [h.id for h in result.hits]


def top(backend: SearchBackend, text: str, **kw) -> str | None:
    result = backend.search(Query(text=text, **kw))
    return result.hits[0].id if result.hits else None


def test_every_record_is_indexed(backend):
    assert backend.count() == len(CORPUS)
    assert backend.all_ids() == {r["id"] for r in CORPUS}


@pytest.mark.parametrize("text", ["Phan Quang Tùng", "phan quang tùng", "PHAN QUANG TÙNG", "Phan Quang Tung",
                                  "phan quang tung", "Phan  Quang   Tùng "])
def test_a_full_name_finds_its_record_first_with_or_without_diacritics(backend, text):
    assert top(backend, text) == C.BIRTH["id"]


def test_diacritic_exact_matches_rank_first(backend):
    hoa = [C.HOA_GRAVE["id"], C.HOA_PLAIN["id"], C.HOA_ACUTE["id"]]
    assert ids(backend.search(Query(text="Đặng Thị Hòa")))[:3][0] == C.HOA_GRAVE["id"]
    assert ids(backend.search(Query(text="Đặng Thị Hóa")))[0] == C.HOA_ACUTE["id"]
    assert ids(backend.search(Query(text="Đặng Thị Hoa")))[0] == C.HOA_PLAIN["id"]  # exact: no marks typed
    # typed without diacritics, all three are equally right and come before anything else
    assert set(ids(backend.search(Query(text="dang thi hoa")))[:3]) == set(hoa)
    # the other two are still found when diacritics were typed
    assert set(hoa) <= set(ids(backend.search(Query(text="Đặng Thị Hòa"))))


def test_modern_tone_placement_finds_the_traditional_spelling(backend):
    assert top(backend, "Nguyễn Thị Thuý") == C.THUY["id"]  # typed "uý", printed "úy"


@pytest.mark.parametrize("text", ["Phan Quang Tungg", "Pahn Quang Tùng", "Phan Quag Tung", "phan quang tuong"])
def test_a_name_with_one_typo_is_still_found_first(backend, text):
    assert top(backend, text) == C.BIRTH["id"]


def test_a_two_letter_given_name_with_a_typo(backend):
    assert top(backend, "Tran Thi Thu Hs") == C.AFTER_MERGER["id"]


def test_surname_and_given_name_only(backend):
    assert C.BIRTH["id"] in ids(backend.search(Query(text="Phan Tùng")))[:3]
    assert C.AFTER_MERGER["id"] in ids(backend.search(Query(text="tran ha")))[:3]


def test_the_person_the_record_is_about_outranks_a_parent_of_the_same_name(backend):
    result = ids(backend.search(Query(text="Phan Xuân Việt")))
    assert result[0] in (C.DECISION["id"], C.MARRIAGE["id"])  # subject / husband
    assert C.BIRTH["id"] in result  # where he is the father


@pytest.mark.parametrize("text", ["036220614006", "036 220 614 006", "CCCD 036220614006"])
def test_personal_id_exact(backend, text):
    result = backend.search(Query(text=text))
    assert ids(result) == [C.BIRTH["id"]]
    assert result.hits[0].subject_id == "0362******06"  # masked in list views


def test_an_id_is_exact_not_fuzzy(backend):
    assert backend.search(Query(text="036220614007")).total == 0
    assert ids(backend.search(Query(text="123456789"))) == [C.CMND["id"]]


@pytest.mark.parametrize("text", ["154/QĐ-UBND", "154 / QĐ - UBND", "154/qd-ubnd", "Số: 154/QĐ-UBND", "154 /QD- ubnd"])
def test_document_number_in_any_spacing_and_case(backend, text):
    assert top(backend, text) == C.DECISION["id"]


def test_registration_number(backend):
    assert top(backend, "27a8001234") == C.BUSINESS["id"]


def test_free_text_with_and_without_diacritics(backend):
    assert top(backend, "sửa chữa nhà ở bị hư hỏng do bão") == C.DECISION["id"]
    assert top(backend, "ho tro kinh phi sua chua nha o bi hu hong do bao so 3") == C.DECISION["id"]
    assert top(backend, "rà soát hồ sơ đất đai") == C.LETTER["id"]


def test_an_extra_word_the_record_lacks_relaxes_the_query(backend):
    result = backend.search(Query(text="Phan Quang Tùng xây dựng"))
    assert result.relaxed
    assert result.hits[0].id == C.BIRTH["id"]


def test_nothing_found(backend):
    result = backend.search(Query(text="Zzyzx Qwerty"))
    assert result.total == 0 and result.hits == []


def test_doc_type_filter(backend):
    result = backend.search(Query(text="Phan Xuân Việt", doc_type="quyet_dinh"))
    assert ids(result)[0] == C.DECISION["id"]
    assert {h.doc_type for h in result.hits} == {"quyet_dinh"}
    both = backend.search(Query(text="Phan Xuân Việt", doc_type="quyet_dinh,giay_chung_nhan_ket_hon"))
    assert set(ids(both)[:2]) == {C.DECISION["id"], C.MARRIAGE["id"]}
    assert {h.doc_type for h in both.hits} <= {"quyet_dinh", "giay_chung_nhan_ket_hon"}


def test_issuer_filter_with_abbreviation_and_the_2025_successor_name(backend):
    old = set(ids(backend.search(Query(text="Phan", issuer="UBND xã Nghĩa Lạc", limit=50))))
    assert {C.BIRTH["id"], C.MARRIAGE["id"]} <= old
    assert C.DECISION["id"] not in old  # issued by the district
    new = set(ids(backend.search(Query(issuer="Ủy ban nhân dân xã Nghĩa Sơn", limit=500))))
    assert {C.BIRTH["id"], C.MARRIAGE["id"], C.AFTER_MERGER["id"]} <= new


def test_place_filter_finds_old_records_by_2025_names_and_new_records_by_their_names(backend):
    family = {C.BIRTH["id"], C.MARRIAGE["id"], C.DECISION["id"]}
    nam_dinh = set(ids(backend.search(Query(place="Nam Định", limit=500))))
    # issued in 2025 by xã Nghĩa Sơn, which former xã Nghĩa Lạc of Nam Định became part of
    assert family | {C.AFTER_MERGER["id"]} <= nam_dinh
    assert C.AFTER_MERGER["id"] in set(ids(backend.search(Query(place="Nghĩa Lạc", limit=500))))
    assert C.LETTER["id"] not in nam_dinh
    ninh_binh = set(ids(backend.search(Query(place="tỉnh Ninh Bình", limit=500))))  # 2025 province
    assert family | {C.AFTER_MERGER["id"]} <= ninh_binh
    nghia_son = set(ids(backend.search(Query(place="xã Nghĩa Sơn", limit=500))))  # 2025 commune
    assert {C.BIRTH["id"], C.MARRIAGE["id"], C.AFTER_MERGER["id"]} <= nghia_son
    assert C.LETTER["id"] not in ninh_binh
    assert C.LETTER["id"] in set(ids(backend.search(Query(place="TP. Đà Nẵng", limit=500))))
    both = ids(backend.search(Query(text="Phan Xuân Việt", place="Nghĩa Lạc, Ninh Bình")))
    assert set(both) >= {C.MARRIAGE["id"], C.DECISION["id"]}


def test_a_2025_place_name_in_free_text(backend):
    assert top(backend, "Phan Quang Tung Ninh Binh") == C.BIRTH["id"]


def test_issue_date_range(backend):
    from datetime import date

    result = ids(backend.search(Query(text="Phan Xuân Việt", date_from=date(2021, 1, 1),
                                      date_to=date(2021, 12, 31))))
    assert result == [C.BIRTH["id"]]


def test_highlights_mark_the_matched_words_in_their_printed_spelling(backend):
    hit = backend.search(Query(text="phan quang tung")).hits[0]
    assert any("<mark>Phan</mark> <mark>Quang</mark> <mark>Tùng</mark>" in h for h in hit.highlights)
    typo = backend.search(Query(text="Phan Quag Tung")).hits[0]
    assert any("<mark>Quang</mark>" in h for h in typo.highlights)
    by_id = backend.search(Query(text="036220614006")).hits[0]
    assert by_id.highlights and all("036220614006" not in h for h in by_id.highlights)
    assert "<mark>0362******06</mark>" in " ".join(by_id.highlights)
    assert backend.search(Query(text="phan quang tung", highlight=False)).hits[0].highlights == []


def test_summary_fields_of_a_hit(backend):
    hit = backend.search(Query(text="154/QĐ-UBND")).hits[0]
    assert (hit.doc_type, hit.doc_number, hit.issue_date, hit.subject_name, hit.subject_id) == (
        "quyet_dinh", "154/QĐ-UBND", "2023-02-14", "Phan Xuân Việt", "0360******34")
    assert hit.summary.startswith("Về việc hỗ trợ")
    assert hit.issuer == "Ủy ban nhân dân huyện Nghĩa Hưng"


def test_filters_only_paging_and_total(backend):
    births = [r for r in CORPUS if r["doc_type"] == "giay_khai_sinh"]
    first = backend.search(Query(doc_type="giay_khai_sinh", limit=5))
    second = backend.search(Query(doc_type="giay_khai_sinh", limit=5, offset=5))
    assert first.total == second.total == len(births)
    assert len(first.hits) == len(second.hits) == 5
    assert not set(ids(first)) & set(ids(second))
    assert ids(first) + ids(second) == ids(backend.search(Query(doc_type="giay_khai_sinh", limit=10)))
    dates = [h.issue_date for h in first.hits + second.hits]
    assert dates == sorted(dates, reverse=True)  # no words: newest first
    assert dates[0] == max(r["fields"]["issue_date"] for r in births)


def test_sort_newest(backend):
    result = backend.search(Query(text="Phan Xuân Việt", sort="newest", limit=50))
    family = [i for i in ids(result) if i in (C.DECISION["id"], C.BIRTH["id"], C.MARRIAGE["id"])]
    assert family == [C.DECISION["id"], C.BIRTH["id"], C.MARRIAGE["id"]]
    dates = [h.issue_date for h in result.hits]
    assert dates == sorted(dates, reverse=True)


def test_citizen_view_by_id_across_roles_newest_first(backend):
    result = backend.person("036090001234")  # Phan Xuân Việt
    assert [(h.id, h.roles, h.match) for h in result.hits] == [
        (C.DECISION["id"], ["subject"], "id"),
        (C.BIRTH["id"], ["father"], "name"),  # no ID printed for the father: to verify
        (C.MARRIAGE["id"], ["husband"], "id"),
    ]
    assert result.total == 3
    assert all("036090001234" not in (h.subject_id or "") for h in result.hits)


def test_citizen_view_of_the_wife_and_the_child(backend):
    wife = backend.person("036192004321")
    assert [(h.id, h.roles) for h in wife.hits] == [(C.BIRTH["id"], ["mother"]), (C.MARRIAGE["id"], ["wife"])]
    child = backend.person("036 220 614 006")
    assert [(h.id, h.roles, h.match) for h in child.hits] == [(C.BIRTH["id"], ["subject"], "id")]


def test_citizen_view_by_name_and_date_of_birth(backend):
    result = backend.person(name="vu duc anh", dob="1985-04-12")
    assert [(h.id, h.match) for h in result.hits] == [(C.CMND["id"], "name_dob")]
    assert backend.person(name="Vũ Đức Anh", dob="1985-04-13").total == 0
    # name + date of birth on the birth certificate leads to the ID, and on to everything filed under it
    child = backend.person(name="Phan Quang Tùng", dob="2020-06-26")
    assert ids(child) == [C.BIRTH["id"]]


def test_citizen_view_skips_impossible_parents(backend):
    # Phan Quang Tùng, born 2020, cannot be the father of anyone yet; the name alone is not enough
    assert all("father" not in h.roles for h in backend.person("036220614006").hits)


def test_citizen_view_needs_an_id_or_name_and_dob(backend):
    with pytest.raises(ValueError):
        backend.person(name="Phan Quang Tùng")
