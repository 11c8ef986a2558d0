"""``yuanwei ingest DIR``: load a contract folder (DESIGN §3) into the DuckDB warehouse.

Each file is streamed in Arrow batches; each batch is checked by one vectorised DuckDB query
(``contract.validation``). Good rows go to a staging table, bad rows to the quarantine with the
line, column, value and reason. Then, per table, the checks that need the whole load: references
(against the warehouse, which already holds this load's parent tables since tables load in
``LOAD_ORDER``) and duplicate keys (the first row of a key stays). Finally the staging rows
replace the warehouse rows with the same key (upsert). All of it is one DuckDB transaction, so a
failure leaves the warehouse as it was; the load is recorded in ``load_log``.

Whole-file problems (unreadable file, missing required column, missing required table on the
first load) raise ``UsageError`` before anything is written.
"""

from __future__ import annotations

import datetime as dt
import shutil
import unicodedata
import uuid
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pyarrow as pa

from yuanwei.contract import quarantine
from yuanwei.contract.readers import LINE, Source, normalize_encoding, one_line, open_source
from yuanwei.contract.schema import LOAD_ORDER, TABLES, TIMEZONE, Table
from yuanwei.contract.validation import REASONS, check_sql, lit, q
from yuanwei.errors import UsageError
from yuanwei.paths import Home
from yuanwei.warehouse import stamps
from yuanwei.warehouse.db import connect
from yuanwei.warehouse.load import configure, ensure_load_log, is_empty, record_load, upsert

SUFFIXES = (".csv", ".parquet")
# show a progress bar only when the files are big enough for the wait to be noticed
PROGRESS_MIN_BYTES = 32 << 20

# every referenced table loads before the tables that reference it (self-references aside)
for _name in LOAD_ORDER:
    for _col in TABLES[_name].columns:
        if _col.references and _col.references[0] != _name:
            assert LOAD_ORDER.index(_col.references[0]) < LOAD_ORDER.index(_name), (_name, _col.name)


def _now() -> dt.datetime:
    return dt.datetime.now(ZoneInfo(TIMEZONE))


def _scan(folder: Path) -> tuple[dict[str, Path], list[str]]:
    """Contract files by table name, and the names of everything else in the folder."""
    found: dict[str, Path] = {}
    unknown: list[str] = []
    for path in sorted(folder.iterdir()):
        if path.name.startswith("."):
            continue
        name, suffix = path.stem.lower(), path.suffix.lower()
        if path.is_file() and suffix in SUFFIXES and name in TABLES:
            if name in found:
                raise UsageError(f"{found[name].name} / {path.name}: 同一张表有两个文件，请只保留一个"
                                 f" / two files for table {name}; keep one")
            found[name] = path
        else:
            unknown.append(path.name + ("/" if path.is_dir() else ""))
    return found, unknown


def _open_sources(files: dict[str, Path], encoding: str | None) -> tuple[dict[str, Source], dict[str, list[str]]]:
    sources, notices = {}, {}
    for name in LOAD_ORDER:
        if name not in files:
            continue
        table, source = TABLES[name], open_source(files[name], encoding)
        missing = [c for c in table.required_columns if c not in source.columns]
        if missing:
            raise UsageError(f"{source.path.name}: 缺少必填列 {', '.join(missing)}"
                             f" / missing required column(s): {', '.join(missing)}")
        notes = []
        extra = [c for c in source.columns if c not in table.column_names]
        if extra:
            notes.append(f"未知列已忽略（保留在隔离文件中）/ unknown columns ignored: {', '.join(extra)}")
        if source.kind == "csv" and source.encoding != "utf-8":
            notes.append(f"文件编码 / encoding: {source.encoding}")
        sources[name], notices[name] = source, notes
    return sources, notices


class _Progress:
    """A rich progress bar over the bytes of all files; silent for small loads."""

    def __init__(self, total: int, enabled: bool):
        self.bar = None
        if enabled and total >= PROGRESS_MIN_BYTES:
            from rich.console import Console
            from rich.progress import (BarColumn, DownloadColumn, Progress, TextColumn, TimeElapsedColumn,
                                       TimeRemainingColumn)

            self.bar = Progress(TextColumn("{task.description}"), BarColumn(), DownloadColumn(),
                                TimeElapsedColumn(), TimeRemainingColumn(),
                                console=Console(stderr=True), transient=True)
            self.task = self.bar.add_task("导入 / ingest", total=total)
        self.base = 0

    def __enter__(self):
        if self.bar:
            self.bar.__enter__()
        return self

    def __exit__(self, *exc):
        if self.bar:
            self.bar.__exit__(*exc)

    def table(self, name: str, base: int):
        self.base = base
        if self.bar:
            self.bar.update(self.task, description=f"导入 / ingest {name}", completed=base)

    def at(self, pos: int):
        if self.bar:
            self.bar.update(self.task, completed=self.base + pos)


def ingest_folder(home: Home, folder: Path, encoding: str | None = None, progress: bool = True) -> dict:
    """Load every contract file of ``folder`` into ``home.warehouse``; returns the load report.

    Report: ``{"folder", "load_id", "started_at", "finished_at", "tables": {name: {"file", "read",
    "loaded", "quarantined", "replaced", "quarantine_file", "reasons", "notices"}}, "unknown_files",
    "totals": {"read", "loaded", "quarantined"}}``; per table read = loaded + quarantined.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise UsageError(f"{folder}: 文件夹不存在 / not a folder")
    enc = normalize_encoding(encoding)
    files, unknown = _scan(folder)
    if not files:
        raise UsageError(f"{folder}: 没有可识别的数据文件（<表名>.csv 或 .parquet）"
                         f" / no contract file (<table>.csv or .parquet) in the folder")
    try:
        con = connect(home.warehouse)
    except duckdb.IOException as exc:
        raise UsageError(f"{home.warehouse}: 数据仓库无法打开（可能正被其他进程使用）"
                         f" / cannot open the warehouse (in use by another process?): {one_line(exc)}") from None
    try:
        configure(con, home)
        ensure_load_log(con)
        for name in LOAD_ORDER:
            if TABLES[name].required_on_first_load and name not in files and is_empty(con, name):
                raise UsageError(f"{folder / (name + '.csv')}: 首次导入缺少必需的文件 {name}.csv 或 {name}.parquet"
                                 f" / required file missing on the first load: {name}.csv or {name}.parquet")
        sources, notices = _open_sources(files, enc)
        started = _now()
        load_id = f"{started:%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:6]}"
        qdir = home.quarantine_dir / load_id
        report = {"folder": str(folder.resolve()), "load_id": load_id, "started_at": started.isoformat(),
                  "tables": {}, "unknown_files": unknown}
        con.execute("BEGIN TRANSACTION")
        try:
            stamps.ensure_stamps(con)
            total = sum(s.size for s in sources.values())
            base = 0
            with _Progress(total, progress) as bar:
                for name, source in sources.items():
                    bar.table(name, base)
                    report["tables"][name] = _load_table(con, TABLES[name], source, qdir, bar)
                    report["tables"][name]["notices"] = notices[name] + report["tables"][name]["notices"]
                    base += source.size
            report["totals"] = {k: sum(t[k] for t in report["tables"].values())
                                for k in ("read", "loaded", "quarantined")}
            report["finished_at"] = _now().isoformat()
            record_load(con, report, report["finished_at"])
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            shutil.rmtree(qdir, ignore_errors=True)
            raise
    finally:
        con.close()
    return report


def _load_table(con, table: Table, source: Source, qdir: Path, bar: _Progress) -> dict:
    stg, qt = f"__stg_{table.name}", f"__q_{table.name}"
    stored = table.stored_columns()
    con.execute(f"DROP TABLE IF EXISTS {q(stg)}")
    con.execute(f"DROP TABLE IF EXISTS {q(qt)}")
    # staging is a table of the warehouse itself (inside the load's transaction, so never seen
    # unless committed): big appends go straight to the file, and on a first load it simply
    # becomes the warehouse table (see load.upsert)
    con.execute(f"CREATE TABLE {q(stg)} (" + ", ".join(f"{q(n)} {t}" for n, t in stored) + f", {q(LINE)} BIGINT)")
    con.execute(quarantine.create_table_sql(qt, source.columns))
    col_list = ", ".join(q(n) for n, _ in stored)
    raw_cols = [quarantine.raw_name(i) for i in range(len(source.columns))]
    raw_from_batch = ", ".join(f"CAST(b.{q(c)} AS VARCHAR)" for c in source.columns)

    # 1. each batch: types, enums, dates, money, booleans, required cells
    # Batches reach DuckDB through its replacement scan of the local ``arrow_batch``: a view made
    # with con.register() would keep every batch alive until COMMIT (memory growing with the file)
    sql = check_sql(table, source.schema, "arrow_batch", LINE)[0]
    read = 0
    for arrow_batch, pos in source.batches():
        read += arrow_batch.num_rows
        con.execute(f"CREATE OR REPLACE TEMP TABLE __chk AS {sql}")
        con.execute(f"INSERT INTO {q(stg)} ({col_list}, {q(LINE)}) SELECT {col_list}, {q(LINE)} FROM __chk "
                    f"WHERE __code IS NULL")
        con.execute(f"INSERT INTO {q(qt)} (line, \"column\", value, code, detail, needs_raw, {', '.join(raw_cols)}) "
                    f"SELECT c.{q(LINE)}, c.__column, c.__value, c.__code, c.__detail, false, {raw_from_batch} "
                    f"FROM __chk c JOIN arrow_batch b ON b.{q(LINE)} = c.{q(LINE)} WHERE c.__code IS NOT NULL")
        bar.at(pos)
    con.execute("DROP TABLE IF EXISTS __chk")
    if source.invalid_rows:  # records that cannot be split into the header's columns
        read += len(source.invalid_rows)
        n = len(source.columns)
        arrow_invalid = pa.table({  # noqa: F841 (read by the SQL below)
            "line": [r.line for r in source.invalid_rows], "value": [r.text for r in source.invalid_rows],
            "detail": [f"应为 {n} 列，实为 {r.fields} 列" for r in source.invalid_rows]})
        con.execute(f"INSERT INTO {q(qt)} (line, \"column\", value, code, detail, needs_raw) "
                    f"SELECT line, NULL, value, 'column_count', detail, false FROM arrow_invalid")

    # 2. references, against the warehouse (+ this table's own rows for a self-reference). The
    #    distinct missing values come first: cheap, and usually none, so the big join is skipped
    for col in table.columns:
        if not col.references:
            continue
        ref_table, ref_col = col.references
        parents = f"SELECT {q(ref_col)} FROM {q(ref_table)}"
        if ref_table == table.name:
            parents += f" UNION ALL SELECT {q(ref_col)} FROM {q(stg)}"
        while True:
            con.execute(f"CREATE OR REPLACE TEMP TABLE __missing AS SELECT {q(col.name)} AS v FROM {q(stg)} "
                        f"WHERE {q(col.name)} IS NOT NULL EXCEPT ({parents})")
            if not con.execute("SELECT count(*) FROM __missing").fetchone()[0]:
                break
            n = _reject(con, stg, qt, "TRUE", lit(col.name), f"CAST(s.{q(col.name)} AS VARCHAR)",
                        "missing_reference", lit(f"{ref_table}.{ref_col}"), join=f"JOIN __missing m ON s.{q(col.name)} = m.v")
            if ref_table != table.name or not n:  # a self-reference can cascade (a branch under a rejected one)
                break
        con.execute("DROP TABLE __missing")

    # 3. duplicate keys within this load: the first row (lowest line) stays
    keys = ", ".join(q(k) for k in table.key)
    on = " AND ".join(f"s.{q(k)} = d.{q(k)}" for k in table.key)
    con.execute(f"CREATE OR REPLACE TEMP TABLE __dups AS SELECT {keys}, min({q(LINE)}) AS __first "
                f"FROM {q(stg)} GROUP BY {keys} HAVING count(*) > 1")
    if con.execute("SELECT count(*) FROM __dups").fetchone()[0]:
        key_value = "concat_ws(',', " + ", ".join(f"CAST(s.{q(k)} AS VARCHAR)" for k in table.key) + ")"
        _reject(con, stg, qt, f"s.{q(LINE)} > d.__first", lit(",".join(table.key)), key_value, "duplicate_key",
                "'第 ' || d.__first || ' 行'", join=f"JOIN __dups d ON {on}")
    con.execute("DROP TABLE IF EXISTS __dups")

    # rows rejected in steps 2–3 get their original cells from a second read of the file
    if con.execute(f"SELECT count(*) FROM {q(qt)} WHERE needs_raw").fetchone()[0]:
        sets = ", ".join(f"{r} = CAST(b.{q(c)} AS VARCHAR)" for r, c in zip(raw_cols, source.columns))
        for arrow_batch, _ in source.batches():
            con.execute(f"UPDATE {q(qt)} SET {sets}, needs_raw = false FROM arrow_batch b "
                        f"WHERE {q(qt)}.needs_raw AND {q(qt)}.line = b.{q(LINE)}")

    # 4. upsert into the warehouse
    loaded = con.execute(f"SELECT count(*) FROM {q(stg)}").fetchone()[0]
    replaced = upsert(con, table, stg)  # consumes the staging table
    reasons = dict(con.execute(f"SELECT code, count(*) FROM {q(qt)} GROUP BY code ORDER BY code").fetchall())
    quarantined = sum(reasons.values())
    if read != loaded + quarantined:  # every row is either loaded or quarantined, never lost
        raise RuntimeError(f"{source.path.name}: read {read} != loaded {loaded} + quarantined {quarantined}")
    qfile = None
    if quarantined:
        qfile = qdir / f"{table.name}.csv"
        quarantine.write_file(con, qt, qfile, source.path.name, source.columns)
    con.execute(f"DROP TABLE {q(qt)}")
    notices = []
    if source.blank_rows:
        notices.append(f"空行已跳过 / blank lines skipped: {source.blank_rows}")
    return {"file": str(source.path), "read": read, "loaded": loaded, "quarantined": quarantined,
            "replaced": replaced, "quarantine_file": str(qfile) if qfile else None,
            "reasons": reasons, "notices": notices}


def _reject(con, stg: str, qt: str, where: str, column: str, value: str, code: str, detail: str,
            join: str = "") -> int:
    """Move the staging rows matching ``where`` to the quarantine; returns how many."""
    con.execute(f"CREATE OR REPLACE TEMP TABLE __bad AS SELECT s.{q(LINE)} AS line, {value} AS value, "
                f"{detail} AS detail FROM {q(stg)} s {join} WHERE {where}")
    n = con.execute("SELECT count(*) FROM __bad").fetchone()[0]
    if n:
        con.execute(f"INSERT INTO {q(qt)} (line, \"column\", value, code, detail, needs_raw) "
                    f"SELECT line, {column}, value, {lit(code)}, detail, true FROM __bad")
        con.execute(f"DELETE FROM {q(stg)} WHERE {q(LINE)} IN (SELECT line FROM __bad)")
    con.execute("DROP TABLE __bad")
    return n


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _row(first: str, *numbers) -> str:
    cells = [first + " " * (16 - _width(first))]
    for value, width in zip(numbers, (14, 14, 18)):
        text = value if isinstance(value, str) else f"{value:,}"
        cells.append(" " * (width - _width(text)) + text)
    return "".join(cells)


def format_summary(report: dict) -> str:
    """The load report for a person: zh-CN first, then English."""
    lines = [f"导入完成 / load finished: {report['load_id']}  ({report['folder']})",
             _row("表 table", "读取 read", "入库 loaded", "隔离 quarantined")]
    for name, t in report["tables"].items():
        lines.append(_row(name, t["read"], t["loaded"], t["quarantined"]))
    tot = report["totals"]
    lines.append(_row("合计 total", tot["read"], tot["loaded"], tot["quarantined"]))
    for name, t in report["tables"].items():
        if t["quarantined"]:
            why = "；".join(f"{REASONS.get(c, (c, c))[0]} / {REASONS.get(c, (c, c))[1]} ({c}) ×{n}"
                           for c, n in sorted(t.get("reasons", {}).items()))
            lines.append(f"隔离 / quarantined {name}: {why} → {t['quarantine_file']}")
        for note in t.get("notices", []):
            lines.append(f"提示 / notice {name}: {note}")
    if report.get("unknown_files"):
        lines.append(f"未识别的文件已忽略 / unknown files ignored: {', '.join(report['unknown_files'])}")
    return "\n".join(lines)
