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


class MaskIdFilter(logging.Filter):
    """Attach to a handler: masks ID numbers in every message it emits, whoever logged it."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_id(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True
