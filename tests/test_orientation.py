"""Pages are put upright from their first reading; OSD runs only for pages that read turned."""

from __future__ import annotations

import numpy as np
import pytest

from config.settings import Settings
from extractors.load import Page
from extractors.pipeline import _ocr_page
from tests.fixtures.generator import generate_document


def _read(seed: int, rotation: int, level: str = "hard"):
    doc = generate_document(seed, doc_type="quyet_dinh", level=level, rotation=rotation)
    result, image = _ocr_page(Page(index=0, image=np.array(doc.image.convert("RGB")), dpi=doc.dpi), Settings())
    return result, image


def test_an_upright_page_costs_no_orientation_detection():
    result, _ = _read(5, 0, level="clean")
    assert result.rotation == 0
    assert "orientation" not in result.timings_ms
    assert not any("osd" in note for note in result.preprocess_notes)


@pytest.mark.parametrize("rotation", [90, 180, 270])
def test_a_turned_damaged_page_reads_like_the_upright_one(rotation):
    upright, _ = _read(100070, 0)
    turned, image = _read(100070, rotation)
    assert (turned.rotation + rotation) % 360 == 0
    assert image.shape[0] > image.shape[1]  # the archival image is turned back too (portrait A4)
    words = {w.text for w in upright.words}
    assert len(words & {w.text for w in turned.words}) >= 0.9 * len(words)


def test_a_reading_of_almost_nothing_asks_for_a_turn_but_a_blank_page_stays_as_it_came() -> None:
    from extractors.orientation import needs_osd, turned_is_better

    assert needs_osd([]) is not None
    assert not turned_is_better([], [])  # blank either way: nothing is turned
