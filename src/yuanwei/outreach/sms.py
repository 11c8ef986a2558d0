"""SMS segment counting as carriers bill it.

A message with any character outside GSM 03.38 (e.g. Chinese) is sent as UCS-2: 70 characters fit
one segment; a longer message is split into segments of 67 (3 characters go to the concatenation
header). GSM-7 text: 160 in one segment, 153 per segment when concatenated; ``^{}[]~|€\\`` take two
septets.
"""

from __future__ import annotations

import math

_GSM7_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM7_EXTENDED = set("^{}\\[~]|€\f")


def is_gsm7(text: str) -> bool:
    return all(ch in _GSM7_BASIC or ch in _GSM7_EXTENDED for ch in text)


def length_units(text: str) -> int:
    """Characters as the carrier counts them (UCS-2 code units, or GSM-7 septets)."""
    if is_gsm7(text):
        return sum(2 if ch in _GSM7_EXTENDED else 1 for ch in text)
    # characters outside the BMP (emoji) take two UCS-2 code units
    return sum(2 if ord(ch) > 0xFFFF else 1 for ch in text)


def segments(text: str) -> int:
    """Number of SMS segments needed for ``text`` (0 for an empty message)."""
    n = length_units(text)
    if n == 0:
        return 0
    single, multi = (160, 153) if is_gsm7(text) else (70, 67)
    return 1 if n <= single else math.ceil(n / multi)
