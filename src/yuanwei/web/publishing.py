"""Publishing: load a run's Parquet files (``<home>/runs/<D>/``) into the app DB (DESIGN §2).

Each app declares what it loads in its ``publish.py`` as ``TableSpec``s; this module does the work
the same way for every table:

* every row gets ``row_key`` (hash of its key columns) and ``row_hash`` (hash of all its columns as
  read from the file), so a later publish compares hashes and writes only what changed:
  new keys are inserted (``bulk_create``), changed rows updated (one ``executemany``), rows no longer
  in the file deleted; unchanged rows are not touched (ids stay, so other apps may point at them);
* tables without a natural key (signals, excluded candidates) are identified by their content,
  duplicates counted, which gives the same "only what changed" behaviour;
* per-date tables (signals, tasks, excluded) only ever touch the rows of the published date;
* everything happens in one transaction, and a ``Publication`` records date, counts and duration.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

import pyarrow.parquet as pq
from django.apps import apps
from django.db import connection, transaction
from django.utils import timezone

from yuanwei.errors import UsageError

log = logging.getLogger("yuanwei.web.publish")
SHANGHAI = ZoneInfo("Asia/Shanghai")
BATCH_SIZE = 2000


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


def _digest(value, size: int) -> str:
    return hashlib.blake2b(repr(value).encode("utf-8"), digest_size=size).hexdigest()


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
            names = set(pq.read_schema(path).names)
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


def _python_columns(path: Path, spec: TableSpec, model) -> tuple[list[tuple], list[list]]:
    """Raw rows (for hashing) and the same values converted for the model, column by column."""
    table = pq.read_table(path, columns=list(spec.columns))
    raw = [table.column(c).to_pylist() for c in spec.columns]
    by_attname = _fields(model)
    converted = []
    for name, values in zip(spec.columns, raw):
        if by_attname[name].get_internal_type() == "DateTimeField":
            values = [v if v is None or v.tzinfo else v.replace(tzinfo=SHANGHAI) for v in values]
        elif name in spec.json_columns:
            values = [None if v is None else json.loads(v) for v in values]
        converted.append(values)
    return list(zip(*raw)), [list(r) for r in zip(*converted)]


def _fields(model) -> dict:
    """Concrete fields by attname (a foreign key `customer` is the file column `customer_id`)."""
    return {f.attname: f for f in model._meta.concrete_fields}


def sync_table(folder: Path, spec: TableSpec, day: dt.date, full: bool) -> Counts:
    model = spec.model_class
    path = folder / f"{spec.file}.parquet"
    raw_rows, rows = _python_columns(path, spec, model)
    counts = Counts()

    if spec.per_date:
        d = spec.columns.index("date")
        for i, r in enumerate(raw_rows):
            if r[d] != day:
                raise UsageError(f"{path}: row {i + 1}: date {r[d]} is not the run date {day} / 日期与批处理日期不符")

    # row_key / row_hash per row
    hashes = [_digest(r, 8) for r in raw_rows]
    keys: list[str] = []
    if spec.key:
        idx = [spec.columns.index(k) for k in spec.key]
        seen: dict[str, int] = {}
        for i, r in enumerate(raw_rows):
            kv = tuple(r[j] for j in idx)
            k = _digest(kv, 16)
            if k in seen:
                raise UsageError(f"{path}: row {i + 1}: duplicate key {dict(zip(spec.key, kv))} "
                                 f"(also row {seen[k] + 1}) / 主键重复")
            seen[k] = i
            keys.append(k)
    else:
        n = Counter()
        for h in hashes:
            n[h] += 1
            keys.append(f"{h}#{n[h]}")

    qs = model._base_manager.all()
    if spec.per_date:
        qs = qs.filter(date=day)
    existing = {rk: (rh, pk) for rk, rh, pk in qs.values_list("row_key", "row_hash", "pk").iterator(chunk_size=20_000)}

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
        _update_rows(model, spec, rows, hashes, updates)
        counts.updated = len(updates)

    if inserts:
        build = _builder(model, spec)
        objs = (build(rows[i], keys[i], hashes[i]) for i in inserts)
        for start in range(0, len(inserts), BATCH_SIZE):
            model._base_manager.bulk_create([next(objs) for _ in range(min(BATCH_SIZE, len(inserts) - start))],
                                            batch_size=BATCH_SIZE)
        counts.inserted = len(inserts)
    return counts


def _builder(model, spec: TableSpec):
    """A fast constructor: Django's positional __init__ over the model's concrete fields."""
    plan = []
    for f in model._meta.concrete_fields:
        if f.attname in spec.columns:
            plan.append(("col", spec.columns.index(f.attname)))
        elif f.attname == "row_key":
            plan.append(("key", None))
        elif f.attname == "row_hash":
            plan.append(("hash", None))
        else:
            plan.append(("const", f.get_default()))

    def build(row, key, hash_):
        args = [row[v] if kind == "col" else key if kind == "key" else hash_ if kind == "hash" else v
                for kind, v in plan]
        return model(*args)

    return build


def _update_rows(model, spec: TableSpec, rows, hashes, updates) -> None:
    """UPDATE … WHERE pk = %s for the changed rows only, as one executemany per batch."""
    opts = model._meta
    qn = connection.ops.quote_name
    by_attname = _fields(model)
    fields = [by_attname[c] for c in spec.columns]
    set_cols = [(i, f) for i, f in enumerate(fields) if not f.primary_key]
    hash_field = opts.get_field("row_hash")
    sql = (f"UPDATE {qn(opts.db_table)} SET "
           + ", ".join(f"{qn(f.column)} = %s" for _, f in set_cols)
           + f", {qn(hash_field.column)} = %s WHERE {qn(opts.pk.column)} = %s")
    params = []
    for i, pk in updates:
        row = rows[i]
        params.append([f.get_db_prep_save(row[j], connection) for j, f in set_cols] + [hashes[i], pk])
    with connection.cursor() as cur:
        for start in range(0, len(params), BATCH_SIZE):
            cur.executemany(sql, params[start:start + BATCH_SIZE])


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
        for spec in present:
            t = time.perf_counter()
            result[spec.file] = sync_table(folder, spec, day, full).as_dict()
            log.info("published %s in %.2fs: %s", spec.file, time.perf_counter() - t, result[spec.file])
        Publication.objects.create(date=day, full=full, started_at=started,
                                   duration_s=round(time.perf_counter() - t0, 3), counts=result, skipped=skipped)
    return result
