"""Hand-written records the search contract asserts on, plus factory noise around them.

One family: Phan Quang Tùng (born 2020) is the son of Phan Xuân Việt and Mai Kim Giang, who married
in 2018; a 2023 decision concerns Phan Xuân Việt. Names that differ only by diacritics (Đặng Thị
Hòa / Hoa / Hóa), a name printed with the traditional tone placement (Thúy), an old ID card, a
record issued after the 2025 merger under the new commune name.
"""

from __future__ import annotations

import hashlib
from typing import Any

from tests.search_fixtures.factory import Factory


def _record(key: str, doc_type: str, fields: dict[str, Any], text: str) -> dict[str, Any]:
    rid = hashlib.sha256(key.encode()).hexdigest()
    return {
        "id": rid,
        "source": {"path": f"scans/{key}.pdf", "sha256": rid, "media_type": "application/pdf", "pages": 1},
        "doc_type": doc_type,
        "fields": fields,
        "text": text,
        "confidence": {"ocr": 0.93, "fields": {}},
        "needs_review": False,
        "problems": [],
        "pipeline_version": "0.1.0",
    }


HEAD_NL = "ỦY BAN NHÂN DÂN HUYỆN NGHĨA HƯNG\nỦY BAN NHÂN DÂN XÃ NGHĨA LẠC\nCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n" \
          "Độc lập - Tự do - Hạnh phúc\n"

BIRTH = _record("birth", "giay_khai_sinh", {
    "doc_number": "45", "book_number": "01/2021", "issue_date": "2021-07-05",
    "issuer": "Ủy ban nhân dân xã Nghĩa Lạc", "place": "Nghĩa Lạc",
    "subject_name": "Phan Quang Tùng", "subject_id": "036220614006", "subject_dob": "2020-06-26",
    "subject_sex": "Nam", "father_name": "Phan Xuân Việt", "mother_name": "Mai Kim Giang",
}, HEAD_NL + "Số: 45\nQuyển số: 01/2021\nGIẤY KHAI SINH\nHọ, chữ đệm, tên: Phan Quang Tùng\n"
   "Ngày, tháng, năm sinh: 26/06/2020\nSố định danh cá nhân: 036220614006\n"
   "Họ, chữ đệm, tên cha: Phan Xuân Việt\nHọ, chữ đệm, tên mẹ: Mai Kim Giang\nNghĩa Lạc, ngày 05 tháng 07 năm 2021")

MARRIAGE = _record("marriage", "giay_chung_nhan_ket_hon", {
    "doc_number": "12", "book_number": "01/2018", "issue_date": "2018-03-10",
    "issuer": "Ủy ban nhân dân xã Nghĩa Lạc", "place": "Nghĩa Lạc",
    "husband_name": "Phan Xuân Việt", "husband_id": "036090001234",
    "wife_name": "Mai Kim Giang", "wife_id": "036192004321",
}, HEAD_NL + "Số: 12\nGIẤY CHỨNG NHẬN KẾT HÔN\nHọ, chữ đệm, tên chồng: Phan Xuân Việt\n"
   "Số định danh cá nhân: 036090001234\nHọ, chữ đệm, tên vợ: Mai Kim Giang\nSố định danh cá nhân: 036192004321")

DECISION = _record("decision", "quyet_dinh", {
    "doc_number": "154/QĐ-UBND", "issue_date": "2023-02-14", "issuer": "Ủy ban nhân dân huyện Nghĩa Hưng",
    "place": "Nghĩa Hưng", "summary": "Về việc hỗ trợ kinh phí sửa chữa nhà ở bị hư hỏng do bão số 3",
    "subject_name": "Phan Xuân Việt", "subject_id": "036090001234",
    "subject_address": "Xóm 3, xã Nghĩa Lạc, huyện Nghĩa Hưng, tỉnh Nam Định",
    "signer_name": "Trần Văn Bình", "signer_title": "CHỦ TỊCH",
}, "ỦY BAN NHÂN DÂN TỈNH NAM ĐỊNH\nỦY BAN NHÂN DÂN HUYỆN NGHĨA HƯNG\nSố: 154/QĐ-UBND\n"
   "Nghĩa Hưng, ngày 14 tháng 02 năm 2023\nQUYẾT ĐỊNH\nVề việc hỗ trợ kinh phí sửa chữa nhà ở cho hộ nghèo\n"
   "Điều 1. Hỗ trợ ông Phan Xuân Việt, số định danh cá nhân 036090001234, 30.000.000 đồng.\nCHỦ TỊCH\nTrần Văn Bình")

HOA_GRAVE = _record("hoa-grave", "xac_nhan_tinh_trang_hon_nhan", {
    "doc_number": "08", "issue_date": "2019-05-20", "issuer": "Ủy ban nhân dân phường Thọ Quang", "place": "Đà Nẵng",
    "subject_name": "Đặng Thị Hòa", "subject_id": "048185002211", "subject_dob": "1985-01-02",
}, "GIẤY XÁC NHẬN TÌNH TRẠNG HÔN NHÂN\nHọ, chữ đệm, tên: Đặng Thị Hòa\nTình trạng hôn nhân: chưa đăng ký kết hôn")
HOA_PLAIN = _record("hoa-plain", "xac_nhan_tinh_trang_hon_nhan", {
    "doc_number": "09", "issue_date": "2019-06-20", "issuer": "Ủy ban nhân dân phường Thọ Quang", "place": "Đà Nẵng",
    "subject_name": "Đặng Thị Hoa", "subject_id": "048187003322", "subject_dob": "1987-03-04",
}, "GIẤY XÁC NHẬN TÌNH TRẠNG HÔN NHÂN\nHọ, chữ đệm, tên: Đặng Thị Hoa\nTình trạng hôn nhân: chưa đăng ký kết hôn")
HOA_ACUTE = _record("hoa-acute", "xac_nhan_tinh_trang_hon_nhan", {
    "doc_number": "10", "issue_date": "2019-07-20", "issuer": "Ủy ban nhân dân phường Thọ Quang", "place": "Đà Nẵng",
    "subject_name": "Đặng Thị Hóa", "subject_id": "048189004433", "subject_dob": "1989-05-06",
}, "GIẤY XÁC NHẬN TÌNH TRẠNG HÔN NHÂN\nHọ, chữ đệm, tên: Đặng Thị Hóa\nTình trạng hôn nhân: chưa đăng ký kết hôn")

THUY = _record("thuy", "trich_luc_khai_tu", {
    "doc_number": "03", "book_number": "01/2017", "issue_date": "2017-11-02", "issuer": "Ủy ban nhân dân xã Hòa Sơn",
    "place": "Hòa Sơn", "subject_name": "Nguyễn Thị Thúy", "subject_id": "048150001111",
    "date_of_death": "2017-10-30",
}, "TRÍCH LỤC KHAI TỬ\nHọ, chữ đệm, tên: Nguyễn Thị Thúy\nNgày chết: 30/10/2017")

CMND = _record("cmnd", "xac_nhan_tinh_trang_hon_nhan", {
    "doc_number": "77", "issue_date": "2012-09-09", "issuer": "Ủy ban nhân dân xã Hiên Vân", "place": "Tiên Du",
    "subject_name": "Vũ Đức Anh", "subject_id": "123456789", "subject_dob": "1985-04-12",
}, "GIẤY XÁC NHẬN TÌNH TRẠNG HÔN NHÂN\nHọ, chữ đệm, tên: Vũ Đức Anh\nSố CMND: 123456789")

AFTER_MERGER = _record("after-merger", "giay_khai_sinh", {
    "doc_number": "102", "book_number": "01/2025", "issue_date": "2025-09-10",
    "issuer": "Ủy ban nhân dân xã Nghĩa Sơn", "place": "Ninh Bình",
    "subject_name": "Trần Thị Thu Hà", "subject_id": "037325001999", "subject_dob": "2025-08-30",
    "father_name": "Trần Văn Khải", "mother_name": "Lê Thị Mận",
}, "ỦY BAN NHÂN DÂN TỈNH NINH BÌNH\nỦY BAN NHÂN DÂN XÃ NGHĨA SƠN\nSố: 102\nGIẤY KHAI SINH\n"
   "Họ, chữ đệm, tên: Trần Thị Thu Hà\nHọ, chữ đệm, tên cha: Trần Văn Khải\nHọ, chữ đệm, tên mẹ: Lê Thị Mận")

LETTER = _record("letter", "cong_van", {
    "doc_number": "123/UBND-TCKH", "issue_date": "2019-10-01",
    "issuer": "Phòng Tài chính - Kế hoạch huyện Hòa Vang", "place": "Hòa Vang",
    "summary": "V/v rà soát hồ sơ đất đai năm 2019", "signer_name": "Lê Thị Mỹ Duyên",
}, "UBND HUYỆN HÒA VANG\nPHÒNG TÀI CHÍNH - KẾ HOẠCH\nSố: 123/UBND-TCKH\nV/v rà soát hồ sơ đất đai năm 2019\n"
   "Kính gửi: Ủy ban nhân dân các xã\nPhòng Tài chính - Kế hoạch đề nghị rà soát hồ sơ đất đai.")

BUSINESS = _record("business", "giay_chung_nhan_dang_ky_ho_kinh_doanh", {
    "doc_number": "27A8001234", "issue_date": "2016-04-01", "issuer": "Phòng Tài chính - Kế hoạch huyện Tiên Du",
    "place": "Tiên Du", "subject_name": "Lê Văn Đức", "subject_id": "027080005678",
    "business_name": "HỘ KINH DOANH TẠP HÓA ĐỨC LAN",
    "business_address": "Thôn Lũng Sơn, xã Hiên Vân, huyện Tiên Du, tỉnh Bắc Ninh",
}, "GIẤY CHỨNG NHẬN ĐĂNG KÝ HỘ KINH DOANH\nSố: 27A8001234\nTên hộ kinh doanh: TẠP HÓA ĐỨC LAN\n"
   "Chủ hộ: Lê Văn Đức")

CURATED = [BIRTH, MARRIAGE, DECISION, HOA_GRAVE, HOA_PLAIN, HOA_ACUTE, THUY, CMND, AFTER_MERGER, LETTER, BUSINESS]
CURATED_NAMES = ["Phan Quang Tùng", "Phan Xuân Việt", "Mai Kim Giang", "Đặng Thị Hòa", "Đặng Thị Hoa",
                 "Đặng Thị Hóa", "Nguyễn Thị Thúy", "Vũ Đức Anh", "Trần Thị Thu Hà", "Lê Văn Đức", "Trần Văn Khải",
                 "Lê Thị Mận", "Trần Văn Bình", "Lê Thị Mỹ Duyên"]


def corpus(noise: int = 300, seed: int = 5) -> list[dict[str, Any]]:
    """The curated records among `noise` factory records whose subjects never share their names."""
    factory = Factory(seed=seed, unique_names=True)
    factory.reserve(CURATED_NAMES)  # a random person with one of these names would blur the asserts
    records = factory.corpus(noise)
    return CURATED + records
