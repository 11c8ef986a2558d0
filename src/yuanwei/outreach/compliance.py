"""Compliance checks on outgoing marketing text (银行营销话术合规).

Regulators forbid promising principal protection or returns on wealth and fund products, so these
phrases block a message. The list is configurable; the defaults cover the common wordings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

DEFAULT_FORBIDDEN = (
    "保本", "保息", "稳赚", "稳赚不赔", "无风险", "零风险", "保证收益", "保收益", "收益有保障",
    "刚性兑付", "刚兑", "稳赢", "只赚不赔", "绝对安全", "本金无忧",
    "guaranteed return", "guaranteed returns", "risk-free", "no risk",
)

# a field left in the text, such as {customer_name} or {{ name }}
_UNFILLED = re.compile(r"\{\{?\s*[A-Za-z_][A-Za-z0-9_.]*\s*\}?\}")


@dataclass(frozen=True)
class Violation:
    code: str       # forbidden_phrase | unfilled_field | empty
    detail: str     # the phrase or field found
    message: str    # zh-CN / English, shown to the RM

    def __str__(self) -> str:
        return self.message


def check(text: str, forbidden: tuple[str, ...] = DEFAULT_FORBIDDEN) -> list[Violation]:
    """All reasons this text may not be sent; an empty list means it may."""
    found: list[Violation] = []
    if not text or not text.strip():
        return [Violation("empty", "", "内容为空 / the message is empty")]
    lowered = text.lower()
    for phrase in forbidden:
        if phrase.lower() in lowered:
            found.append(Violation("forbidden_phrase", phrase,
                                   f"含违规承诺用语「{phrase}」/ forbidden promise '{phrase}'"))
    for m in _UNFILLED.finditer(text):
        found.append(Violation("unfilled_field", m.group(0),
                               f"有未填写的字段 {m.group(0)} / unfilled field {m.group(0)}"))
    return found
