"""Evidence and explanations made a column at a time (Arrow and numpy), exactly as ``Decimal`` does.

A large bank's day has ~10⁶ signal rows; formatting them one Python dict and f-string at a time was
most of the signal stage (6 of 7 s at 1M customers, the next day). Here every number stays exact:
a decimal column becomes its integer units (fen, or 10⁻⁶ for navs), a ratio is the exact fraction
of two of them, and rounding is half away from zero on that fraction — what ``Decimal.quantize(…,
ROUND_HALF_UP)`` gives (its 28 digits never reach a half boundary that the fraction does not:
the denominators are far smaller than 10²⁸). Negative values that round to zero keep their sign
("-0.0000"), as ``Decimal`` does.

Building blocks: :class:`Num` (an exact column), :func:`fixed` / :func:`grouped` (its text),
:func:`money`, :func:`yuan`, :func:`ratio`, :func:`percent`, :func:`times`, dates (:func:`iso`,
:func:`md`, :func:`when`), :func:`join` (string concatenation), :func:`choose` and :func:`json_objects`
(canonical JSON: sorted keys, no spaces, UTF-8 — byte for byte what orjson with sorted keys, or
``json.dumps(…, sort_keys=True, separators=(",", ":"), ensure_ascii=False)``, writes).

tests/engine/signals/row_texts.py keeps the rules' former texts, made a row at a time with
``Decimal`` and f-strings; test_signals_text.py checks every rule's columns against them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Context, Decimal

import numpy as np
import orjson
import pyarrow as pa
import pyarrow.compute as pc

_EXACT = Context(prec=100)   # scaling a Decimal without rounding it (the default context keeps 28 digits)
# the largest magnitude kept in int64 before a multiplication; beyond it Python integers are used
_SAFE = 2 ** 62


def flat(column) -> pa.Array:
    """One Arrow array of a column (a ChunkedArray's chunks combined)."""
    return column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column


class Num:
    """An exact numeric column: ``units`` (integers: numpy int64, or Python ints in an object array
    when they could overflow) at ``scale`` decimals, and ``valid`` (False = NULL)."""

    def __init__(self, units: np.ndarray, scale: int, valid: np.ndarray):
        self.units, self.scale, self.valid = units, scale, valid

    @classmethod
    def of(cls, column, scale: int | None = None) -> "Num":
        """A decimal or integer Arrow column, at its own scale (or ``scale``, not below it)."""
        a = flat(column)
        own = a.type.scale if pa.types.is_decimal(a.type) else 0
        scale = own if scale is None else scale
        if scale < own:
            raise ValueError(f"scale {scale} below the column's {own}")
        valid = a.is_valid().to_numpy(zero_copy_only=False)
        if pa.types.is_decimal(a.type):
            units = _mul(_unscaled(a, valid), 10 ** (scale - own))
        else:
            units = a.cast(pa.int64()).fill_null(0).to_numpy(zero_copy_only=False) * (10 ** scale)
        return cls(np.asarray(units), scale, np.asarray(valid, bool))

    @classmethod
    def const(cls, value: Decimal | int, n: int) -> "Num":
        value = Decimal(value)
        scale = max(0, -value.as_tuple().exponent)
        units = int(value.scaleb(scale, _EXACT))
        dtype = np.int64 if abs(units) < _SAFE else object
        return cls(np.full(n, units, dtype), scale, np.ones(n, bool))

    def at(self, scale: int) -> "Num":
        """The same values at a finer scale."""
        if scale < self.scale:
            raise ValueError(f"scale {scale} below {self.scale}")
        return Num(_mul(self.units, 10 ** (scale - self.scale)), scale, self.valid)

    def __sub__(self, other: "Num") -> "Num":
        s = max(self.scale, other.scale)
        a, b = self.at(s).units, other.at(s).units
        if a.dtype == object or b.dtype == object or _big(a) or _big(b):
            a, b = a.astype(object), b.astype(object)
        return Num(a - b, s, self.valid & other.valid)

    def __mul__(self, k: int) -> "Num":
        return Num(_mul(self.units, k), self.scale, self.valid)

    def negative(self) -> np.ndarray:
        return self.valid & (self.units < 0)

    def positive(self) -> np.ndarray:
        return self.valid & (self.units > 0)


def _unscaled(a: pa.Array, valid: np.ndarray) -> np.ndarray:
    """The integers behind a decimal column (value × 10^scale; 0 where NULL): read from the 128-bit
    values themselves, as int64 when they all fit (the high word only extends the sign), else
    as Python integers."""
    if pa.types.is_decimal128(a.type):
        words = np.frombuffer(a.buffers()[1], dtype="<i8")[2 * a.offset: 2 * (a.offset + len(a))].reshape(-1, 2)
        low, high = words[:, 0], words[:, 1]
        if len(a) == 0 or np.array_equal(high[valid], (low[valid] >> 63)):
            return np.where(valid, low, 0)
    return np.array([0 if v is None else int(v.scaleb(a.type.scale, _EXACT))
                     for v in a.to_pylist()], object)


def _big(a: np.ndarray) -> bool:
    return a.dtype != object and len(a) > 0 and int(np.abs(a).max()) >= _SAFE


def _mul(a: np.ndarray, k: int) -> np.ndarray:
    """a × k exactly: int64 while it fits, Python integers otherwise."""
    if k == 1:
        return a
    if a.dtype != object and (len(a) == 0 or int(np.abs(a).max()) < _SAFE // abs(k)):
        return a * k
    return a.astype(object) * k


class Fraction:
    """``num / den`` exactly (den > 0 where valid), for ratios: never a float division."""

    def __init__(self, num: Num, den: Num, valid: np.ndarray | None = None):
        s = max(num.scale, den.scale)
        n, d = num.at(s).units, den.at(s).units
        ok = num.valid & den.valid & (d != 0)
        if valid is not None:
            ok &= valid
        d = np.where(ok, d, 1)
        neg = d < 0
        self.num, self.den, self.valid = np.where(neg, -n, n), np.where(neg, -d, d), ok

    @classmethod
    def _made(cls, num: np.ndarray, den: np.ndarray, valid: np.ndarray) -> "Fraction":
        out = cls.__new__(cls)
        out.num, out.den, out.valid = num, den, valid
        return out

    def __abs__(self) -> "Fraction":
        return Fraction._made(np.abs(self.num), self.den, self.valid)

    def times(self, k: int) -> "Fraction":
        """k × this fraction (exact)."""
        return Fraction._made(_mul(self.num, k), self.den, self.valid)

    def negative(self) -> np.ndarray:
        return self.valid & (self.num < 0)

    def positive(self) -> np.ndarray:
        return self.valid & (self.num > 0)

    def at_least(self, k: int) -> np.ndarray:
        """num / den ≥ k (exact)."""
        return self.valid & (self.num >= _mul(self.den, k))


def _rounded(value: Num | Fraction, places: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(negative, |value| in units of 10⁻places rounded half away from zero, valid)."""
    if isinstance(value, Num):
        if places >= value.scale:
            mag = _mul(np.abs(value.units), 10 ** (places - value.scale))
            return value.negative(), mag, value.valid
        num, den = value.units, np.full(len(value.units), 10 ** (value.scale - places), np.int64)
        valid = value.valid
    else:
        num, den, valid = _mul(value.num, 10 ** places), value.den, value.valid
    neg = valid & (num < 0)
    a = np.abs(num)
    if a.dtype != object and (len(a) == 0 or int(a.max()) < _SAFE // 2):
        mag = (2 * a + den) // (2 * den)
    else:
        mag = (2 * a.astype(object) + den) // (2 * den.astype(object))
    return neg, mag, valid


def _digits(values: np.ndarray) -> pa.Array:
    """Non-negative integers as decimal text."""
    if values.dtype == object:
        return pa.array([str(v) for v in values.tolist()], pa.string())
    return pa.array(values.astype(np.int64)).cast(pa.string())


def _text(neg: np.ndarray, whole: pa.Array, frac: np.ndarray | None, places: int, valid: np.ndarray) -> pa.Array:
    sign = pc.if_else(pa.array(neg), "-", "")
    parts = [sign, whole]
    if places:
        parts += [".", pc.utf8_lpad(_digits(frac), width=places, padding="0")]
    out = pc.binary_join_element_wise(*parts, "")
    return pc.if_else(pa.array(valid), out, pa.scalar(None, pa.string()))


def fixed(value: Num | Fraction, places: int) -> pa.Array:
    """Fixed-point text with ``places`` decimals, like ``str(Decimal.quantize(…, ROUND_HALF_UP))``."""
    neg, mag, valid = _rounded(value, places)
    unit = 10 ** places
    return _text(neg, _digits(mag // unit), mag % unit if places else None, places, valid)


def grouped(value: Num | Fraction, places: int) -> pa.Array:
    """Like :func:`fixed` with thousands separators in the whole part (``f"{x:,.2f}"``)."""
    neg, mag, valid = _rounded(value, places)
    unit = 10 ** places
    whole = mag // unit
    out, step = None, 1
    while True:   # one group of three digits a step, from the lowest, for the rows that have it
        higher = whole >= step * 1000
        digits = _digits((whole // step) % 1000)
        piece = pc.if_else(pa.array(higher), pc.utf8_lpad(digits, width=3, padding="0"), digits)
        out = piece if out is None else pc.if_else(pa.array(whole >= step),
                                                   pc.binary_join_element_wise(piece, ",", out, ""), out)
        if not higher.any():
            break
        step *= 1000
    return _text(neg, out, mag % unit if places else None, places, valid)


def money(value: Num | Fraction) -> pa.Array:
    """Evidence money: "520000.00"."""
    return fixed(value, 2)


def yuan(value: Num | Fraction) -> pa.Array:
    """Explanation money: "¥520,000.00"."""
    return join("¥", grouped(value, 2))


def ratio(value: Fraction, places: int = 4) -> pa.Array:
    """A non-money ratio in evidence: "0.0523"."""
    return fixed(value, places)


def percent(value: Fraction) -> pa.Array:
    """0.0523 → "5.23%"."""
    return join(fixed(value.times(100), 2), "%")


def times(value: Fraction) -> pa.Array:
    """A multiple: 38.2 → "38", 5.24 → "5.2", 5.0 → "5" (one decimal below 10)."""
    whole = fixed(value, 0)
    tenth = fixed(value, 1)
    tenth = pc.replace_substring_regex(tenth, pattern=r"\.0$", replacement="")
    return pc.if_else(pa.array(value.at_least(10)), whole, tenth)


# dates -------------------------------------------------------------------------------------------

def iso(column) -> pa.Array:
    """Dates as "2026-12-01" (NULL stays NULL)."""
    return flat(column).cast(pa.date32()).cast(pa.string())


def md(column) -> pa.Array:
    """Dates as "12月1日"."""
    a = flat(column).cast(pa.date32())
    return join(pc.month(a).cast(pa.string()), "月", pc.day(a).cast(pa.string()), "日")


def days_from(column, day: dt.date) -> np.ndarray:
    """(date − ``day``) in days, per row (NULL as 0: callers mask them)."""
    a = flat(column).cast(pa.date32()).cast(pa.int32()).fill_null(0)
    return a.to_numpy(zero_copy_only=False).astype(np.int64) - (day - dt.date(1970, 1, 1)).days


def when(column, day: dt.date) -> pa.Array:
    """今天 / 明天 / 后天 / N天后 / N天前 relative to ``day``."""
    n = days_from(column, day)
    words = {0: "今天", 1: "明天", 2: "后天"}
    text = pc.if_else(pa.array(n > 0), join(_digits(np.abs(n)), "天后"), join(_digits(np.abs(n)), "天前"))
    for k, word in words.items():
        text = pc.if_else(pa.array(n == k), word, text)
    return text


# strings -----------------------------------------------------------------------------------------

def _part(p, n: int) -> pa.Array:
    if isinstance(p, str):
        return pa.array([p] * n, pa.string()) if n == 0 else pa.scalar(p, pa.string())
    return flat(p).cast(pa.string())


def join(*parts) -> pa.Array:
    """The parts (string columns, or str for all rows) joined end to end; NULL where any is NULL."""
    n = next((len(p) for p in parts if not isinstance(p, str)), None)
    if n is None:
        raise ValueError("join needs at least one column")
    return pc.binary_join_element_wise(*(_part(p, n) for p in parts), "")


def choose(mask: np.ndarray, yes, no) -> pa.Array:
    """``yes`` where ``mask``, else ``no`` (columns or str)."""
    n = len(mask)
    return pc.if_else(pa.array(np.asarray(mask, bool)), _part(yes, n), _part(no, n))


def column(found: pa.Table, name: str) -> pa.Array:
    """One column of a rule's collected rows, as one array."""
    return flat(found[name])


def either(first, second) -> pa.Array:
    """``first or second``: ``second`` where ``first`` is NULL or empty."""
    a, b = flat(first).cast(pa.string()), flat(second).cast(pa.string())
    empty = pc.fill_null(pc.equal(a, ""), True)
    return pc.if_else(empty, b, a)


def mapped(column, mapping: Mapping[str, str], default: str) -> pa.Array:
    """``mapping.get(value, default)`` per row (NULL → ``default``)."""
    a = flat(column).cast(pa.string())
    keys = list(mapping)
    at = pc.index_in(a, value_set=pa.array(keys, pa.string()))
    out = pa.array([mapping[k] for k in keys], pa.string()).take(at)
    return pc.fill_null(out, default)


def text_of(column) -> pa.Array:
    """Any column as text (``str()`` of its values; NULL stays NULL)."""
    return flat(column).cast(pa.string())


# JSON --------------------------------------------------------------------------------------------

class Raw:
    """A column that is JSON text already (numbers as digits, lists); NULL → null."""

    def __init__(self, column):
        self.column = flat(column)


def json_text(column) -> Raw:
    """Strings as JSON strings, escaped as orjson escapes them: most need no escape (no quote,
    backslash or control character) and are only quoted; the others go through orjson."""
    a = flat(column).cast(pa.string())
    quoted = pc.binary_join_element_wise('"', a, '"', "")
    special = pc.fill_null(pc.match_substring_regex(a, r'["\\\x00-\x1f]'), False)
    if pc.any(special).as_py():
        escaped = [orjson.dumps(v).decode() for v in a.filter(special).to_pylist()]
        quoted = pc.replace_with_mask(quoted, special, pa.array(escaped, pa.string()))
    return Raw(quoted)


def json_int(column) -> Raw:
    """Integers as JSON numbers."""
    return Raw(flat(column).cast(pa.int64()).cast(pa.string()))


def json_objects(n: int, fields: Mapping[str, object]) -> pa.Array:
    """One canonical JSON object per row: keys sorted, no spaces; a value is a column of strings
    (quoted), a :class:`Raw` column, or a Python constant for all rows. A key whose value is NULL
    in a row is written ``null`` (keys present in some rows only: :func:`json_objects_where`)."""
    parts: list = []
    for i, key in enumerate(sorted(fields)):
        value = fields[key]
        parts.append(("{" if i == 0 else ",") + orjson.dumps(key).decode() + ":")
        if isinstance(value, Raw):
            col = value.column
        elif isinstance(value, (pa.Array, pa.ChunkedArray)):
            col = json_text(value).column
        else:
            col = pa.scalar(orjson.dumps(value).decode(), pa.string())
        if isinstance(col, pa.Array):
            col = pc.fill_null(col, "null")
        parts.append(col)
    if not parts:
        return pa.array(["{}"] * n, pa.string())
    parts.append("}")
    out = pc.binary_join_element_wise(*(pa.scalar(p, pa.string()) if isinstance(p, str) else p for p in parts), "")
    if isinstance(out, pa.Scalar):
        return pa.array([out.as_py()] * n, pa.string())
    return out


def json_objects_where(n: int, always: Mapping[str, object], sometimes: Sequence[tuple[np.ndarray, str, object]]
                       ) -> pa.Array:
    """Canonical JSON objects whose keys differ by row: ``always`` in every row, each
    ``(mask, key, value)`` of ``sometimes`` only where ``mask``. The rows are split by which optional
    keys they have (few combinations) and each part made by :func:`json_objects`."""
    if not sometimes or n == 0:
        return json_objects(n, always)
    masks = np.stack([np.asarray(m, bool) for m, _, _ in sometimes], axis=1)
    combos, which = np.unique(masks, axis=0, return_inverse=True)
    which = which.reshape(-1)
    pieces, positions = [], []
    for c, combo in enumerate(combos):
        rows = np.flatnonzero(which == c)
        idx = pa.array(rows, pa.int64())
        fields = {k: _take(v, idx) for k, v in always.items()}
        for on, (_, key, value) in zip(combo, sometimes):
            if on:
                fields[key] = _take(value, idx)
        pieces.append(json_objects(len(rows), fields))
        positions.append(rows)
    order = np.argsort(np.concatenate(positions), kind="stable")
    return pa.concat_arrays(pieces).take(pa.array(order, pa.int64()))


def _take(value, idx: pa.Array):
    if isinstance(value, Raw):
        return Raw(value.column.take(idx))
    if isinstance(value, (pa.Array, pa.ChunkedArray)):
        return flat(value).take(idx)
    return value
