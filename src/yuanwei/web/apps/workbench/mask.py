"""Masking of personal data shown by default (reveal is a separate, audited action)."""

from __future__ import annotations


def mask_phone(phone: str | None) -> str:
    """13812345678 → 138****5678; short or odd values keep only their last 2 characters."""
    if not phone:
        return ""
    s = str(phone).strip()
    digits = s.replace(" ", "").replace("-", "")
    if len(digits) >= 7:
        return digits[:3] + "****" + digits[-4:]
    return "*" * max(len(s) - 2, 1) + s[-2:] if len(s) > 2 else "*" * len(s)


def mask_name(name: str | None) -> str:
    """Partly masked: 张三 → 张*, 张三丰 → 张*丰, 欧阳娜娜 → 欧**娜, Alice → A***e."""
    if not name:
        return ""
    s = str(name).strip()
    if len(s) <= 1:
        return s
    if len(s) == 2:
        return s[0] + "*"
    return s[0] + "*" * (len(s) - 2) + s[-1]


def mask_id(value: str | None, keep: int = 4) -> str:
    if not value:
        return ""
    s = str(value)
    return "*" * max(len(s) - keep, 0) + s[-keep:]
