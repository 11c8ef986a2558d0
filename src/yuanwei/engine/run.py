"""The daily run for business date D (DESIGN §2, §4, §5).

Stages, in order:

    config    load the rules configuration (``<home>/config/rules.yaml`` or the defaults)
    backend   open the warehouse on DuckDB or Spark, restricted to what was known at the end of D−1
    features  one profile row per customer (``engine.features.compute_features``)
    signals   the signal library (``engine.signals.compute_signals``)
    tasks     signals → tasks and excluded candidates (``engine.tasks.build_tasks``, when present)
    write     every result file of ``yuanwei.results`` as Parquet into a temp folder beside D's
    record    in one warehouse transaction: the ``runs`` row written; inside it the temp folder is
              swapped into ``<home>/runs/<D>/`` (whose signals.parquet is D's signal history)

**Atomic**: nothing visible changes until the swap; a failure in any stage removes the temp folder
and leaves the previous results of D (and of every other day) as they were, and records the attempt
as ``failed`` in ``runs``. **Idempotent**: the same warehouse and rules give the same result files
(rows sorted by key), hence byte-identical exports. **One at a time**: an OS file lock
(``fcntl.flock`` on ``<home>/run.lock``) refuses a second run with ``RunInProgress``.

Fault injection (tests, drills): ``YUANWEI_FAIL_STAGE=<stage>`` or ``run_day(..., fail_stage=…)``
makes the run fail at the end of that stage, before anything is published.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import gc
import hashlib
import json
import os
import shutil
import socket
import time
import uuid
from pathlib import Path
from zoneinfo import ZoneInfo

import ibis
import pyarrow as pa
import pyarrow.parquet as pq

from yuanwei.contract.schema import TABLES, TIMEZONE
from yuanwei.engine.features import compute_features
from yuanwei.engine.signals import Context, compute_signals
from yuanwei.engine.state import STAMPED, find_previous, reference_stamp, write_state
from yuanwei.engine.state import manifest as state_manifest
from yuanwei.errors import RunInProgress, UsageError
from yuanwei.paths import Home
from yuanwei.results import (DEC6, HISTORY_PARTS, MONEY, REFERENCE_TABLES, RESULT_TABLES, WINDOWS, run_dir_name,
                             sorted_by, window_start)

STAGES = ("config", "backend", "features", "signals", "tasks", "write", "record")
STAGE_LABELS = {
    "config": "规则配置 / rules configuration",
    "backend": "打开数据仓库 / open the warehouse",
    "features": "客户画像 / features",
    "signals": "维护信号 / signals",
    "tasks": "任务生成 / tasks",
    "write": "写入结果 / write results",
    "record": "记录与发布 / record and swap",
}
FAIL_STAGE_ENV = "YUANWEI_FAIL_STAGE"
MANIFEST = "_run.json"
FLOW_DAYS = WINDOWS["flows"][1]         # flows: transactions of D-90 … D-1
BALANCE_DAYS = WINDOWS["balances"][1]   # balances: snapshots of D-365 … D-1
MAX_PARTS = 32   # a carried run links at most this many parts of a history file, else writes it whole

# Sort keys of every result file: the same data gives the same bytes.
SORT_KEYS: dict[str, tuple[str, ...]] = {
    "profiles": ("customer_id",),
    "signals": ("customer_id", "rule", "due_date", "evidence"),
    "tasks": ("staff_id", "rank", "customer_id"),
    "excluded": ("customer_id", "rule", "staff_id", "reason_code"),
    "holdings": ("holding_id",),
    "flows": ("customer_id", "booked_at", "txn_id"),
    "balances": ("customer_id", "as_of"),
}

_ARROW = {"id": pa.string(), "str": pa.string(), "enum": pa.string(), "date": pa.date32(),
          "timestamp": pa.timestamp("us"), "money": MONEY, "decimal": DEC6, "int": pa.int64(),
          "float": pa.float64(), "bool": pa.bool_()}


class StageFailed(RuntimeError):
    """A stage of the daily run failed; the previous results are untouched."""

    def __init__(self, stage: str, cause: BaseException):
        super().__init__(f"daily run failed at stage '{stage}': {type(cause).__name__}: {cause} / "
                         f"批处理在「{STAGE_LABELS.get(stage, stage)}」阶段失败，原结果未改动")
        self.stage = stage
        self.cause = cause


def contract_schema(name: str) -> pa.Schema:
    """The Arrow schema of a contract table as written to a run's reference files."""
    return pa.schema([(c.name, _ARROW[c.kind]) for c in TABLES[name].columns])


def _now() -> dt.datetime:
    """Asia/Shanghai wall clock, naive (as every warehouse timestamp)."""
    return dt.datetime.now(ZoneInfo(TIMEZONE)).replace(tzinfo=None)


# -------------------------------------------------------------------------------------- the lock

@contextlib.contextmanager
def run_lock(home: Home, day: dt.date):
    """Hold ``<home>/run.lock`` for the whole run; refuse with RunInProgress when someone else does."""
    home.root.mkdir(parents=True, exist_ok=True)
    fd = os.open(home.run_lock, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RunInProgress(_holder_message(home)) from None
        holder = {"pid": os.getpid(), "host": socket.gethostname(), "date": day.isoformat(),
                  "started_at": _now().isoformat(sep=" ", timespec="seconds")}
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(holder).encode(), 0)
        try:
            yield holder
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _holder_message(home: Home) -> str:
    try:
        holder = json.loads(home.run_lock.read_text() or "{}")
    except (OSError, ValueError):
        holder = {}
    return (f"另一个批处理正在运行 / another run is in progress: pid {holder.get('pid', '?')}"
            f" on {holder.get('host', '?')}, date {holder.get('date', '?')}, "
            f"started {holder.get('started_at', '?')} (lock {home.run_lock})")


# ------------------------------------------------------------------------------------ the stages

def _load_rules(home: Home):
    from yuanwei.engine.rules import load_rules

    return load_rules(home.rules_file if home.rules_file.exists() else None)


def _tasks_stage():
    try:
        from yuanwei.engine.tasks import build_tasks
    except ImportError:  # the tasks stage is optional until it lands
        return None
    return build_tasks


def _conform(table: pa.Table, schema: pa.Schema, what: str) -> pa.Table:
    missing = [n for n in schema.names if n not in table.column_names]
    if missing:
        raise ValueError(f"{what}: result lacks columns {missing} (results.RESULT_TABLES['{what}'])")
    return table.select(schema.names).cast(schema)


def _holdings_expr(t: dict[str, ibis.Table]) -> ibis.Table:
    """Holdings with product facts, the latest nav ≤ D−1, market value and gain."""
    h, p, nav = t["holdings"], t["products"], t["nav"]
    latest_day = nav.group_by("product_id").aggregate(latest_as_of=nav.as_of.max())
    latest = latest_day.join(nav, [latest_day.product_id == nav.product_id,
                                   latest_day.latest_as_of == nav.as_of])
    latest = latest.select(product_id=latest_day.product_id, latest_nav=nav.nav)
    j = h.left_join(p, h.product_id == p.product_id).left_join(latest, h.product_id == latest.product_id)
    valued = (j.units.notnull() & j.latest_nav.notnull())
    market_value = ibis.ifelse(valued, (j.units * j.latest_nav).round(2).cast("decimal(18,2)"), j.amount)
    return j.select(
        holding_id=h.holding_id, customer_id=h.customer_id, product_id=h.product_id,
        product_name=p["name"], category=p.category, risk_rating=p.risk_rating, amount=h.amount,
        bought_on=h.bought_on, matures_on=h.matures_on, units=h.units, cost_nav=h.cost_nav,
        latest_nav=j.latest_nav, market_value=market_value,
    ).mutate(gain=lambda r: (r.market_value - r.amount).cast("decimal(18,2)"))


def _flows_expr(t, day: dt.date, since: dt.date | None = None) -> ibis.Table:
    """Transactions of ``since`` (default D−FLOW_DAYS) … D−1."""
    x = t["transactions"]
    x = x.filter(x.booked_at_day >= ibis.literal(since or day - dt.timedelta(days=FLOW_DAYS)))
    return x.select(*RESULT_TABLES["flows"].names)


def _balances_expr(t, day: dt.date, since: dt.date | None = None) -> ibis.Table:
    """Snapshots of ``since`` (default D−BALANCE_DAYS) … D−1."""
    b = t["balances"]
    b = b.filter(b.as_of >= ibis.literal(since or day - dt.timedelta(days=BALANCE_DAYS)))
    return b.select(*RESULT_TABLES["balances"].names)


def _contacts_expr(t, day: dt.date, since: dt.date) -> ibis.Table:
    """The contacts of the days ``since`` … D−1 (a carried run's new part of the contacts file)."""
    c = t["contacts"]
    return c.filter(c.at_day >= since).select(*contract_schema("contacts").names)


def _sha256(path: Path) -> str:
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def _write_parquet(table: pa.Table, path: Path) -> dict:
    pq.write_table(table, path, compression="zstd")
    return {"rows": table.num_rows, "sha256": _sha256(path)}


def _expr_to_arrow(expr: ibis.Table, schema: pa.Schema, what: str) -> pa.Table:
    # other Ibis backends: Arrow batches, each conformed to the schema
    reader = expr.to_pyarrow_batches(chunk_size=500_000)
    batches = [_conform(pa.Table.from_batches([b]), schema, what) for b in reader]
    table = pa.concat_tables(batches) if batches else schema.empty_table()
    return table


def _reference_keys(name: str) -> tuple[str, ...]:
    return TABLES[name].key


def _check_fail(stage: str, fail_stage: str | None) -> None:
    if fail_stage == stage:
        raise RuntimeError(f"injected failure at stage '{stage}' ({FAIL_STAGE_ENV}) / 注入的故障")


class _Display:
    """A rich progress line per stage (on stderr), or nothing."""

    def __init__(self, enabled: bool, day: dt.date, backend: str):
        self.enabled = enabled
        self.progress = None
        if enabled:
            from rich.console import Console
            from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

            self.progress = Progress(SpinnerColumn(), TextColumn("{task.description}"),
                                     TimeElapsedColumn(), console=Console(stderr=True), transient=False)
            self.title = f"远维每日批处理 / daily run {day.isoformat()} ({backend})"

    def __enter__(self):
        if self.progress:
            self.progress.__enter__()
            self.progress.console.print(self.title)
        return self

    def __exit__(self, *exc):
        if self.progress:
            self.progress.__exit__(*exc)

    @contextlib.contextmanager
    def stage(self, name: str, seconds: dict):
        task = self.progress.add_task(STAGE_LABELS[name], total=1) if self.progress else None
        start = time.perf_counter()
        try:
            yield
        finally:
            seconds[name] = round(time.perf_counter() - start, 3)
            if task is not None:
                self.progress.update(task, completed=1)


# ---------------------------------------------------------------------------------- the run

def run_day(home: Home, day: dt.date, backend: str = "duckdb", full: bool = False,
            progress: bool = True, fail_stage: str | None = None, spark_master: str | None = None) -> dict:
    """Run the day D; returns the summary (see :func:`format_summary`).

    Raises RunInProgress when another run holds the lock, UsageError for unusable input and
    StageFailed (with the stage and the cause) when a stage fails; then nothing was published.
    """
    from yuanwei.warehouse import backends

    fail_stage = fail_stage or os.environ.get(FAIL_STAGE_ENV) or None
    if fail_stage is not None and fail_stage not in STAGES:
        raise UsageError(f"{FAIL_STAGE_ENV}={fail_stage}: not a stage ({', '.join(STAGES)})")
    if backend not in backends.BACKENDS:
        raise UsageError(f"unknown backend '{backend}' (duckdb or spark) / 未知计算引擎 '{backend}'")
    home.ensure()
    # The run allocates millions of short-lived Python objects (result rows) and no cycles that
    # matter: the cyclic collector would rescan them again and again (≈10% of a 1M-customer run).
    gc_was_enabled = gc.isenabled()
    gc.disable()
    pool = pa.default_memory_pool()
    pa.set_memory_pool(run_memory_pool())
    try:
        return _run_locked(home, day, backend, full, progress, fail_stage, spark_master)
    finally:
        pa.set_memory_pool(pool)   # buffers keep the pool they came from: switching back is safe
        if gc_was_enabled:
            gc.enable()
        gc.collect()


def run_memory_pool() -> pa.MemoryPool:
    """Arrow's allocator for a run: the system's (malloc) unless ``ARROW_DEFAULT_MEMORY_POOL``
    names one. With pyarrow's default (mimalloc) a next-day run at 1M customers spent ~5 s of CPU
    in the kernel (1.2M page faults: memory handed back to the OS and touched again), with the
    system's ~3.3 s; the run took 0.9 s less (four runs alternated, docs/daily-run.md)."""
    if os.environ.get("ARROW_DEFAULT_MEMORY_POOL"):
        return pa.default_memory_pool()
    return pa.system_memory_pool()


def _run_locked(home: Home, day: dt.date, backend: str, full: bool, progress: bool, fail_stage: str | None,
                spark_master: str | None) -> dict:
    from yuanwei.warehouse import backends

    with run_lock(home, day) as holder:
        _recover(home)
        run_id = f"{day.isoformat()}-{uuid.uuid4().hex[:12]}"
        record: dict = {"run_id": run_id, "date": day, "backend": backend, "full": bool(full),
                        "status": "running", "started_at": _now(), "pid": holder["pid"],
                        "host": holder["host"]}
        final = home.runs_dir / run_dir_name(day)
        tmp = home.runs_dir / f".{run_dir_name(day)}.tmp-{run_id}"
        seconds: dict[str, float] = {}
        stage = "config"
        handle = None
        copying: _CopiedInBackground | None = None
        earlier: _Background | None = None
        saving: _Background | None = None
        writing: _Background | None = None
        try:
            with _Display(progress, day, backend) as display:
                with display.stage("config", seconds):
                    cfg = _load_rules(home)
                    record["rules_version"], record["rules_hash"] = str(cfg.version), str(cfg.hash)
                    _check_fail(stage, fail_stage)

                stage = "backend"
                with display.stage("backend", seconds):
                    marks, stamps = _watermarks(home, day, own_lake=_own_lake(home, backend))
                    record.update(marks)
                    handle, raw = backends.open_tables(home, backend, spark_master)
                    _preload_later_stages()
                    # what the tasks stage reads of the previous run's files, read meanwhile
                    earlier = _Background(_read_earlier_run, home, day, name="yuanwei-earlier")
                    tables = backends.as_of(raw, day)
                    # the previous run's state, when it can be carried (engine.state); else built
                    previous, record["state"] = ((None, "full run requested / 指定全量") if full
                                                 else find_previous(home.runs_dir, day, cfg, stamps))
                    _check_fail(stage, fail_stage)

                # one context for features and signals: the run state (balances window, flow
                # sums) and what derives from it are computed once per run
                ctx = Context(tables, day, cfg, previous=previous)
                stage = "features"
                with display.stage("features", seconds):
                    profiles = _conform(compute_features(tables, day, cfg, ctx=ctx),
                                        RESULT_TABLES["profiles"], "profiles")
                    # the state for the next run, written meanwhile; carried only when its data is stamped
                    _prepare_tmp(tmp)
                    states = {name: t.to_pyarrow() for name, t in ctx.states().items()}
                    meta = state_manifest(cfg, day, stamps) if stamps else None
                    saving = _Background(write_state, tmp, states, meta)
                    del states
                    _check_fail(stage, fail_stage)

                stage = "signals"
                with display.stage("signals", seconds):
                    signals = _conform(compute_signals(tables, day, cfg, ctx=ctx), RESULT_TABLES["signals"],
                                       "signals")
                    ctx.release()
                    _check_fail(stage, fail_stage)

                # the files that copy warehouse data depend on neither signals nor tasks: on DuckDB
                # they are written meanwhile by a second connection, beside the tasks stage, whose
                # Python leaves a core idle (the "write" stage then waits for what is left). Not
                # beside the signals' queries, which use both cores: at 1M customers that slowed
                # the signals by a third and the run as a whole (measured: 52.0–52.7 s against
                # 50.4–51.2 s).
                if backend == "duckdb":
                    copying = _CopiedInBackground(handle, tmp, tables, day, previous, stamps)
                stage = "tasks"
                results: dict[str, pa.Table] = {"profiles": profiles, "signals": signals}
                # their files are written meanwhile (Parquet's writer releases the GIL)
                writing = _Background(_write_results, tmp, dict(results))
                with display.stage("tasks", seconds):
                    build_tasks = _tasks_stage()
                    if build_tasks is not None:
                        tasks, excluded = build_tasks(tables, day, signals, profiles, home,
                                                      earlier=earlier.result())
                        results["tasks"] = _conform(tasks, RESULT_TABLES["tasks"], "tasks")
                        results["excluded"] = _conform(excluded, RESULT_TABLES["excluded"], "excluded")
                    _check_fail(stage, fail_stage)

                stage = "write"
                with display.stage("write", seconds):
                    files = writing.result()
                    files.update(_write_results(tmp, {k: v for k, v in results.items() if k not in files}))
                    files.update(saving.result())
                    if copying is not None:
                        copying.widen()   # nothing else runs now: the copy gets every core back
                        files.update(copying.result())
                    else:
                        files.update(_write_copied(tmp, tables, day))
                    backends.close(handle)
                    handle = None
                    _check_fail(stage, fail_stage)

                stage = "record"
                with display.stage("record", seconds):
                    record.update(_counts(results, files))
                    record["stage_seconds"] = seconds
                    manifest = _manifest(record, files)
                    (tmp / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1,
                                                           sort_keys=True, default=str), encoding="utf-8")
                    previous = _read_manifest(final)
                    _commit(home, record, tmp, final, fail_stage)
        except BaseException as exc:
            for writer in (copying, saving, writing, earlier):
                if writer is not None:
                    writer.wait()   # the writers must be done with tmp before it is removed
            if handle is not None:
                with contextlib.suppress(Exception):
                    backends.close(handle)
            shutil.rmtree(tmp, ignore_errors=True)
            record.update(status="failed", finished_at=_now(), stage_seconds=seconds,
                          error=f"{stage}: {type(exc).__name__}: {exc}")
            _record_failure(home, record)
            if isinstance(exc, (UsageError, KeyboardInterrupt)):
                raise
            raise StageFailed(stage, exc) from exc

    return _summary(record, files, previous, final)


# What the later stages import on first use and the run's own imports do not: pandas (Ibis turns
# results to Arrow through it), Ibis' result conversion and the tasks stage. Cold, ~2.4 s of the
# main thread at 1M (py-spy), ~3 s by -X importtime after importing this module.
LATER_IMPORTS = ("pandas", "ibis.backends.duckdb.converter", "yuanwei.engine.tasks")


def _preload_later_stages() -> None:
    """Import ``LATER_IMPORTS`` in a thread, once the backend is open: the first stages keep the
    backend busy outside the GIL meanwhile, so the imports no longer add to the run's time.
    Best effort: a module that fails to import here fails again, with its error, where it is used."""
    import importlib
    import sys
    import threading

    wanted = [m for m in LATER_IMPORTS if m not in sys.modules]
    if not wanted:
        return

    def load() -> None:
        for name in wanted:
            with contextlib.suppress(Exception):
                importlib.import_module(name)

    threading.Thread(target=load, name="yuanwei-imports", daemon=True).start()


def _read_earlier_run(home: Home, day: dt.date):
    """The previous run's files the tasks stage carries over from (``tasks.read_earlier_run``),
    read beside the features and signals: files only, ~1 s at 1M customers."""
    from yuanwei.engine.tasks import read_earlier_run

    return read_earlier_run(home, day, prefetch=True)


def _watermarks(home: Home, day: dt.date, own_lake: bool = False) -> tuple[dict, dict | None]:
    """What the run saw: the latest data ≤ D−1 and the latest load (from the DuckDB warehouse),
    and the warehouse's content stamps (``warehouse.stamps``) — None when there are none, when
    their row counts disagree with the tables (written around ingest) or when Spark reads a
    lake of the bank's own, which the warehouse's stamps do not describe."""
    from yuanwei.engine.record import watermarks
    from yuanwei.warehouse import stamps as content
    from yuanwei.warehouse.db import connect

    if not home.warehouse.exists():
        raise UsageError(f"no warehouse at {home.warehouse}; run `yuanwei ingest DIR` first / 仓库不存在，请先导入数据")
    con = connect(home.warehouse, read_only=True)
    try:
        last = day - dt.timedelta(days=1)
        marks = watermarks(con)
        # a date literal, not a bound parameter: binding makes duckdb import pandas (seconds)
        q = lambda sql: con.execute(sql.replace("?", f"DATE '{last.isoformat()}'")).fetchone()[0]  # noqa: E731
        # the as-of view is what the run used; a later extract shows up as a higher mark on rerun
        marks["max_booked_at_day"] = q("SELECT max(booked_at_day) FROM transactions WHERE booked_at_day <= ?")
        marks["max_balance_as_of"] = q("SELECT max(as_of) FROM balances WHERE as_of <= ?")
        marks["max_contact_at"] = q('SELECT max("at") FROM contacts WHERE at_day <= ?')
        stamps = None if own_lake else content.read_stamps(con)
        if stamps and not all(content.counts_agree(con, t, stamps[t]) for t in STAMPED):
            stamps = None
        return marks, stamps or None
    finally:
        con.close()


def _own_lake(home: Home, backend: str) -> bool:
    """Spark reading tables of the bank's own lake (spark.yaml ``lake``), not exported from the warehouse."""
    if backend != "spark":
        return False
    from yuanwei.warehouse.backends import _lake_sources

    return bool(_lake_sources(home))


def _prepare_tmp(tmp: Path) -> None:
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)


def _copied_files(tables, day: dt.date) -> dict[str, tuple]:
    """The result files that copy warehouse data as of D−1 (holdings valued, recent flows and
    balances, the reference tables): name -> (expression, schema, sort keys)."""
    computed = {"holdings": (_holdings_expr(tables), RESULT_TABLES["holdings"], SORT_KEYS["holdings"]),
                # flows and balances are the big files: on DuckDB they keep the warehouse's insertion
                # order (deterministic for the same warehouse) instead of paying for a sort
                "flows": (_flows_expr(tables, day), RESULT_TABLES["flows"], None),
                "balances": (_balances_expr(tables, day), RESULT_TABLES["balances"], None)}
    for name in REFERENCE_TABLES:
        schema = contract_schema(name)
        computed[name] = (tables[name].select(*schema.names), schema, _reference_keys(name))
    return computed


def _write_results(tmp: Path, results: dict[str, pa.Table]) -> dict[str, dict]:
    """The computed results (profiles, signals, tasks, excluded), sorted by their keys."""
    return {name: _write_parquet(sorted_by(table, SORT_KEYS[name]), tmp / f"{name}.parquet")
            for name, table in results.items()}


def _write_copied(tmp: Path, tables, day: dt.date, con=None, previous=None, stamps=None) -> dict[str, dict]:
    """The copied files (``_copied_files``). Carried from the run of ``previous`` (DuckDB's
    background writer, ``con``): the history files as parts (``_write_history_parts``) and the
    reference tables whose content is unchanged hard-linked (``_link_unchanged``)."""
    files = {}
    carrying = previous is not None and con is not None
    for name, (expr, schema, keys) in _copied_files(tables, day).items():
        path = tmp / f"{name}.parquet"
        carried = None
        if carrying and name in HISTORY_PARTS:
            carried = _write_history_parts(tables, day, previous, name, schema, path, con)
        elif carrying and stamps:
            carried = _link_unchanged(previous, name, path, stamps, con)
        files[name] = carried or _write_expr(expr, schema, keys, path, name, con=con)
    return files


def _link_unchanged(previous, name: str, path: Path, stamps: dict, con) -> dict | None:
    """The earlier run's file of a reference table stamped whole (no as-of column) whose content
    is the same now as that run recorded (``engine.state.reference_stamps``; the row count checked
    against the table, as the run's own stamps are), hard-linked: the same rows, written by that
    run in the warehouse's order of then. None when it cannot be: then it is written."""
    from yuanwei.warehouse.stamps import counts_agree

    then = previous.reference.get(name)
    source = previous.folder / f"{name}.parquet"
    now = stamps.get(name)
    if then is None or not now or not source.is_file() or reference_stamp(now) != then:
        return None
    if not counts_agree(con, name, now):
        return None
    try:
        os.link(source, path)
    except OSError:   # another file system: a copy
        shutil.copy2(source, path)
    return {"rows": pq.ParquetFile(path).metadata.num_rows, "sha256": _sha256(path)}


# ------------------------------------------------------------------- history files carried forward

def _parts_of(folder: Path, name: str) -> list[Path]:
    """The parts of an earlier run's history file: its folder's parts, or the one file."""
    path = folder / f"{name}.parquet"
    if path.is_dir():
        return sorted(path.glob("part-*.parquet"))
    return [path] if path.is_file() else []


def _last_day(path: Path, column: str) -> dt.date | None:
    """The latest day in a part (Parquet statistics), or None when they do not say."""
    meta = pq.ParquetFile(path).metadata
    i = meta.schema.to_arrow_schema().get_field_index(column)
    latest = None
    for g in range(meta.num_row_groups):
        stats = meta.row_group(g).column(i).statistics
        if stats is None or not stats.has_min_max:
            return None
        value = stats.max
        value = value.date() if isinstance(value, dt.datetime) else value
        latest = value if latest is None or value > latest else latest
    return latest


def _write_history_parts(tables, day: dt.date, previous, name: str, schema: pa.Schema, path: Path,
                         con) -> dict | None:
    """The history file (flows, balances) of a run carried from the run of D0 (``previous``, whose
    data of every day ≤ D0−1 is unchanged: the state's stamps say so): a folder of parts, the earlier
    run's parts that still reach into the window hard-linked (no copy), and one part with the days
    D0 … D−1. None when the earlier run has no such file, or too many parts: then it is written whole.
    Readers keep the rows inside the window (``results.in_window``)."""
    parts = _parts_of(previous.folder, name)
    if not parts or len(parts) >= MAX_PARTS:
        return None
    keep = parts
    if name in WINDOWS:   # the parts wholly before the window are left behind
        column, start = WINDOWS[name][0], window_start(name, day)
        keep = [f for f in parts if (last := _last_day(f, column)) is None or last >= start]
    path.mkdir()
    for f in keep:
        # a whole file of an earlier run becomes the part named after that run's date
        target = path / (f.name if f.parent.name == path.name else f"part-{previous.day.isoformat()}.parquet")
        try:
            os.link(f, target)
        except OSError:   # another file system: a copy
            shutil.copy2(f, target)
    # the days D0 … D−1 (the tables end at D−1)
    new = {"flows": _flows_expr, "balances": _balances_expr, "contacts": _contacts_expr}[name](
        tables, day, since=previous.day)
    _write_expr(new, schema, None, path / f"part-{day.isoformat()}.parquet", name, con=con)
    found = sorted(path.glob("part-*.parquet"))
    digest = hashlib.sha256("\n".join(f"{f.name}:{_sha256(f)}" for f in found).encode()).hexdigest()
    return {"rows": sum(pq.ParquetFile(f).metadata.num_rows for f in found), "sha256": digest,
            "parts": len(found)}


BACKGROUND_NICE = 10   # the writers' threads, niced: the run waits on its main thread


def _yield_to_main_thread() -> None:
    """Lower the calling thread's scheduling priority (Linux: a thread's own nice value). The
    writers run beside the main thread, which every stage waits on; with three threads on two
    cores the main one got ~2/3 of a core. Niced, it keeps a core and the writers share the
    other. Best effort: nothing changes where the OS does not allow it."""
    import threading

    with contextlib.suppress(AttributeError, OSError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), BACKGROUND_NICE)


class _Background:
    """``fn(*args)`` in a thread (pyarrow's Parquet writer releases the GIL), niced
    (``_yield_to_main_thread``); ``result()`` waits and returns what it returned, or raises what
    it raised."""

    def __init__(self, fn, *args, name: str = "yuanwei-state"):
        import threading

        self._out = None
        self._error: BaseException | None = None

        def work():
            try:
                _yield_to_main_thread()
                self._out = fn(*args)
            except BaseException as exc:  # noqa: BLE001 - handed to the main thread
                self._error = exc

        self._thread = threading.Thread(target=work, name=name, daemon=True)
        self._thread.start()

    def result(self):
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._out

    def wait(self) -> None:
        self._thread.join()


COPY_MEMORY_LIMIT = "600MB"   # DuckDB's ceiling while it writes the copied files beside signals and tasks


class _CopiedInBackground(_Background):
    """On DuckDB, the copied files are written by a second connection in a thread while the tasks
    stage (Python, one core) runs: DuckDB's COPY releases the GIL, so the two overlap. DuckDB
    is held to one thread less than the machine's cores meanwhile, so the Python stages keep a
    core of their own. ``result()`` waits and returns the files, or raises what the thread raised."""

    def __init__(self, handle, tmp: Path, tables, day: dt.date, previous=None, stamps=None):
        from yuanwei.warehouse.backends import run_memory_limit

        self._main = handle.con
        self._con = handle.con.cursor()   # a connection of its own to the same database
        self._threads = self._con.execute("SELECT current_setting('threads')").fetchone()[0]
        self._memory = run_memory_limit()
        self._con.execute(f"SET threads = {max(1, int(self._threads) - 1)}")
        # a streamed COPY needs little: the memory stays with the Python stages it overlaps
        self._con.execute(f"SET memory_limit = '{COPY_MEMORY_LIMIT}'")
        super().__init__(self._work, tmp, tables, day, previous, stamps, name="yuanwei-write")

    def _work(self, tmp, tables, day, previous, stamps) -> dict[str, dict]:
        try:
            return _write_copied(tmp, tables, day, con=self._con, previous=previous, stamps=stamps)
        finally:
            with contextlib.suppress(Exception):
                self._con.execute(f"SET threads = {int(self._threads)}")
                self._con.execute(f"SET memory_limit = '{self._memory}'")
            with contextlib.suppress(Exception):
                self._con.close()

    def widen(self) -> None:
        """Give DuckDB its threads back while the copy is still running (the run only waits for it
        now). ``threads`` is a setting of the database, not of one connection: the main
        connection sets it, the copy's statements scheduled from then on use them."""
        if self._thread.is_alive():
            with contextlib.suppress(Exception):
                self._main.execute(f"SET threads = {int(self._threads)}")

    def result(self) -> dict[str, dict]:
        return super().result() or {}


def _write_expr(expr: ibis.Table, schema: pa.Schema, keys, path: Path, what: str, con=None) -> dict:
    """Write a backend expression as Parquet with exactly ``schema``.

    DuckDB writes the file itself (COPY … TO, streamed, parallel, nothing held in Python; on
    ``con`` when given, a second connection of the background writer); Spark returns Arrow to the
    driver (:func:`_spark_to_parquet`) and the rows are sorted here by the full key, so the file is
    the same data whichever backend computed it.
    """
    backend = expr._find_backend()
    if backend.name == "duckdb":
        typed = expr.select(*schema.names).cast(ibis.Schema.from_pyarrow(schema))
        # reference tables keep the warehouse's order on DuckDB (the same for the same warehouse;
        # the publisher matches rows by key): sorting 4M contacts cost 2 s of the run at 1M
        if keys and what not in REFERENCE_TABLES:
            typed = typed.order_by(*keys)
        if con is None:
            backend.to_parquet(typed, path, compression="zstd")
        else:
            con.execute(f"COPY ({backend.compile(typed)}) TO '{path}' (FORMAT 'parquet', COMPRESSION 'zstd')")
        return {"rows": pq.ParquetFile(path).metadata.num_rows, "sha256": _sha256(path)}
    if backend.name == "pyspark":
        return _spark_to_parquet(backend, expr, schema, keys or SORT_KEYS[what], path, what)
    table = _expr_to_arrow(expr, schema, what)
    return _write_parquet(sorted_by(table, keys or SORT_KEYS[what]), path)


SPARK_CHUNK_ROWS = 4_000_000   # the most rows a Spark result brings to the driver at once


def _spark_to_parquet(backend, expr: ibis.Table, schema: pa.Schema, keys, path: Path, what: str) -> dict:
    """A Spark result as one Parquet file, through the driver in chunks of at most
    ``SPARK_CHUNK_ROWS`` rows: one collect of 60M balances would pass Spark's
    ``spark.driver.maxResultSize`` (1 GiB by default) and the driver's memory at 1M customers.
    Chunks are buckets of a hash of the first key, each sorted by the full key and written as
    row groups in bucket order: the same data gives the same file. DataFrame.toArrow (PySpark 4)
    collects Arrow batches; Ibis' own path goes through pandas."""
    from pyspark import StorageLevel
    from pyspark.sql import functions as F

    df = backend._session.sql(backend.compile(expr.select(*schema.names)))
    df = df.persist(StorageLevel.MEMORY_AND_DISK)   # counted, then read once per chunk
    try:
        rows = df.count()
        chunks = max(1, -(-rows // SPARK_CHUNK_ROWS))
        if chunks == 1:
            return _write_parquet(sorted_by(_conform(df.toArrow(), schema, what), keys), path)
        bucket = F.pmod(F.xxhash64(F.col(keys[0])), F.lit(chunks))
        with pq.ParquetWriter(path, schema, compression="zstd") as writer:
            for i in range(chunks):
                writer.write_table(sorted_by(_conform(df.where(bucket == i).toArrow(), schema, what), keys))
    finally:
        df.unpersist()
    return {"rows": rows, "sha256": _sha256(path)}


def _counts(results: dict[str, pa.Table], files: dict[str, dict]) -> dict:
    signals = results["signals"]
    per_rule: dict[str, int] = {}
    for rule in signals.column("rule").to_pylist():
        per_rule[rule] = per_rule.get(rule, 0) + 1
    return {
        "signals": signals.num_rows,
        "customers_touched": len(set(signals.column("customer_id").to_pylist())),
        "tasks": results["tasks"].num_rows if "tasks" in results else None,
        "excluded": results["excluded"].num_rows if "excluded" in results else None,
        "signals_per_rule": dict(sorted(per_rule.items())),
        "row_counts": {k: v["rows"] for k, v in sorted(files.items())},
    }


def _manifest(record: dict, files: dict[str, dict]) -> dict:
    keep = ("run_id", "date", "backend", "full", "rules_version", "rules_hash", "max_booked_at_day",
            "max_balance_as_of", "max_contact_at", "latest_load_id", "started_at")
    return {**{k: record.get(k) for k in keep}, "files": files}


def _read_manifest(folder: Path) -> dict | None:
    try:
        return json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _commit(home: Home, record: dict, tmp: Path, final: Path, fail_stage) -> None:
    """One warehouse transaction (the ``runs`` row), the folder swap inside it."""
    from yuanwei.engine.record import ensure_record_tables, insert_run
    from yuanwei.warehouse.db import connect

    con = connect(home.warehouse)
    try:
        # the checkpoint on close would also compact what ingest deleted (up to 100 row groups a
        # time: ~6 s after a 1M-customer load); that is ingest's to do, not the run's record
        con.execute("SET max_vacuum_tasks = 0")
        ensure_record_tables(con)
        con.execute("BEGIN TRANSACTION")
        try:
            record.update(status="ok", finished_at=_now(), error=None)
            insert_run(con, record)
            _check_fail("record", fail_stage)
            old = _swap_in(tmp, final)
            try:
                con.execute("COMMIT")
            except BaseException:
                _swap_back(final, old)
                raise
        except BaseException:
            with contextlib.suppress(Exception):
                con.execute("ROLLBACK")
            record["status"] = "failed"
            raise
    finally:
        con.close()
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _swap_in(tmp: Path, final: Path) -> Path | None:
    """Rename tmp to final; the previous final is kept beside until the caller drops it."""
    old = None
    if final.exists():
        old = final.with_name(f".{final.name}.old-{tmp.name.rsplit('-', 1)[-1]}")
        os.replace(final, old)
    os.replace(tmp, final)
    return old


def _swap_back(final: Path, old: Path | None) -> None:
    shutil.rmtree(final, ignore_errors=True)
    if old is not None:
        os.replace(old, final)


def _recover(home: Home) -> None:
    """Tidy what a killed run left behind (we hold the lock, so no run is in progress).

    A kill between the two renames of the swap leaves ``runs/.D.old-…`` without ``runs/D``: the old
    results are put back. Leftover temp folders are removed.
    """
    for path in sorted(home.runs_dir.glob(".*.old-*")):
        final = home.runs_dir / path.name[1:].split(".old-", 1)[0]
        if final.exists():
            shutil.rmtree(path, ignore_errors=True)
        else:
            os.replace(path, final)
    for path in home.runs_dir.glob(".*.tmp-*"):
        shutil.rmtree(path, ignore_errors=True)


def _record_failure(home: Home, record: dict) -> None:
    """Best effort: a failed attempt is recorded too (never hides the original error)."""
    from yuanwei.engine.record import insert_run
    from yuanwei.warehouse.db import connect

    if not home.warehouse.exists():
        return
    with contextlib.suppress(Exception):
        con = connect(home.warehouse)
        try:
            insert_run(con, record)
        finally:
            con.close()


def _summary(record: dict, files: dict, previous: dict | None, final: Path) -> dict:
    before = (previous or {}).get("files", {})
    changed = sorted(n for n, f in files.items() if before.get(n, {}).get("sha256") != f["sha256"])
    keep = ("run_id", "date", "backend", "full", "state", "status", "rules_version", "rules_hash", "signals",
            "customers_touched", "tasks", "excluded", "signals_per_rule", "stage_seconds", "row_counts",
            "max_booked_at_day", "max_balance_as_of", "max_contact_at", "latest_load_id",
            "started_at", "finished_at")
    summary = {k: record.get(k) for k in keep}
    summary["run_dir"] = str(final)
    summary["changed"] = changed   # result files whose bytes differ from the previous run of D
    summary["total_seconds"] = round(sum(record.get("stage_seconds", {}).values()), 3)
    return summary


def format_summary(summary: dict) -> str:
    """The closing summary, Chinese first then English: signals per rule, customers, time per stage."""
    lines = [f"批处理完成 / run done: {summary['date']} ({summary['backend']}, 规则 rules "
             f"{summary.get('rules_version')} #{str(summary.get('rules_hash'))[:8]}) — run {summary['run_id']}"]
    lines.append(f"维护信号 / signals: {summary['signals']:,}，涉及客户 / customers touched: "
                 f"{summary['customers_touched']:,}")
    for rule, n in sorted(summary.get("signals_per_rule", {}).items(), key=lambda kv: (-kv[1], kv[0])):
        lines.append(f"  {rule:<26} {n:>9,}")
    if summary.get("tasks") is not None:
        lines.append(f"任务 / tasks: {summary['tasks']:,}，未成任务 / excluded: {summary['excluded']:,}")
    else:
        lines.append("任务 / tasks: 任务阶段尚未提供 / the tasks stage is not available yet")
    stages = "，".join(f"{STAGE_LABELS[s].split(' / ')[0]} {sec:.1f}s"
                      for s, sec in summary.get("stage_seconds", {}).items())
    lines.append(f"用时 / time: {summary['total_seconds']:.1f}s（{stages}）")
    marks = (f"数据截至 / data up to: 流水 transactions {summary.get('max_booked_at_day')}，"
             f"余额 balances {summary.get('max_balance_as_of')}，联系 contacts {summary.get('max_contact_at')}")
    lines.append(marks)
    if summary.get("state"):
        lines.append(f"状态 / state: {summary['state']}")
    lines.append(f"结果 / results: {summary['run_dir']}")
    return "\n".join(lines)
