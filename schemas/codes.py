"""Code tables: archival metadata (Circular 05/2025/TT-BNV) and the province codes of personal IDs.

Sources are secondary summaries (../shared/DOMAIN.md); the archival tables are enums so that the JSON
Schema export lists the allowed codes, and a clerk reading the record sees the meaning next to the code.
"""

from __future__ import annotations

from enum import StrEnum


class Retention(StrEnum):
    """Thời hạn bảo quản."""

    PERMANENT = "01"  # vĩnh viễn
    YEARS_70 = "02"
    YEARS_50 = "03"
    YEARS_30 = "04"
    YEARS_20 = "05"
    YEARS_10 = "06"
    OTHER = "07"


class Reliability(StrEnum):
    """Mức độ tin cậy."""

    BORN_DIGITAL = "01"  # số gốc
    DIGITISED = "02"  # số hóa
    MIXED = "03"  # hỗn hợp


class UseMode(StrEnum):
    """Chế độ sử dụng."""

    PUBLIC = "01"  # công khai
    CONDITIONAL = "02"  # sử dụng có điều kiện
    SECRET = "03"  # mật


class PhysicalState(StrEnum):
    """Tình trạng vật lý."""

    GOOD = "01"  # bình thường / tốt
    NORMAL = "02"
    DAMAGED = "03"  # hư hỏng


class Language(StrEnum):
    """Ngôn ngữ (01 Vietnamese ... 09 Hán Nôm; the codes in between are kept open as in the Circular)."""

    VIETNAMESE = "01"
    ENGLISH = "02"
    FRENCH = "03"
    RUSSIAN = "04"
    CHINESE = "05"
    OTHER_FOREIGN = "06"
    MIXED = "07"
    ETHNIC_SCRIPT = "08"
    HAN_NOM = "09"


LABELS_VI: dict[type[StrEnum], dict[str, str]] = {
    Retention: {"01": "Vĩnh viễn", "02": "70 năm", "03": "50 năm", "04": "30 năm", "05": "20 năm",
                "06": "10 năm", "07": "Khác"},
    Reliability: {"01": "Số gốc", "02": "Số hóa", "03": "Hỗn hợp"},
    UseMode: {"01": "Công khai", "02": "Sử dụng có điều kiện", "03": "Mật"},
    PhysicalState: {"01": "Tốt", "02": "Bình thường", "03": "Hư hỏng"},
}

# Province codes of the personal identification number (số định danh cá nhân), old 63-province table.
# IDs issued before the 2025 merger keep these codes, so the table does not shrink with the provinces.
PROVINCE_CODES: dict[str, str] = {
    "001": "Hà Nội", "002": "Hà Giang", "004": "Cao Bằng", "006": "Bắc Kạn", "008": "Tuyên Quang",
    "010": "Lào Cai", "011": "Điện Biên", "012": "Lai Châu", "014": "Sơn La", "015": "Yên Bái",
    "017": "Hòa Bình", "019": "Thái Nguyên", "020": "Lạng Sơn", "022": "Quảng Ninh", "024": "Bắc Giang",
    "025": "Phú Thọ", "026": "Vĩnh Phúc", "027": "Bắc Ninh", "030": "Hải Dương", "031": "Hải Phòng",
    "033": "Hưng Yên", "034": "Thái Bình", "035": "Hà Nam", "036": "Nam Định", "037": "Ninh Bình",
    "038": "Thanh Hóa", "040": "Nghệ An", "042": "Hà Tĩnh", "044": "Quảng Bình", "045": "Quảng Trị",
    "046": "Thừa Thiên Huế", "048": "Đà Nẵng", "049": "Quảng Nam", "051": "Quảng Ngãi", "052": "Bình Định",
    "054": "Phú Yên", "056": "Khánh Hòa", "058": "Ninh Thuận", "060": "Bình Thuận", "062": "Kon Tum",
    "064": "Gia Lai", "066": "Đắk Lắk", "067": "Đắk Nông", "068": "Lâm Đồng", "070": "Bình Phước",
    "072": "Tây Ninh", "074": "Bình Dương", "075": "Đồng Nai", "077": "Bà Rịa - Vũng Tàu",
    "079": "Hồ Chí Minh", "080": "Long An", "082": "Tiền Giang", "083": "Bến Tre", "084": "Trà Vinh",
    "086": "Vĩnh Long", "087": "Đồng Tháp", "089": "An Giang", "091": "Kiên Giang", "092": "Cần Thơ",
    "093": "Hậu Giang", "094": "Sóc Trăng", "095": "Bạc Liêu", "096": "Cà Mau",
}

# G digit of the personal ID: (century start year, female)
CENTURY_SEX_DIGITS: dict[str, tuple[int, bool]] = {
    "0": (1900, False), "1": (1900, True), "2": (2000, False), "3": (2000, True),
    "4": (2100, False), "5": (2100, True), "6": (2200, False), "7": (2200, True),
    "8": (2300, False), "9": (2300, True),
}

# Weights of the enterprise / tax code check digit over the first nine digits (mod 11).
TAX_CODE_WEIGHTS: tuple[int, ...] = (31, 29, 23, 19, 17, 13, 7, 5, 3)

# Reliability code from how the pages were read (see extractors.pipeline._archive_metadata).
ARCHIVE_KEYS: tuple[str, ...] = (
    "reliability", "use_mode", "retention", "language", "physical_state", "pdfa_path", "scanned_at", "dossier_code",
)


def _archive_model():  # noqa: ANN202 - built lazily to keep this module import-light
    from pydantic import BaseModel, ConfigDict, Field

    class ArchiveMetadata(BaseModel):
        """`archive` of a record: the archival metadata of Circular 05/2025/TT-BNV."""

        model_config = ConfigDict(extra="allow", use_enum_values=True)

        reliability: Reliability = Field(description="mức độ tin cậy: 01 số gốc, 02 số hóa, 03 hỗn hợp")
        use_mode: UseMode = Field(description="chế độ sử dụng: 01 công khai, 02 có điều kiện, 03 mật")
        retention: Retention = Field(description="thời hạn bảo quản: 01 vĩnh viễn ... 07 khác")
        language: Language = Field(description="ngôn ngữ: 01 tiếng Việt ... 09 Hán Nôm")
        physical_state: PhysicalState = Field(description="tình trạng vật lý: 01 tốt, 02 bình thường, 03 hư hỏng")
        pdfa_path: str | None = Field(None, description="archival PDF/A copy")
        scanned_at: str | None = Field(None, description="ISO 8601 time of digitisation")
        dossier_code: str | None = Field(None, pattern=r"^\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}-\d{6}-\d{4}$",
                                         description="mã hồ sơ of the one-stop system")

    return ArchiveMetadata


ArchiveMetadata = _archive_model()
