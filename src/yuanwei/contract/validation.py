"""Row checks of the data contract, as SQL over an Arrow batch (DuckDB dialect).

For every contract column this builds a typed value and an error code (NULL when the cell is
fine), so a whole batch is checked in one vectorised query; no Python runs per row on the good
path. The caller sets the session time zone with ``SESSION_SQL`` first: ISO timestamps without an
offset are Asia/Shanghai wall-clock times.

Error codes (machine-readable, written to the quarantine file beside the zh-CN reason):
``required``, ``enum``, ``date``, ``timestamp``, ``money``, ``money_scale``, ``decimal``, ``int``,
``float``, ``bool``, ``column_count``, ``duplicate_key``, ``missing_reference``.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

from yuanwei.contract.schema import BOOL_FALSE, BOOL_TRUE, TIMEZONE, Column, Table

SESSION_SQL = f"SET TimeZone = '{TIMEZONE}'"

# code -> (zh-CN, English); the quarantine file shows the zh-CN reason, the summary both
REASONS: dict[str, tuple[str, str]] = {
    "required": ("必填字段为空", "required value is empty"),
    "enum": ("取值不在允许范围内", "value not among the allowed choices"),
    "date": ("不是有效日期（应为 YYYY-MM-DD 的真实日期）", "not a real date YYYY-MM-DD"),
    "timestamp": ("不是有效时间（应为 ISO 8601，如 2026-01-05T09:30:00+08:00）", "not an ISO 8601 timestamp"),
    "money": ("金额格式错误（应为十进制数，最多两位小数）", "not a money amount (decimal, at most 2 places)"),
    "money_scale": ("金额超过两位小数", "money with more than 2 decimal places"),
    "decimal": ("数值格式错误（最多六位小数）", "not a decimal number (at most 6 places)"),
    "int": ("不是整数", "not a whole number"),
    "float": ("不是数字", "not a number"),
    "bool": ("不是有效布尔值（可用 true/false、1/0、Y/N、是/否）", "not a boolean (true/false, 1/0, Y/N, 是/否)"),
    "column_count": ("列数与表头不符", "wrong number of fields for the header"),
    "duplicate_key": ("主键在本次导入中重复，保留首次出现的行", "duplicate key in this load; the first row is kept"),
    "missing_reference": ("引用的记录不存在", "referenced row does not exist"),
}

_DATE_RE = r"\d{4}-\d{2}-\d{2}"
_TS_RE = r"\d{4}-\d{2}-\d{2}([Tt ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?)?\s*([Zz]|[+-]\d{2}(:?\d{2})?)?"
_TS_NO_SECONDS_RE = r"^(\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2})(\s*(?:[Zz]|[+-]\d{2}(?::?\d{2})?)?)$"
_MONEY_RE = r"[+-]?\d{1,16}(\.\d{1,2})?"
_MONEY_SCALE_RE = r"[+-]?\d+\.\d{3,}"
_DECIMAL_RE = r"[+-]?\d{1,12}(\.\d{1,6})?"
_INT_RE = r"[+-]?\d{1,18}"


def q(name: str) -> str:
    """A quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def lit(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _in_list(values) -> str:
    return "(" + ", ".join(lit(v) for v in values) + ")"


@dataclass(frozen=True)
class ColumnCheck:
    """SQL for one contract column, in three levels: ``pre`` reads the cell (trimmed text, NULL
    when empty, or the typed Parquet value), ``value`` types it from ``{p}`` (NULL when it does
    not parse), ``error`` gives a code or NULL from ``{p}`` and ``{v}`` (placeholders for aliases)."""

    column: Column
    source: str | None     # the column in the batch, or None when the file lacks it
    pre: str               # level 1: the cell as the check reads it
    value: str             # level 2: typed value, from {p}
    error: str             # level 3: error code, from {p} and {v}
    detail: str            # fixed extra text for the reason (e.g. the allowed choices)


def _string_check(col: Column) -> tuple[str, str, str]:
    """(value, error, detail) for a text cell {p} (already trimmed, NULL when empty)."""
    k = col.kind
    if k in ("id", "str"):
        return "{p}", "NULL", ""
    if k == "enum":
        return "{p}", f"CASE WHEN {{p}} NOT IN {_in_list(col.choices)} THEN 'enum' END", "/".join(col.choices)
    if k == "date":
        return (f"CASE WHEN regexp_full_match({{p}}, '{_DATE_RE}') THEN TRY_CAST({{p}} AS DATE) END",
                "CASE WHEN {v} IS NULL THEN 'date' END", "")
    if k == "timestamp":
        # TIMESTAMPTZ reads an offset when there is one, else the session zone (Asia/Shanghai);
        # timezone() then gives the Shanghai wall-clock time
        # DuckDB wants seconds and no space before the offset: add ':00', drop the space
        norm = (f"upper(regexp_replace(regexp_replace({{p}}, '{_TS_NO_SECONDS_RE}', '\\1:00\\2'), "
                f"'\\s+([Zz+-])', '\\1'))")
        return (f"CASE WHEN regexp_full_match({{p}}, '{_TS_RE}') "
                f"THEN timezone('{TIMEZONE}', TRY_CAST({norm} AS TIMESTAMPTZ)) END",
                "CASE WHEN {v} IS NULL THEN 'timestamp' END", "")
    if k == "money":
        return (f"CASE WHEN regexp_full_match({{p}}, '{_MONEY_RE}') THEN TRY_CAST({{p}} AS DECIMAL(18,2)) END",
                f"CASE WHEN {{v}} IS NOT NULL THEN NULL WHEN regexp_full_match({{p}}, '{_MONEY_SCALE_RE}') "
                f"THEN 'money_scale' ELSE 'money' END", "")
    if k == "decimal":
        return (f"CASE WHEN regexp_full_match({{p}}, '{_DECIMAL_RE}') THEN TRY_CAST({{p}} AS DECIMAL(18,6)) END",
                "CASE WHEN {v} IS NULL THEN 'decimal' END", "")
    if k == "int":
        return (f"CASE WHEN regexp_full_match({{p}}, '{_INT_RE}') THEN TRY_CAST({{p}} AS BIGINT) END",
                "CASE WHEN {v} IS NULL THEN 'int' END", "")
    if k == "float":
        return ("CASE WHEN isfinite(TRY_CAST({p} AS DOUBLE)) THEN TRY_CAST({p} AS DOUBLE) END",
                "CASE WHEN {v} IS NULL THEN 'float' END", "")
    if k == "bool":
        return (f"CASE WHEN lower({{p}}) IN {_in_list(BOOL_TRUE)} THEN TRUE "
                f"WHEN lower({{p}}) IN {_in_list(BOOL_FALSE)} THEN FALSE END",
                "CASE WHEN {v} IS NULL THEN 'bool' END", "")
    raise ValueError(f"unknown column kind {k!r}")


def _typed_check(col: Column, t: pa.DataType) -> tuple[str, str] | None:
    """(value, error) for a typed Parquet cell {p}, or None to check it as text."""
    k = col.kind
    numeric = pa.types.is_integer(t) or pa.types.is_decimal(t)
    if k == "date" and pa.types.is_date(t):
        return "CAST({p} AS DATE)", "NULL"
    if k == "timestamp" and pa.types.is_timestamp(t):
        if t.tz is None:  # a naive timestamp is already Shanghai wall-clock time
            return "CAST({p} AS TIMESTAMP)", "NULL"
        return f"timezone('{TIMEZONE}', {{p}})", "NULL"
    if k == "money" and numeric:
        return ("TRY_CAST({p} AS DECIMAL(18,2))",
                "CASE WHEN {v} IS NULL THEN 'money' WHEN {v} <> {p} THEN 'money_scale' END")
    if k == "decimal" and (numeric or pa.types.is_floating(t)):
        return "TRY_CAST({p} AS DECIMAL(18,6))", "CASE WHEN {v} IS NULL THEN 'decimal' END"
    if k == "int" and pa.types.is_integer(t):
        return "TRY_CAST({p} AS BIGINT)", "CASE WHEN {v} IS NULL THEN 'int' END"
    if k == "int" and pa.types.is_floating(t):
        return ("CASE WHEN {p} = trunc({p}) THEN TRY_CAST({p} AS BIGINT) END",
                "CASE WHEN {v} IS NULL THEN 'int' END")
    if k == "float" and (numeric or pa.types.is_floating(t)):
        return ("CASE WHEN isfinite(CAST({p} AS DOUBLE)) THEN CAST({p} AS DOUBLE) END",
                "CASE WHEN {v} IS NULL THEN 'float' END")
    if k == "bool" and pa.types.is_boolean(t):
        return "{p}", "NULL"
    return None


def _fill(template: str, p: str, v: str = "") -> str:
    return template.replace("{p}", p).replace("{v}", v)


def column_check(col: Column, source: str | None, t: pa.DataType | None) -> ColumnCheck:
    if source is None:
        return ColumnCheck(col, None, "NULL", f"CAST(NULL AS {col.sql_type})", "NULL", "")
    src = q(source)
    typed = None if t is None or pa.types.is_string(t) or pa.types.is_large_string(t) else _typed_check(col, t)
    if typed is not None:
        pre, (value, error), detail = src, typed, ""
    else:
        text = src if t is None or pa.types.is_string(t) or pa.types.is_large_string(t) else f"CAST({src} AS VARCHAR)"
        # surrounding spaces are dropped; a cell of only spaces counts as empty
        pre = f"NULLIF(TRIM({text}), '')"
        value, error, detail = _string_check(col)
    required = "'required'" if col.required else "NULL"
    error = f"CASE WHEN {{p}} IS NULL THEN {required} ELSE {error} END"
    return ColumnCheck(col, source, pre, value, error, detail)


def check_sql(table: Table, schema: pa.Schema, relation: str, line: str) -> tuple[str, list[ColumnCheck]]:
    """A SELECT over ``relation`` giving ``line``, one typed column per stored column of the
    table (``<ts>_day`` included) and, for the first failing column of each row, ``__column``,
    ``__value`` and ``__code`` (all NULL for a good row)."""
    present = {n: schema.field(n).type for n in schema.names}
    checks = [column_check(c, c.name if c.name in present else None, present.get(c.name)) for c in table.columns]
    p = [f"__p{i}" for i in range(len(checks))]
    v = [f"__v{i}" for i in range(len(checks))]
    e = [f"__e{i}" for i in range(len(checks))]

    lvl1 = ", ".join([q(line)] + [f"{ch.pre} AS {p[i]}" for i, ch in enumerate(checks)]
                     + [f"{q(ch.source)} AS __x{i}" for i, ch in enumerate(checks) if ch.source])
    lvl2 = ", ".join(["*"] + [f"{_fill(ch.value, p[i])} AS {v[i]}" for i, ch in enumerate(checks)])
    lvl3 = ", ".join(["*"] + [f"{_fill(ch.error, p[i], v[i])} AS {e[i]}" for i, ch in enumerate(checks)])

    outs = [q(line)]
    for i, ch in enumerate(checks):
        outs.append(f"{v[i]} AS {q(ch.column.name)}")
        if ch.column.kind == "timestamp":
            outs.append(f"CAST({v[i]} AS DATE) AS {q(ch.column.name + '_day')}")
    failing = [(i, ch) for i, ch in enumerate(checks) if ch.source is not None or ch.column.required]
    if failing:
        col_case = " ".join(f"WHEN {e[i]} IS NOT NULL THEN {lit(ch.column.name)}" for i, ch in failing)
        val_case = " ".join(f"WHEN {e[i]} IS NOT NULL THEN {f'CAST(__x{i} AS VARCHAR)' if ch.source else 'NULL'}"
                            for i, ch in failing)  # cast to text only for the failing rows
        det_case = " ".join(f"WHEN {e[i]} IS NOT NULL THEN {lit(ch.detail) if ch.detail else 'NULL'}"
                            for i, ch in failing)
        outs.append(f"CASE {col_case} END AS __column")
        outs.append(f"CASE {val_case} END AS __value")
        outs.append(f"COALESCE({', '.join(e[i] for i, _ in failing)}) AS __code")
        outs.append(f"CAST(CASE {det_case} END AS VARCHAR) AS __detail")
    else:
        outs += ["CAST(NULL AS VARCHAR) AS __column", "CAST(NULL AS VARCHAR) AS __value",
                 "CAST(NULL AS VARCHAR) AS __code", "CAST(NULL AS VARCHAR) AS __detail"]
    sql = (f"SELECT {', '.join(outs)} FROM (SELECT {lvl3} FROM (SELECT {lvl2} FROM "
           f"(SELECT {lvl1} FROM {relation})))")
    return sql, checks
