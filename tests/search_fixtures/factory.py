"""Realistic records (SCHEMA.md) for the store and search tests and the search benchmark.

Names carry every tone and đ, some differ only by diacritics (Hòa/Hoa, Thư/Thu); IDs agree with the
date of birth (PPP G YY RRRRRR); places are real pre-2025 units whose 2025 successors are written
next to them (checked against `vietnamadminunits` once; tests compare them with search.places).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from dataclasses import dataclass, field
from typing import Any

from extractors.vietnamese import fold

SURNAMES = [
    ("Nguyễn", 30), ("Trần", 10), ("Lê", 9), ("Phạm", 7), ("Hoàng", 4), ("Huỳnh", 3), ("Phan", 4), ("Vũ", 4),
    ("Võ", 3), ("Đặng", 3), ("Bùi", 3), ("Đỗ", 3), ("Hồ", 2), ("Ngô", 2), ("Dương", 2), ("Lý", 1), ("Đinh", 2),
    ("Đoàn", 1), ("Trịnh", 1), ("Lâm", 1), ("Mai", 1), ("Tạ", 1), ("Lưu", 1), ("Cao", 1), ("Quách", 1),
    ("Kiều", 1), ("Thái", 1), ("Châu", 1), ("Tô", 1), ("Lương", 1), ("Đào", 1), ("Triệu", 1), ("Khúc", 1),
]
MIDDLE_MALE = ["Văn", "Hữu", "Đức", "Quang", "Minh", "Xuân", "Công", "Thành", "Trọng", "Ngọc", "Đình", "Anh",
               "Gia", "Bảo", "Hoàng", "Tiến", "Mạnh", "Thế", "Duy", "Quốc", "Bá", "Tấn"]
MIDDLE_FEMALE = ["Thị", "Ngọc", "Thu", "Thanh", "Kim", "Mỹ", "Diệu", "Hồng", "Phương", "Bích", "Thùy",
                 "Khánh", "Minh", "Bảo", "Hoài", "Tuyết", "Quỳnh", "Lan", "Thị Thu", "Thị Ngọc"]
GIVEN_MALE = [
    "An", "Bình", "Cường", "Chiến", "Công", "Dũng", "Duy", "Dương", "Đạt", "Đức", "Định", "Giang", "Hải", "Hào",
    "Hiếu", "Hiển", "Hoàng", "Hùng", "Huy", "Hưng", "Khang", "Khánh", "Khoa", "Kiên", "Lâm", "Lộc", "Long",
    "Luân", "Mạnh", "Minh", "Nam", "Nghĩa", "Nhân", "Phong", "Phúc", "Quân", "Quang", "Quý", "Sơn", "Tài",
    "Tâm", "Thắng", "Thành", "Thiện", "Thịnh", "Toàn", "Trí", "Trung", "Tuấn", "Tùng", "Việt", "Vinh", "Vũ",
    "Đông", "Đăng", "Khải", "Lực", "Nguyên", "Phát", "Tín", "Hòa", "Thuận", "Tường", "Hậu", "Khôi", "Quyết",
    "Dĩnh", "Kỷ", "Ngữ", "Thưởng", "Lãm", "Tú", "Hoạt", "Khiêm", "Bằng", "Cảnh", "Đoàn", "Hiệp", "Lợi",
]
GIVEN_FEMALE = [
    "Anh", "Ánh", "Bích", "Châu", "Chi", "Diệp", "Dung", "Duyên", "Giang", "Hà", "Hạnh", "Hằng", "Hiền", "Hoa",
    "Hòa", "Hồng", "Huệ", "Hương", "Hường", "Khuê", "Lan", "Liên", "Linh", "Loan", "Ly", "Mai", "My", "Nga",
    "Ngân", "Ngọc", "Nhung", "Nhi", "Oanh", "Phương", "Phượng", "Quyên", "Quỳnh", "Sương", "Thảo", "Thơ",
    "Thủy", "Thúy", "Thư", "Thu", "Trang", "Trâm", "Trinh", "Tuyết", "Uyên", "Vân", "Vy", "Yến", "Xuân",
    "Đào", "Lệ", "Mận", "Nguyệt", "Thoa", "Giao", "Kiều", "Như", "Ngà", "Diễm", "Đan", "Nhã", "Thoại", "Hảo",
]


@dataclass(frozen=True)
class Place:
    """A pre-2025 commune with its district, province and CCCD province code, and its 2025 successor."""

    ward: str
    district: str
    province: str
    code: str
    new_ward: str
    new_province: str

    def short(self, unit: str) -> str:
        return unit.split(" ", 2)[-1] if unit.startswith(("Thị trấn", "Thị xã", "Thành phố")) else unit.split(" ", 1)[1]


PLACES = [
    Place("Xã Nghĩa Lạc", "Huyện Nghĩa Hưng", "Tỉnh Nam Định", "036", "Xã Nghĩa Sơn", "Tỉnh Ninh Bình"),
    Place("Xã Minh Tân", "Huyện Vụ Bản", "Tỉnh Nam Định", "036", "Xã Minh Tân", "Tỉnh Ninh Bình"),
    Place("Xã Xuân Phú", "Huyện Xuân Trường", "Tỉnh Nam Định", "036", "Xã Xuân Giang", "Tỉnh Ninh Bình"),
    Place("Xã Bình Nghĩa", "Huyện Bình Lục", "Tỉnh Hà Nam", "035", "Xã Bình Lục", "Tỉnh Ninh Bình"),
    Place("Phường Hòa Mạc", "Thị xã Duy Tiên", "Tỉnh Hà Nam", "035", "Phường Duy Tiên", "Tỉnh Ninh Bình"),
    Place("Xã Nam Chính", "Huyện Tiền Hải", "Tỉnh Thái Bình", "034", "Xã Nam Cường", "Tỉnh Hưng Yên"),
    Place("Xã Hồng Việt", "Huyện Đông Hưng", "Tỉnh Thái Bình", "034", "Xã Tiên Hưng", "Tỉnh Hưng Yên"),
    Place("Xã Xuân Liên", "Huyện Nghi Xuân", "Tỉnh Hà Tĩnh", "042", "Xã Cổ Đạm", "Tỉnh Hà Tĩnh"),
    Place("Phường Thọ Quang", "Quận Sơn Trà", "Thành phố Đà Nẵng", "048", "Phường Sơn Trà", "Thành phố Đà Nẵng"),
    Place("Xã Hòa Sơn", "Huyện Hòa Vang", "Thành phố Đà Nẵng", "048", "Phường Hòa Khánh", "Thành phố Đà Nẵng"),
    Place("Phường Ngọc Khánh", "Quận Ba Đình", "Thành phố Hà Nội", "001", "Phường Giảng Võ", "Thành phố Hà Nội"),
    Place("Xã Hiên Vân", "Huyện Tiên Du", "Tỉnh Bắc Ninh", "027", "Xã Liên Bão", "Tỉnh Bắc Ninh"),
    Place("Xã Bình Lãng", "Huyện Tứ Kỳ", "Tỉnh Hải Dương", "030", "Xã Đại Sơn", "Thành phố Hải Phòng"),
    Place("Phường Hoàng Tân", "Thành phố Chí Linh", "Tỉnh Hải Dương", "030", "Phường Trần Nhân Tông",
          "Thành phố Hải Phòng"),
    Place("Xã Xuân Lai", "Huyện Thọ Xuân", "Tỉnh Thanh Hóa", "038", "Xã Xuân Lập", "Tỉnh Thanh Hóa"),
    Place("Xã Yên Thọ", "Huyện Yên Định", "Tỉnh Thanh Hóa", "038", "Xã Quý Lộc", "Tỉnh Thanh Hóa"),
    Place("Xã Đông Sơn", "Huyện Đô Lương", "Tỉnh Nghệ An", "040", "Xã Lương Sơn", "Tỉnh Nghệ An"),
    Place("Phường Thới Thuận", "Quận Thốt Nốt", "Thành phố Cần Thơ", "092", "Phường Thốt Nốt", "Thành phố Cần Thơ"),
    Place("Xã Tam Lập", "Huyện Phú Giáo", "Tỉnh Bình Dương", "074", "Xã Phú Giáo", "Thành phố Hồ Chí Minh"),
    Place("Phường Định Hòa", "Thành phố Thủ Dầu Một", "Tỉnh Bình Dương", "074", "Phường Chánh Hiệp",
          "Thành phố Hồ Chí Minh"),
    Place("Xã Khánh Thành", "Huyện Yên Khánh", "Tỉnh Ninh Bình", "037", "Xã Khánh Trung", "Tỉnh Ninh Bình"),
    Place("Thị trấn Thổ Tang", "Huyện Vĩnh Tường", "Tỉnh Vĩnh Phúc", "026", "Xã Thổ Tang", "Tỉnh Phú Thọ"),
    Place("Phường Chánh Lộ", "Thành phố Quảng Ngãi", "Tỉnh Quảng Ngãi", "051", "Phường Cẩm Thành",
          "Tỉnh Quảng Ngãi"),
    Place("Xã Bình Tân Phú", "Huyện Bình Sơn", "Tỉnh Quảng Ngãi", "051", "Xã Đông Sơn", "Tỉnh Quảng Ngãi"),
]

SYMBOLS = {"quyet_dinh": "QĐ-UBND", "giay_phep_xay_dung": "GPXD", "cong_van": "UBND-VP",
           "thong_bao": "TB-UBND", "giay_chung_nhan_dang_ky_ho_kinh_doanh": None}
TITLES = {
    "giay_khai_sinh": "GIẤY KHAI SINH", "giay_chung_nhan_ket_hon": "GIẤY CHỨNG NHẬN KẾT HÔN",
    "quyet_dinh": "QUYẾT ĐỊNH", "xac_nhan_tinh_trang_hon_nhan": "GIẤY XÁC NHẬN TÌNH TRẠNG HÔN NHÂN",
    "trich_luc_khai_tu": "TRÍCH LỤC KHAI TỬ", "giay_phep_xay_dung": "GIẤY PHÉP XÂY DỰNG",
    "giay_chung_nhan_dang_ky_ho_kinh_doanh": "GIẤY CHỨNG NHẬN ĐĂNG KÝ HỘ KINH DOANH", "cong_van": "",
    "thong_bao": "THÔNG BÁO",
}
DECISION_TOPICS = [
    "Về việc hỗ trợ kinh phí sửa chữa nhà ở cho hộ nghèo", "Về việc giao đất ở có thu tiền sử dụng đất",
    "Về việc công nhận hộ gia đình văn hóa", "Về việc xử phạt vi phạm hành chính trong lĩnh vực đất đai",
    "Về việc trợ cấp xã hội hằng tháng", "Về việc khen thưởng thành tích xuất sắc",
]
LETTER_TOPICS = ["V/v đề nghị xác minh nhân thân", "V/v cung cấp thông tin hộ tịch", "V/v rà soát hồ sơ đất đai"]
CITATIONS = (
    "Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015; Căn cứ Luật Hộ tịch ngày 20 tháng 11 "
    "năm 2014; Căn cứ Nghị định số 123/2015/NĐ-CP ngày 15 tháng 11 năm 2015 của Chính phủ quy định chi tiết một "
    "số điều và biện pháp thi hành Luật Hộ tịch; Xét đề nghị của công chức Tư pháp - Hộ tịch."
)


@dataclass
class Person:
    name: str
    female: bool
    dob: str
    id: str


@dataclass
class Factory:
    seed: int = 1
    unique_names: bool = False  # quality sets: one subject per folded full name and per surname + given name
    rng: random.Random = field(init=False)
    _taken: set[str] = field(default_factory=set, init=False)
    _reserved: set[str] = field(default_factory=set, init=False)
    _numbers: dict[tuple[str, str], int] = field(default_factory=dict, init=False)
    _count: int = field(default=0, init=False)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)

    # ---- people -------------------------------------------------------------------------------------

    def reserve(self, names: list[str]) -> None:
        """Never generate these names, nor (with unique_names) a subject sharing their surname + given name."""
        for name in names:
            parts = name.split()
            self._reserved.add(fold(name).lower())
            self._taken.update({fold(name).lower(), fold(f"{parts[0]} {parts[-1]}").lower()})

    def name(self, female: bool, surname: str | None = None) -> str:
        r = self.rng
        for _ in range(200):
            s = surname or r.choices([s for s, _ in SURNAMES], [w for _, w in SURNAMES])[0]
            middle = r.choice(MIDDLE_FEMALE if female else MIDDLE_MALE)
            given = r.choice(GIVEN_FEMALE if female else GIVEN_MALE)
            full = f"{s} {middle} {given}"
            if fold(full).lower() in self._reserved:
                continue
            if not self.unique_names:
                return full
            keys = (fold(full).lower(), fold(f"{s} {given}").lower())
            if not any(k in self._taken for k in keys):
                self._taken.update(keys)
                return full
        raise RuntimeError("name space exhausted: enlarge the name lists")

    def person(self, place: Place, *, female: bool | None = None, born: dt.date | None = None,
               surname: str | None = None, unique: bool = False) -> Person:
        female = self.rng.random() < 0.5 if female is None else female
        born = born or dt.date(1950, 1, 1) + dt.timedelta(days=self.rng.randrange(0, 365 * 70))
        century = {19: 0, 20: 2, 21: 4}[born.year // 100] + (1 if female else 0)
        pid = f"{place.code}{century}{born.year % 100:02d}{self.rng.randrange(0, 10**6):06d}"
        saved = self.unique_names
        self.unique_names = unique and saved
        try:
            name = self.name(female, surname)
        finally:
            self.unique_names = saved
        return Person(name=name, female=female, dob=born.isoformat(), id=pid)

    # ---- records ------------------------------------------------------------------------------------

    def _date(self, start: dt.date, end: dt.date) -> dt.date:
        return start + dt.timedelta(days=self.rng.randrange(0, max(1, (end - start).days)))

    def _number(self, issuer: str, doc_type: str) -> str:
        key = (issuer, doc_type)
        self._numbers[key] = self._numbers.get(key, 0) + self.rng.randint(1, 3)
        n = self._numbers[key]
        symbol = SYMBOLS.get(doc_type, "")
        if doc_type == "giay_chung_nhan_dang_ky_ho_kinh_doanh":
            return f"{self.rng.randint(10, 99)}{self.rng.choice('ABCDEFGH')}{self.rng.randrange(10**7):07d}"
        return f"{n:02d}/{symbol}" if symbol else f"{n:02d}"

    def record(self, doc_type: str | None = None, *, place: Place | None = None, issued: dt.date | None = None,
               subject: Person | None = None, father: Person | None = None, mother: Person | None = None,
               spouse: Person | None = None, after_merger: bool | None = None) -> dict[str, Any]:
        r = self.rng
        doc_type = doc_type or r.choices(
            ["giay_khai_sinh", "giay_chung_nhan_ket_hon", "quyet_dinh", "xac_nhan_tinh_trang_hon_nhan",
             "trich_luc_khai_tu", "giay_phep_xay_dung", "giay_chung_nhan_dang_ky_ho_kinh_doanh", "cong_van"],
            [30, 15, 15, 12, 6, 8, 8, 6])[0]
        place = place or r.choice(PLACES)
        if after_merger is None:
            after_merger = r.random() < 0.08
        if issued is None:
            issued = self._date(dt.date(2025, 7, 1), dt.date(2026, 6, 30)) if after_merger else \
                self._date(dt.date(2005, 1, 1), dt.date(2025, 6, 30))
        after_merger = issued >= dt.date(2025, 7, 1)
        ward = place.new_ward if after_merger else place.ward
        ward_l = ward[0].lower() + ward[1:]
        issuer = f"Ủy ban nhân dân {ward_l}"
        fields: dict[str, Any] = {"issue_date": issued.isoformat(), "issuer": issuer}
        unique = self.unique_names
        if doc_type == "giay_khai_sinh":
            subject = subject or self.person(place, born=issued - dt.timedelta(days=r.randrange(3, 60)), unique=unique)
            father = father or self.person(place, female=False, born=dt.date.fromisoformat(subject.dob)
                                           - dt.timedelta(days=365 * r.randint(22, 40)), surname=subject.name.split()[0])
            mother = mother or self.person(place, female=True, born=dt.date.fromisoformat(subject.dob)
                                           - dt.timedelta(days=365 * r.randint(20, 38)))
            fields.update(book_number=f"{r.randint(1, 3):02d}/{issued.year}", subject_name=subject.name,
                          subject_id=subject.id, subject_dob=subject.dob,
                          subject_sex="Nữ" if subject.female else "Nam",
                          father_name=father.name, mother_name=mother.name)
        elif doc_type == "giay_chung_nhan_ket_hon":
            subject = subject or self.person(place, female=False, born=issued - dt.timedelta(days=365 * r.randint(20, 40)),
                                             unique=unique)
            spouse = spouse or self.person(place, female=True, born=issued - dt.timedelta(days=365 * r.randint(18, 38)))
            husband, wife = (subject, spouse) if not subject.female else (spouse, subject)
            fields.update(book_number=f"{r.randint(1, 3):02d}/{issued.year}", husband_name=husband.name,
                          husband_id=husband.id, wife_name=wife.name, wife_id=wife.id)
        else:
            subject = subject or self.person(place, born=issued - dt.timedelta(days=365 * r.randint(19, 80)),
                                             unique=unique)
            fields.update(subject_name=subject.name, subject_id=subject.id)
            if doc_type in ("xac_nhan_tinh_trang_hon_nhan",):
                fields.update(subject_dob=subject.dob, marital_status="Chưa đăng ký kết hôn với ai")
            if doc_type == "trich_luc_khai_tu":
                fields.update(book_number=f"{r.randint(1, 3):02d}/{issued.year}", date_of_death=issued.isoformat())
            if doc_type == "quyet_dinh":
                fields.update(summary=r.choice(DECISION_TOPICS), signer_name=self.name(False),
                              signer_title="CHỦ TỊCH")
            if doc_type == "cong_van":
                fields.update(summary=r.choice(LETTER_TOPICS), signer_name=self.name(True),
                              signer_title="PHÓ CHỦ TỊCH")
            if doc_type in ("giay_phep_xay_dung", "quyet_dinh"):
                fields["subject_address"] = f"Thôn {r.randint(1, 12)}, {ward_l}, " + (
                    f"{place.new_province}" if after_merger else f"{place.district}, {place.province}")
            if doc_type == "giay_chung_nhan_dang_ky_ho_kinh_doanh":
                fields.update(business_name=f"HỘ KINH DOANH {subject.name.upper()}",
                              business_address=f"Thôn {r.randint(1, 12)}, {ward_l}, " + (
                                  place.new_province if after_merger else f"{place.district}, {place.province}"))
        fields["doc_number"] = self._number(issuer, doc_type)
        fields["place"] = place.short(ward) if r.random() < 0.6 else place.short(
            place.new_province if after_merger else place.province)
        return self._finish(doc_type, fields, place, after_merger)

    def _finish(self, doc_type: str, fields: dict[str, Any], place: Place, after_merger: bool) -> dict[str, Any]:
        self._count += 1
        issued = dt.date.fromisoformat(fields["issue_date"])
        parent = place.new_province if after_merger else place.district
        lines = [f"ỦY BAN NHÂN DÂN {parent.upper()}", fields["issuer"].upper(),
                 "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
                 f"Số: {fields['doc_number']}",
                 f"{fields['place']}, ngày {issued.day:02d} tháng {issued.month:02d} năm {issued.year}"]
        if TITLES.get(doc_type):
            lines.append(TITLES[doc_type])
        if fields.get("summary"):
            lines.append(fields["summary"])
        lines.append(CITATIONS)
        for key, label in (("subject_name", "Họ, chữ đệm, tên"), ("subject_dob", "Ngày, tháng, năm sinh"),
                           ("subject_id", "Số định danh cá nhân"), ("father_name", "Họ, chữ đệm, tên cha"),
                           ("mother_name", "Họ, chữ đệm, tên mẹ"), ("husband_name", "Họ, chữ đệm, tên chồng"),
                           ("husband_id", "Số định danh cá nhân"), ("wife_name", "Họ, chữ đệm, tên vợ"),
                           ("wife_id", "Số định danh cá nhân"), ("subject_address", "Nơi cư trú"),
                           ("business_name", "Tên hộ kinh doanh"), ("business_address", "Địa điểm kinh doanh")):
            if fields.get(key):
                lines.append(f"{label}: {fields[key]}")
        lines.append("TM. ỦY BAN NHÂN DÂN\nCHỦ TỊCH")
        if fields.get("signer_name"):
            lines.append(fields["signer_name"])
        text = "\n".join(lines)
        digest = hashlib.sha256(f"{self.seed}:{self._count}:{text}".encode()).hexdigest()
        return {
            "id": digest,
            "source": {"path": f"scans/{issued.year}/{doc_type}-{self._count:06d}.pdf", "sha256": digest,
                       "media_type": "application/pdf", "pages": 1, "born_digital": False},
            "doc_type": doc_type,
            "fields": fields,
            "text": text,
            "confidence": {"ocr": round(self.rng.uniform(0.85, 0.99), 2), "fields": {}},
            "needs_review": False,
            "problems": [],
            "pipeline_version": "0.1.0",
            "x_factory_place": PLACES.index(place),  # lets benchmarks ask with the other era's name
        }

    def corpus(self, n: int) -> list[dict[str, Any]]:
        return [self.record() for _ in range(n)]


def typo(text: str, rng: random.Random) -> str:
    """One keyboard slip in one word of two letters or more: swap, drop, double or replace a letter."""
    words = text.split()
    candidates = [i for i, w in enumerate(words) if len(w) >= 2]
    i = rng.choice(candidates)
    w = words[i]
    j = rng.randrange(len(w) - 1)
    kind = rng.choice(["swap", "drop", "double", "replace"])
    if kind == "swap" and w[j] != w[j + 1]:
        w = w[:j] + w[j + 1] + w[j] + w[j + 2:]
    elif kind == "drop":
        w = w[:j] + w[j + 1:]
    elif kind == "double":
        w = w[:j] + w[j] + w[j:]
    else:
        letters = "aeiouhnmtgcl"
        w = w[:j] + rng.choice([c for c in letters if c != w[j].lower()]) + w[j + 1:]
    words[i] = w
    return " ".join(words)
