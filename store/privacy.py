"""Personal data hygiene: ID numbers never reach logs or list views unmasked (Decree 13/2023,
Law 91/2025). The store keeps the real values; everything printed goes through `mask_id`."""

from __future__ import annotations

import logging
import re

# 12-digit personal ID (CCCD) or 9-digit old ID card (CMND), alone or printed in groups ("036 220 614 006");
# longer digit runs (tax codes with branch, phone numbers with prefix) are not IDs and stay as they are.
_ID = re.compile(r"(?<![\d])(\d{12}|\d{9}|\d{3}[ .]\d{3}[ .]\d{3}[ .]\d{3}|\d{4}[ .]\d{4}[ .]\d{4})(?![\d])")


def _mask(match: re.Match[str]) -> str:
    raw = match.group(0)
    digits = re.sub(r"\D", "", raw)
    keep_head = 4 if len(digits) == 12 else 3
    return digits[:keep_head] + "*" * (len(digits) - keep_head - 2) + digits[-2:]


def mask_id(text: str | None) -> str:
    """'CCCD 036220614006' -> 'CCCD 0362******06'; '123456789' -> '123****89'."""
    if not text:
        return text or ""
    return _ID.sub(_mask, text)


# For log lines only (not for text shown to clerks, where "500.000.000 đồng" is an amount): IDs in groups
# as they travel in URLs too ("036+220+614+006", "036%20220%20614%20006") or with dashes, 9-digit IDs in
# groups, and the password of a URL ("postgresql://sohoa:secret@db/..." -> "sohoa:***@").
_SEP = r"(?:[ .+-]|%20|%2[eE])"
_ID_GROUPED = re.compile(rf"(?<![\d.])(\d{{3}}{_SEP}\d{{3}}{_SEP}\d{{3}}{_SEP}\d{{3}}|\d{{4}}{_SEP}\d{{4}}{_SEP}\d{{4}}"
                         rf"|\d{{3}}{_SEP}\d{{3}}{_SEP}\d{{3}})(?![\d])")
_URL_PASSWORD = re.compile(r"(\b[a-z][a-z0-9+.-]*://[^\s:/@]+:)[^\s/]+@", re.IGNORECASE)


# run ids (UUIDs) and content hashes (sha256 record ids) are left whole: their digit runs are no IDs, and
# Prefect parses the run ids it finds on a log record
_HEX_TOKEN = re.compile(r"\b(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{32,})\b", re.IGNORECASE)


def _mask_grouped(match: re.Match[str]) -> str:
    digits = re.sub(r"%2[0eE]|\D", "", match.group(0))
    keep_head = 4 if len(digits) == 12 else 3
    return digits[:keep_head] + "*" * (len(digits) - keep_head - 2) + digits[-2:]


def _mask_log_part(text: str) -> str:
    return _ID_GROUPED.sub(_mask_grouped, mask_id(text))


def mask_log(text: str) -> str:
    """`mask_id`, and also 9-digit IDs in groups and passwords in URLs: what every log line goes through."""
    if not text:
        return text
    out, last = [], 0
    for token in _HEX_TOKEN.finditer(text):
        out += [_mask_log_part(text[last:token.start()]), token.group(0)]
        last = token.end()
    out.append(_mask_log_part(text[last:]))
    return _URL_PASSWORD.sub(r"\1***@", "".join(out))


_STD_ATTRS = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime"}
_exc_formatter = logging.Formatter()


def _masked_value(value: object) -> object:
    if isinstance(value, str):
        return mask_log(value)
    if value is None or isinstance(value, bool | float):
        return value
    text = str(value)
    masked = mask_log(text)
    return value if masked == text else masked


class MaskIdFilter(logging.Filter):
    """Attach to a handler: masks ID numbers (and URL passwords) in everything it emits, whoever logged it:
    the message and its arguments, extra fields, the exception and stack text."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: let the handler report it as usual
            return True
        masked = mask_log(message)
        if masked != message:
            # arguments one by one first: formatters such as uvicorn's access log unpack them
            if isinstance(record.args, tuple):
                record.args = tuple(_masked_value(a) for a in record.args)
            if isinstance(record.msg, str):
                record.msg = mask_log(record.msg)
            try:
                still = record.getMessage() != masked
            except Exception:
                still = True
            if still:
                record.msg, record.args = masked, None
        for key, value in list(vars(record).items()):
            if key not in _STD_ATTRS and not key.startswith("_"):
                new = _masked_value(value)
                if new is not value:
                    setattr(record, key, new)
        if record.exc_info and not record.exc_text:
            record.exc_text = _exc_formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_log(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_log(record.stack_info)
        return True
