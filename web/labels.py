"""What the screens call things, in Vietnamese. Codes stay English in URLs, the store and the API."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from schemas.validate import FIELD_NAMES_VI

_VN = ZoneInfo("Asia/Ho_Chi_Minh")

ROLE_LABELS = {"clerk": "Cán bộ tiếp nhận", "archivist": "Cán bộ lưu trữ", "admin": "Quản trị viên"}

# a person's part in a record (search.document.ROLE_FIELDS)
PERSON_ROLE_LABELS = {"subject": "Người được cấp", "owner": "Chủ hộ kinh doanh", "father": "Cha",
                      "mother": "Mẹ", "husband": "Chồng", "wife": "Vợ"}

MATCH_LABELS = {"id": "Khớp số định danh", "name_dob": "Khớp họ tên và ngày sinh",
                "name": "Chỉ khớp họ tên: cần xác minh"}

BATCH_STATUS_LABELS = {"running": "Đang chạy", "done": "Hoàn thành", "failed": "Có tệp lỗi",
                       "interrupted": "Bị gián đoạn"}

OUTCOME_LABELS = {"done": "Đã xử lý", "needs_review": "Cần kiểm tra", "skipped_known": "Bỏ qua (đã có)",
                  "skipped_quarantined": "Bỏ qua (lỗi ở lô trước, còn trong khu cách ly)",
                  "skipped_duplicate": "Bỏ qua (trùng trong lô)", "failed": "Lỗi",
                  "skipped_not_followed": "Bỏ qua (liên kết ra ngoài thư mục hoặc không phải tệp)"}

AUDIT_ACTION_LABELS = {
    "view": "Xem hồ sơ", "person": "Xem theo công dân", "search": "Tìm kiếm", "correct": "Sửa trường",
    "login": "Đăng nhập", "login_failed": "Đăng nhập sai", "logout": "Đăng xuất", "batch": "Chạy lô",
    "user_add": "Thêm tài khoản", "user_update": "Sửa tài khoản", "user_password": "Đặt mật khẩu",
    "token_add": "Tạo mã API", "token_revoke": "Thu hồi mã API", "audit_export": "Xuất nhật ký",
    "view_pdf": "Mở bản PDF/A", "delete": "Xóa hồ sơ",
}

EXTRA_FIELD_LABELS = {"father_id": "Số giấy tờ của cha", "mother_id": "Số giấy tờ của mẹ",
                      "needs_review": "Cần kiểm tra"}


def field_label(name: str) -> str:
    return FIELD_NAMES_VI.get(name) or EXTRA_FIELD_LABELS.get(name) or name


@lru_cache(maxsize=1)
def doc_type_labels() -> dict[str, str]:
    """doc_type code -> its name (Giấy khai sinh ...), from the field rules of config/doctypes."""
    try:
        from config.doctypes import get_rules

        labels = {code: rule.name for code, rule in get_rules().types.items()}
    except Exception:  # noqa: BLE001 - rules being edited must not take the search page down
        labels = {}
    labels.setdefault("khac", "Khác")
    return dict(sorted(labels.items(), key=lambda kv: kv[1]))


def doc_type_label(code: str | None) -> str:
    if not code:
        return ""
    return doc_type_labels().get(code, code.replace("_", " ").capitalize())


def vn_date(value: str | None) -> str:
    """2021-07-05 -> 05/07/2021, the order every Vietnamese form prints."""
    if not value:
        return ""
    text = str(value)
    if len(text) >= 10 and text[4] == "-" and text[7] == "-":
        return f"{text[8:10]}/{text[5:7]}/{text[:4]}"
    return text


def vn_time(value: datetime | str | None) -> str:
    """A stored UTC time as an office clock shows it: 22/11/2026 07:39 (Asia/Ho_Chi_Minh)."""
    if not value:
        return ""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
    if value.tzinfo is None:  # SQLite hands back naive UTC
        value = value.replace(tzinfo=UTC)
    return value.astimezone(_VN).strftime("%d/%m/%Y %H:%M")


def pairs(detail: dict | None) -> str:
    """An audit entry's detail as 'user: lan; role: archivist'."""
    if not detail:
        return ""
    return "; ".join(f"{k}: {v}" for k, v in detail.items() if v not in (None, ""))
