from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def percent(value, digits=1):
    """A share as a percentage: 0.7672 → 76.7%; None → —."""
    if value is None or value == "":
        return "—"
    return f"{float(value) * 100:.{int(digits)}f}%"


@register.filter
def points(value, digits=1):
    """A change of a share in percentage points: 0.1667 → +16.7 个百分点."""
    if value is None or value == "":
        return "—"
    return f"{float(value) * 100:+.{int(digits)}f} 个百分点"
