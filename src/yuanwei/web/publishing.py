"""Publishing: load a run's Parquet files (``<home>/runs/<D>/``) into the app DB (DESIGN §2).

Each app declares what it loads in its ``publish.py`` as ``TableSpec``s; this module does the work
the same way for every table:

* every row gets ``row_key`` (its key columns as text, or their hash when long) and ``row_hash`` (a
  hash of all its columns as read from the file), so a later publish writes only what changed:
  new keys are inserted and changed rows updated (``executemany`` in batches), rows no longer
  in the file deleted; unchanged rows are not touched (ids stay, so other apps may point at them);
* tables without a natural key (signals, excluded candidates) are identified by their content,
  duplicates counted, which gives the same "only what changed" behaviour;
* per-date tables (signals, tasks, excluded) only ever touch the rows of the published date;
* everything happens in one transaction, and a ``Publication`` records date, counts and duration.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from collections import Counter
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from django.apps import apps
from django.db import connection, transaction
from django.utils import timezone

from yuanwei.errors import UsageError
from yuanwei.results import in_window

log = logging.getLogger("yuanwei.web.publish")
SHANGHAI = ZoneInfo("Asia/Shanghai")
BATCH_SIZE = 10_000


@dataclass(frozen=True)
class TableSpec:
    file: str                        # <file>.parquet in the run folder
    model: str                       # "app_label.Model"
    columns: tuple[str, ...]         # columns read from the file = model attnames
    key: tuple[str, ...] | None      # None: rows are identified by their content
    per_date: bool = False           # rows belong to the run date (column `date`); other dates untouched
    optional: bool = False           # a missing file is skipped (e.g. tasks before the tasks engine)
    json_columns: tuple[str, ...] = field(default=())

    @property
    def model_class(self):
        return apps.get_model(self.model)


@dataclass
class Counts:
    inserted: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0

    def as_dict(self) -> dict:
        return {"inserted": self.inserted, "updated": self.updated, "deleted": self.deleted,
                "unchanged": self.unchanged}


def all_specs() -> list[TableSpec]:
    from yuanwei.web.apps.customers.publish import SPECS as customer_specs
    from yuanwei.web.apps.workbench.publish import SPECS as workbench_specs

    return [*customer_specs, *workbench_specs]


def check_run_folder(folder: Path, specs: list[TableSpec]) -> tuple[list[TableSpec], list[str]]:
    """The specs whose files are there, and the optional files that are not; raises UsageError
    naming every missing required file or column."""
    if not folder.is_dir():
        raise UsageError(f"{folder}: no run files for this date — run `yuanwei run --date {folder.name}` first "
                         f"/ 该日期尚无批处理结果")
    present, skipped, problems = [], [], []
    for spec in specs:
        path = folder / f"{spec.file}.parquet"
        if not path.exists():
            (skipped if spec.optional else problems).append(
                f"{spec.file}.parquet" if spec.optional else f"{path}: file missing / 缺少文件")
            continue
        try:
            # a history file of a carried run is a folder of parts (yuanwei.results.WINDOWS)
            parts = sorted(path.glob("*.parquet")) if path.is_dir() else [path]
            if not parts:
                raise ValueError("a folder without parts")
            names = set(pq.read_schema(parts[0]).names)
        except Exception as exc:  # a truncated or non-Parquet file
            problems.append(f"{path}: not a readable Parquet file ({exc}) / 文件无法读取")
            continue
        missing = [c for c in spec.columns if c not in names]
        if missing:
            problems.append(f"{path}: column(s) {', '.join(missing)} missing / 缺少列")
            continue
        present.append(spec)
    if problems:
        raise UsageError("; ".join(problems))
    return present, skipped


def _fields(model) -> dict:
    """Concrete fields by attname (a foreign key `customer` is the file column `customer_id`)."""
    return {f.attname: f for f in model._meta.concrete_fields}


# --- hashing: vectorised, so a million unchanged balance rows cost a second, not a minute --------

_SEP, _NULL = "\x1f", "\x1e"  # unit and record separators: never inside real values
KEY_TEXT_MAX = 40  # row_key max_length


def _row_text(table: pa.Table, columns) -> pa.ChunkedArray:
    """One string per row joining the columns as text (nulls marked), the input of the hashes."""
    parts = [pc.cast(table.column(c), pa.string()) for c in columns]
    if len(parts) == 1:
        return pc.fill_null(parts[0], _NULL)
    return pc.binary_join_element_wise(*parts, _SEP, null_handling="replace", null_replacement=_NULL)


def _hash64(values: np.ndarray, key: str = "0123456789123456") -> np.ndarray:
    return pd.util.hash_array(values, encoding="utf8", hash_key=key, categorize=False)


def _row_hashes(table: pa.Table, columns) -> list[str]:
    text = _row_text(table, columns).to_numpy(zero_copy_only=False)
    return [f"{h:016x}" for h in _hash64(text).tolist()]


def _row_keys(table: pa.Table, columns) -> list[str]:
    """The key columns as text when short (most keys: ids, id + date), else a 128-bit hash of them."""
    text = _row_text(table, columns).to_numpy(zero_copy_only=False)
    keys = text.tolist()
    long = [i for i, k in enumerate(keys) if len(k) > KEY_TEXT_MAX - 1]
    if long:
        sub = text[long]
        for i, a, b in zip(long, _hash64(sub).tolist(), _hash64(sub, key="yuanwei-rowkey-2").tolist()):
            keys[i] = f"~{a:016x}{b:016x}"
    return keys


# --- values for the database, column by column -------------------------------------------------

def _db_column(arr: pa.ChunkedArray, f, json_column: bool, path: Path, rows: np.ndarray) -> list:
    """The column as the values Django itself would send to the database for field `f`.

    Fast paths for the big columns (exact decimals, dates, strings, numbers) keep the value as
    Django would write it; anything else goes through the field's own get_db_prep_save."""
    sqlite = connection.vendor == "sqlite"
    t = f.get_internal_type()
    if t == "ForeignKey":
        t = f.target_field.get_internal_type()
    if json_column:  # canonical JSON text in the file; parsed, so a bad value is named here
        values = arr.to_pylist()
        for i, v in enumerate(values):
            if v is not None:
                try:
                    values[i] = json.loads(v)
                except ValueError as exc:
                    raise UsageError(f"{path}: row {rows[i] + 1}: column {f.attname}: not JSON ({exc}) "
                                     f"/ 不是有效的JSON") from None
        return [f.get_db_prep_save(v, connection) for v in values]
    if t == "DecimalField" and pa.types.is_decimal(arr.type) and arr.type.scale == f.decimal_places:
        # SQLite gets str(Decimal), exactly what Django's sqlite3 adapter sends
        return pc.cast(arr, pa.string()).to_pylist() if sqlite else arr.to_pylist()
    if t == "DateField" and pa.types.is_date32(arr.type):
        return pc.cast(arr, pa.string()).to_pylist() if sqlite else arr.to_pylist()
    if t in ("CharField", "TextField") and pa.types.is_string(arr.type):
        return arr.to_pylist()
    if (t in ("IntegerField", "BigIntegerField") and pa.types.is_integer(arr.type)) or \
       (t == "FloatField" and pa.types.is_floating(arr.type)) or \
       (t == "BooleanField" and pa.types.is_boolean(arr.type)):
        return arr.to_pylist()
    values = arr.to_pylist()
    if t == "DateTimeField":  # Shanghai wall-clock in the files (DESIGN §3)
        values = [v if v is None or v.tzinfo else v.replace(tzinfo=SHANGHAI) for v in values]
    return [f.get_db_prep_save(v, connection) for v in values]


def _db_columns(table: pa.Table, spec: TableSpec, model, rows: np.ndarray, path: Path) -> list[list]:
    by_attname = _fields(model)
    part = table.take(pa.array(rows, type=pa.int64()))
    return [_db_column(part.column(c), by_attname[c], c in spec.json_columns, path, rows) for c in spec.columns]


def sync_table(folder: Path, spec: TableSpec, day: dt.date, full: bool) -> Counts:
    model = spec.model_class
    path = folder / f"{spec.file}.parquet"
    table = in_window(pq.read_table(path, columns=list(spec.columns)), spec.file, day)
    n = table.num_rows
    counts = Counts()

    if spec.per_date and n:
        ok = pc.fill_null(pc.equal(table.column("date"), pa.scalar(day, pa.date32())), False)
        if not pc.all(ok).as_py():
            i = pc.index(ok, False).as_py()
            raise UsageError(f"{path}: row {i + 1}: date {table.column('date')[i].as_py()} is not the run date "
                             f"{day} / 日期与批处理日期不符")

    hashes = _row_hashes(table, spec.columns) if n else []
    if spec.key:
        keys = _row_keys(table, spec.key) if n else []
        if len(set(keys)) != n:
            first_seen: dict[str, int] = {}
            for again, k in enumerate(keys):
                if k in first_seen:
                    first = first_seen[k]
                    break
                first_seen[k] = again
            kv = {k: table.column(k)[again].as_py() for k in spec.key}
            raise UsageError(f"{path}: row {again + 1}: duplicate key {kv} (also row {first + 1}) / 主键重复")
    else:
        # no natural key: a row is its content; identical rows are told apart by their count
        seen: Counter = Counter()
        keys = []
        for h in hashes:
            seen[h] += 1
            keys.append(f"{h}#{seen[h]}")

    existing = _existing(model, spec, day)

    inserts, updates = [], []
    for i, k in enumerate(keys):
        old = existing.pop(k, None)
        if old is None:
            inserts.append(i)
        elif full or old[0] != hashes[i]:
            updates.append((i, old[1]))
        else:
            counts.unchanged += 1

    # deletions first, so a key that moves between rows never meets a unique constraint twice
    stale = [pk for _, pk in existing.values()]
    for start in range(0, len(stale), 500):
        model._base_manager.filter(pk__in=stale[start:start + 500]).delete()
    counts.deleted = len(stale)

    if updates:
        idx = np.fromiter((i for i, _ in updates), dtype=np.int64, count=len(updates))
        _update_rows(model, spec, _db_columns(table, spec, model, idx, path),
                     [hashes[i] for i, _ in updates], [pk for _, pk in updates])
        counts.updated = len(updates)

    if inserts:
        idx = np.asarray(inserts, dtype=np.int64)
        _insert_rows(model, spec, _db_columns(table, spec, model, idx, path),
                     [keys[i] for i in inserts], [hashes[i] for i in inserts])
        counts.inserted = len(inserts)
    return counts


def _existing(model, spec: TableSpec, day: dt.date) -> dict[str, tuple[str, object]]:
    """{row_key: (row_hash, pk)} of the rows this file replaces (one date's rows for per-date tables)."""
    opts, qn = model._meta, connection.ops.quote_name
    sql = f"SELECT {qn('row_key')}, {qn('row_hash')}, {qn(opts.pk.column)} FROM {qn(opts.db_table)}"
    params = []
    if spec.per_date:
        sql += f" WHERE {qn(opts.get_field('date').column)} = %s"
        params.append(connection.ops.adapt_datefield_value(day))
    with connection.cursor() as cur:
        cur.execute(sql, params)
        return {rk: (rh, pk) for rk, rh, pk in cur.fetchall()}


def _insert_rows(model, spec: TableSpec, columns: list[list], keys: list[str], hashes: list[str]) -> None:
    """INSERT of the new rows, one executemany per batch (the values are already what Django would
    send; going through bulk_create's per-field compiler costs ~50 µs a row, minutes for a million)."""
    opts, qn = model._meta, connection.ops.quote_name
    by_attname = _fields(model)
    names = [by_attname[c].column for c in spec.columns] + ["row_key", "row_hash"]
    sql = (f"INSERT INTO {qn(opts.db_table)} ({', '.join(qn(c) for c in names)}) "
           f"VALUES ({', '.join(['%s'] * len(names))})")
    rows = zip(*columns, keys, hashes)
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            # COPY: one stream instead of a statement per row (1.2M rows: ~10x faster)
            with cur.cursor.copy(f"COPY {qn(opts.db_table)} ({', '.join(qn(c) for c in names)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        for start in range(0, len(keys), BATCH_SIZE):
            cur.executemany(sql, list(islice(rows, BATCH_SIZE)))


def _update_rows(model, spec: TableSpec, columns: list[list], hashes: list[str], pks: list) -> None:
    """UPDATE … WHERE pk = %s for the changed rows only, one executemany per batch."""
    opts, qn = model._meta, connection.ops.quote_name
    by_attname = _fields(model)
    fields = [by_attname[c] for c in spec.columns]
    set_idx = [i for i, f in enumerate(fields) if not f.primary_key]
    sql = (f"UPDATE {qn(opts.db_table)} SET "
           + ", ".join(f"{qn(fields[i].column)} = %s" for i in set_idx)
           + f", {qn('row_hash')} = %s WHERE {qn(opts.pk.column)} = %s")
    rows = zip(*(columns[i] for i in set_idx), hashes, pks)
    with connection.cursor() as cur:
        for start in range(0, len(pks), BATCH_SIZE):
            cur.executemany(sql, list(islice(rows, BATCH_SIZE)))


def publish(home, day: dt.date, full: bool = False) -> dict:
    """Load the run of `day` into the app DB; returns {table: {inserted, updated, deleted, unchanged}}."""
    from yuanwei.results import run_dir_name
    from yuanwei.web.apps.customers.models import Publication

    folder = Path(home.runs_dir) / run_dir_name(day)
    present, skipped = check_run_folder(folder, all_specs())
    started = timezone.now()
    t0 = time.perf_counter()
    result: dict[str, dict] = {}
    with transaction.atomic():
        with connection.cursor() as cur:
            if connection.vendor == "sqlite":
                # a big page cache keeps the million-row index inserts in memory (this connection
                # only); the IMMEDIATE transaction already keeps a second publish waiting
                cur.execute("PRAGMA cache_size = -262144")
            elif connection.vendor == "postgresql":
                # two publishes never interleave: the second waits for the first to commit
                cur.execute("SELECT pg_advisory_xact_lock(hashtext('yuanwei.publish'))")
        for spec in present:
            t = time.perf_counter()
            result[spec.file] = sync_table(folder, spec, day, full).as_dict()
            log.debug("published %s in %.2fs: %s", spec.file, time.perf_counter() - t, result[spec.file])
        Publication.objects.create(date=day, full=full, started_at=started,
                                   duration_s=round(time.perf_counter() - t0, 3), counts=result, skipped=skipped)
    return result
