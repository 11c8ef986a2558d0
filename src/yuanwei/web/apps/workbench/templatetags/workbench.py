from __future__ import annotations

from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def get_item(mapping, key):
    try:
        return mapping.get(key)
    except AttributeError:
        return None


@register.filter
def yuan(value):
    """¥1,234,567.89 (money keeps its two decimals; no rounding to floats)."""
    if value is None or value == "":
        return "—"
    try:
        v = Decimal(value)
    except Exception:
        return value
    sign = "-" if v < 0 else ""
    return f"{sign}¥{abs(v):,.2f}"


@register.filter
def wan(value):
    """Amounts in 万元 for compact tables: 1,234,567 → 123.46万."""
    if value is None or value == "":
        return "—"
    v = Decimal(value)
    if abs(v) < 10000:
        return f"¥{v:,.2f}"
    return f"{v / 10000:,.2f}万"


@register.filter
def pct(value, digits=1):
    if value is None:
        return "—"
    return f"{float(value) * 100:+.{int(digits)}f}%"
