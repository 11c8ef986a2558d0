"""The tasks stage of the daily run (DESIGN §5): from the day's signals to each RM's tasks.

signals (+ yesterday's tasks still due) → one candidate per customer → offers (eligibility and
suitability) → contact policy → propensity → score (urgency × value × propensity × levers) →
capacity and assignment → call window → tasks; every candidate left out becomes an ``excluded`` row
per rule with a reason_code and a zh-CN reason. See docs/tasks.md.

Policy facts, products on sale and maturing holdings are Ibis queries on the run's backend restricted
to the candidates; the per-candidate decisions are plain Python on that small set, so DuckDB and Spark
give identical tasks.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import ibis
import numpy as np
import orjson
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from yuanwei.contract.schema import FOUR_BASIC_PRODUCTS
from yuanwei.engine.signals.text import flat, json_text
from yuanwei.engine.tasks.arbitration import breakdown, parse_levers, read_levers, scores, value_of
from yuanwei.engine.tasks.capacity import OVER_CAPACITY, assign, capacities
from yuanwei.engine.tasks.config import TasksConfig, load_tasks_config
from yuanwei.engine.tasks.offers import (Catalogue, RuleOffer, Suitability, assessment_valid, elderly,
                                         lacking_services, maturing_holdings, offers_for_rule, products_on_sale)
from yuanwei.engine.tasks.policy import Block, marketing_block, phone_block, policy_facts
from yuanwei.engine.tasks.propensity import load_call_time, load_propensity
from yuanwei.engine.tasks.windows import default_window, restrict
from yuanwei.learning.interface import CallTime, Propensity
from yuanwei.paths import Home
from yuanwei.results import RESULT_TABLES, run_dir_name, run_offsets, sorted_by

__all__ = ["build_tasks", "read_earlier_run", "load_tasks_config", "TasksConfig"]

NO_PROFILE = Block("not_customer", "非当日客户")
# the profile columns the decisions read (only these come to Python, one tuple per candidate)
PROFILE_COLUMNS = ("customer_id", "branch_id", "remote_staff_id", "age", "persona", "familiarity", "tier",
                   "current", "risk_level", "risk_assessed_on", "marketing_consent", "do_not_call",
                   "do_not_disturb", *(f"has_{s}" for s in FOUR_BASIC_PRODUCTS))
CHANNEL = "phone"
SIGNAL_KEYS = ("customer_id", "rule", "due_date", "evidence")   # the order of a signals file


def levers_file(home: Home):
    """Where campaigns put their levers when none are passed: ``<home>/config/levers.csv``."""
    return home.config_dir / "levers.csv"


def _json(obj) -> str:
    """Canonical JSON (sorted keys, no spaces, UTF-8; dates through ``str``) by orjson, as the
    signals' evidence is (``signals.text.json_objects``): a day's tasks carry 10⁵ evidence lists.
    The same bytes as ``json.dumps(…, sort_keys=True, ensure_ascii=False, separators=(",", ":"))``
    but for floats in exponent form (2e-7, not 2e-07), which evidence does not hold."""
    return orjson.dumps(obj, default=str, option=orjson.OPT_SORT_KEYS | orjson.OPT_PASSTHROUGH_DATETIME).decode()


def _evidence(raw):
    try:
        return orjson.loads(raw) if isinstance(raw, str) else raw
    except ValueError:
        return raw


def _previous_run(home: Home | None, day: dt.date, cfg: TasksConfig):
    """(day, folder) of the latest run with tasks within ``carry_over_lookback_days`` before D."""
    if home is None or not cfg.capacity.carry_over:
        return None, None
    for k in range(1, cfg.capacity.carry_over_lookback_days + 1):
        d = day - dt.timedelta(days=k)
        folder = home.runs_dir / run_dir_name(d)
        if (folder / "tasks.parquet").exists():
            return d, folder
    return None, None


@dataclass
class EarlierRun:
    """What the carry-over reads of the previous run (``_previous_run``): files only, so the daily
    run reads them beside the features and signals (``read_earlier_run``, in a thread), and the
    tasks stage only matches them with the day's signals."""

    day: dt.date
    folder: Path
    key: tuple                       # the carry-over settings it was read with
    tasks: pa.Table | None = None    # its tasks: date, customer_id, staff_id, evidence, carried_over_from
    pairs: pa.Table | None = None    # (i, customer_id, rule): each task's rules
    ruleless: list[int] = field(default_factory=list)   # tasks without rules
    over: pa.Table | None = None     # its over-capacity signals still due on D (``_over_capacity_keys``)
    texts: _FileTexts | None = None  # those signals' evidence and explanation


def _carry_key(cfg: TasksConfig) -> tuple:
    return (cfg.capacity.carry_over, cfg.capacity.carry_over_lookback_days)


def read_earlier_run(home: Home | None, day: dt.date, cfg: TasksConfig | None = None,
                     prefetch: bool = False) -> EarlierRun | None:
    """The previous run's files the carry-over needs, or None when there is no previous run within
    the lookback (or carry-over is off). ``prefetch``: read its signals' texts now too (the run
    does, in a thread; otherwise they are read when a task first needs them)."""
    if cfg is None:
        cfg = load_tasks_config(home.rules_file if home is not None else None)
    prev_day, folder = _previous_run(home, day, cfg)
    if folder is None:
        return None
    earlier = EarlierRun(prev_day, folder, _carry_key(cfg))
    f = folder / "tasks.parquet"
    if f.exists():
        earlier.tasks = pq.read_table(f, columns=["date", "customer_id", "staff_id", "evidence", "carried_over_from",
                                                  "rules"])
        split = pc.split_pattern(earlier.tasks["rules"].combine_chunks(), ";")
        parent = pc.list_parent_indices(split)
        earlier.pairs = pa.table({"i": parent, "customer_id": earlier.tasks["customer_id"].combine_chunks().take(parent),
                                  "rule": pc.list_flatten(split)})
        earlier.ruleless = np.flatnonzero(pc.is_null(split).to_numpy(zero_copy_only=False)).tolist()
        earlier.tasks = earlier.tasks.drop_columns(["rules"])
    earlier.over = _over_capacity_keys(folder, day)
    if earlier.over is not None:
        earlier.texts = _FileTexts(folder / "signals.parquet")
        if prefetch:
            earlier.texts.load()
    return earlier


_READ = object()   # build_tasks' ``earlier`` not given: read here


def _carried_over(tables, home, day, cfg, today: pa.Table, profiles: pa.Table, earlier=_READ) -> list[dict]:
    """Entries (like signal rows) that roll over from the previous run while still valid: its tasks,
    and its candidates left out for capacity only (their signal rows from its signals file).
    Valid = not done (no contact of the customer from that run's day to D−1: ``_contacted_since``,
    from the day's ``profiles``), per rule the signal's
    due_date ≥ D, and not superseded: a rule that fires again for the customer in ``today`` (the
    day's signals) carries today's signal instead. Most of a large bank's are (the same customers
    stay idle or uncontacted), so they are left out before they come to Python. ``earlier``: the
    previous run's files as ``read_earlier_run`` read them (read here when not given, or when read
    with other carry-over settings)."""
    if earlier is _READ or (earlier is not None and earlier.key != _carry_key(cfg)):
        earlier = read_earlier_run(home, day, cfg)
    if earlier is None:
        return []
    prev_day = earlier.day
    out = []
    fired = _fired(today)
    previous = _not_all_fired_again(earlier, fired)
    again = _fired_again(fired, [r["customer_id"] for r in previous])
    for r in previous:
        entries = _evidence(r["evidence"])
        if not isinstance(entries, list):
            continue
        since = r.get("carried_over_from") or r["date"]
        for e in entries:
            try:
                due = dt.date.fromisoformat(e["due_date"])
            except (KeyError, TypeError, ValueError):
                continue
            if (r["customer_id"], e.get("rule")) in again:
                continue
            out.append({"customer_id": r["customer_id"], "rule": e["rule"], "urgency": e.get("urgency", 1),
                        "due_date": due, "evidence": _json(e.get("evidence")),
                        "explanation": e.get("explanation", ""), "carried_from": since,
                        "prev_staff_id": r["staff_id"]})
    out += _over_capacity_signals(earlier, fired)
    out = [e for e in out if e["due_date"] >= day]
    if not out:
        return []
    done = _contacted_since(tables, profiles, day, prev_day, sorted({e["customer_id"] for e in out}))
    return [e for e in out if e["customer_id"] not in done]


def _contacted_since(tables, profiles: pa.Table, day: dt.date, since: dt.date, ids: list[str]) -> set[str]:
    """Which of ``ids`` had a contact from ``since`` to D−1: those whose latest contact (the
    profile's ``days_since_contact``, from the same contacts up to D−1) is that recent. Only ids
    without a profile on D (rare: a customer gone since) are asked of the backend."""
    wanted = pa.array(ids, pa.string())
    mine = profiles.select(["customer_id", "days_since_contact"])
    mine = mine.filter(pc.is_in(mine["customer_id"], value_set=wanted))
    recent = pc.fill_null(pc.less_equal(mine["days_since_contact"], (day - since).days), False)
    done = set(mine["customer_id"].filter(recent).to_pylist())
    unknown = pc.filter(wanted, pc.invert(pc.is_in(wanted, value_set=mine["customer_id"]))).to_pylist()
    if unknown:
        c = restrict(tables["contacts"], unknown)
        done |= set(c.filter(c.at_day >= since, c.at_day <= day - dt.timedelta(days=1))
                    .select("customer_id").distinct().to_pyarrow()["customer_id"].to_pylist())
    return done


def _fired(today: pa.Table) -> pa.Table:
    """The distinct (customer_id, rule) of the day's signals, which are sorted by them: the rows
    where either differs from the row before (a hash group-by of 10⁶ signals cost ~0.5 s)."""
    pairs = today.select(["customer_id", "rule"]).combine_chunks()
    if pairs.num_rows < 2:
        return pairs
    cid, rule = pairs["customer_id"], pairs["rule"]
    changed = pc.or_(pc.not_equal(cid[1:], cid[:-1]), pc.not_equal(rule[1:], rule[:-1]))
    return pairs.filter(pa.concat_arrays([pa.array([True]), pc.fill_null(changed, True).combine_chunks()]))


def _not_all_fired_again(earlier: EarlierRun, fired: pa.Table) -> list[dict]:
    """The previous run's tasks with a rule that does not fire again today for the customer
    (``fired``: the day's distinct customer_id, rule): only their evidence lists need reading."""
    if earlier.tasks is None:
        return []
    left = earlier.pairs.join(fired, keys=["customer_id", "rule"], join_type="left anti")
    keep = set(left["i"].to_pylist()) | set(earlier.ruleless)
    return earlier.tasks.take(pa.array(sorted(keep), pa.int64())).to_pylist()


def _fired_again(fired: pa.Table, customer_ids: list[str]) -> set[tuple[str, str]]:
    """(customer_id, rule) of the day's signals of these customers."""
    mine = fired.filter(pc.is_in(fired["customer_id"], value_set=pa.array(customer_ids, pa.string())))
    return set(zip(mine["customer_id"].to_pylist(), mine["rule"].to_pylist()))


def _over_capacity_keys(folder, day: dt.date) -> pa.Table | None:
    """The previous run's signals of candidates it left out for capacity only and still due on D
    or later, by their keys: customer_id, rule, urgency, due_date, their ``row`` in its signals
    file and the RM who had them (``prev_staff_id``) — matched in Arrow
    (that run had hundreds of thousands of signals and exclusions). None when there are none."""
    excluded, signals = folder / "excluded.parquet", folder / "signals.parquet"
    if not (excluded.exists() and signals.exists()):
        return None
    over = pq.read_table(excluded, columns=["customer_id", "rule", "staff_id", "reason_code"])
    over = over.filter(pc.equal(over["reason_code"], OVER_CAPACITY.code))
    if not over.num_rows:
        return None
    over = over.group_by(["customer_id", "rule"]).aggregate([("staff_id", "max")]).rename_columns(
        ["customer_id", "rule", "prev_staff_id"])
    # only the keys come now; the texts stay in the file until a task needs them (_FileTexts)
    sig = pq.read_table(signals, columns=["customer_id", "rule", "urgency", "due_date"])
    sig = sig.append_column("row", pa.array(np.arange(sig.num_rows, dtype=np.int64)))
    sig = sig.filter(pc.fill_null(pc.greater_equal(sig["due_date"], pa.scalar(day, pa.date32())), False))
    return sig.join(over, keys=["customer_id", "rule"], join_type="inner")


def _over_capacity_signals(earlier: EarlierRun, fired: pa.Table) -> list[dict]:
    """The entries of ``_over_capacity_keys`` not fired again today (``fired``)."""
    if earlier.over is None:
        return []
    keys = earlier.over.join(fired, keys=["customer_id", "rule"], join_type="left anti")
    # in the file's order, which the run wrote sorted by SIGNAL_KEYS (``_write_results``): an
    # entry's row in the file orders it as its evidence would (joins do not keep an order)
    keys = keys.sort_by([("row", "ascending")])
    columns = [keys.column(n).to_pylist() for n in ("customer_id", "rule", "urgency", "due_date", "prev_staff_id",
                                                    "row")]
    return [{"customer_id": cid, "rule": rule, "urgency": urgency, "due_date": due, "prev_staff_id": staff,
             "carried_from": earlier.day, "row": row, "texts": earlier.texts}
            for cid, rule, urgency, due, staff, row in zip(*columns)]


class _SignalTexts:
    """The evidence and explanation of the day's signals, left in Arrow: only the tasks' few come
    to Python (a large bank has ~10⁶ signals a day; their texts are most of their memory).

    Entries of the day's signals carry ``row``: their index in the signals table, which is sorted
    by customer, rule, due date and evidence, so ``row`` orders them as their texts would. Entries
    of an earlier run's signals left out for capacity carry ``row`` and ``texts``: that run's."""

    def __init__(self, signals: pa.Table):
        self.evidence = signals.column("evidence")
        self.explanation = signals.column("explanation")
        self._fetched: dict[tuple[int, str], dict[int, str]] = {}

    def fetch(self, entries: list[dict]) -> None:
        """Bring these entries' texts to Python in one take per source (the tasks' entries: ~10⁵
        at a large bank), rather than one Arrow scalar at a time."""
        rows: dict[int, tuple[_SignalTexts, set[int]]] = {}
        for e in entries:
            if "row" in e:
                source = e.get("texts") or self
                rows.setdefault(id(source), (source, set()))[1].add(e["row"])
        for key, (source, wanted) in rows.items():
            ordered = sorted(wanted)
            taken = pa.array(ordered, pa.int64())
            for f in ("evidence", "explanation"):
                self._fetched[(key, f)] = dict(zip(ordered, getattr(source, f).take(taken).to_pylist()))

    def get(self, e: dict, field: str):
        if "row" not in e:            # carried over from an earlier run's tasks: the texts are on the entry
            return e.get(field)
        source = e.get("texts") or self
        fetched = self._fetched.get((id(source), field))
        if fetched is not None and e["row"] in fetched:
            return fetched[e["row"]]
        return getattr(source, field)[e["row"]].as_py()


class _FileTexts(_SignalTexts):
    """The evidence and explanation of an earlier run's signals file, read from the file the first
    time an entry's texts are asked for (most days only a few of its rows become tasks)."""

    def __init__(self, path):
        self.path = path
        self._fetched = {}
        self._columns: pa.Table | None = None

    def load(self) -> None:
        if self._columns is None:
            self._columns = pq.read_table(self.path, columns=["evidence", "explanation"])

    def _column(self, name: str) -> pa.ChunkedArray:
        self.load()
        return self._columns.column(name)

    @property
    def evidence(self) -> pa.ChunkedArray:
        return self._column("evidence")

    @property
    def explanation(self) -> pa.ChunkedArray:
        return self._column("explanation")


class _Entries:
    """The day's entries — today's signals (``row`` = their index in the sorted signals table) and
    the entries carried over (dicts) — kept as columns: a large bank has ~10⁶ of them and most of
    their candidates are decided in groups; entry dicts are made only for the tasks (``of``)."""

    def __init__(self, signals: pa.Table, carried: list[dict]):
        self.signals = signals
        self.carried: dict[str, list[dict]] = defaultdict(list)
        for e in carried:
            self.carried[e["customer_id"]].append(e)
        carried_cols = {
            "customer_id": pa.array([e["customer_id"] for e in carried], pa.string()),
            "rule": pa.array([e["rule"] for e in carried], pa.string()),
            "urgency": pa.array([int(e["urgency"] or 0) for e in carried], pa.int64()),
            "due_date": pa.array([e["due_date"] for e in carried], pa.date32()),
            "carried_from": pa.array([e["carried_from"] for e in carried], pa.date32()),
        }
        n = signals.num_rows
        owners = signals["customer_id"].combine_chunks().cast(pa.string())
        # the signals are sorted by customer: each customer's rows are one run
        self._runs = run_offsets(owners)
        self._run_owner = owners.take(pa.array(self._runs[:-1], pa.int64()))
        today = pa.table({"customer_id": owners,
                          "rule": signals["rule"].combine_chunks().cast(pa.string()),
                          "urgency": pc.fill_null(signals["urgency"].combine_chunks().cast(pa.int64()), 0),
                          "due_date": signals["due_date"].combine_chunks().cast(pa.date32()),
                          "carried_from": pa.nulls(n, pa.date32())})
        self.table = pa.concat_tables([today, pa.table(carried_cols)])

    def per_rule(self) -> pa.Table:
        """One row per customer and rule — its strongest urgency ``u`` (missing = 0), the earliest
        day it was carried from and how many of its entries are fresh — in the order of the
        customer's rules: customer_id, then the strongest urgency first, then rule id."""
        t = self.table.group_by(["customer_id", "rule"], use_threads=False).aggregate(
            [("urgency", "max"), ("carried_from", "min"),
             ("carried_from", "count", pc.CountOptions(mode="only_null"))])
        t = t.rename_columns({"urgency_max": "u", "carried_from_min": "carried_min",
                              "carried_from_count": "fresh"})
        return t.sort_by([("customer_id", "ascending"), ("u", "descending"), ("rule", "ascending")])

    def rows_of(self, customer_ids: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """The rows of today's signals of these customers, customer by customer, and how many each has."""
        run = pc.index_in(pa.array(customer_ids, pa.string()), value_set=self._run_owner)
        run = pc.fill_null(run, -1).to_numpy(zero_copy_only=False)
        found = run >= 0
        run = np.where(found, run, len(self._runs) - 1)   # not found: the empty run at the end
        lo = self._runs[run]
        counts = self._runs[np.minimum(run + 1, len(self._runs) - 1)] - lo
        rows = np.repeat(lo - (np.cumsum(counts) - counts), counts) + np.arange(int(counts.sum()))
        return rows, counts

    def of(self, customer_ids: list[str]) -> list[list[dict]]:
        """Each customer's entries: today's signals by row, then its carried entries."""
        rows, counts = self.rows_of(customer_ids)
        taken = self.signals.select(["rule", "urgency", "due_date"]).take(pa.array(rows, pa.int64()))
        rule, urgency, due = (taken.column(n).to_pylist() for n in ("rule", "urgency", "due_date"))
        rows = rows.tolist()
        out, k = [], 0
        for cid, n in zip(customer_ids, counts.tolist()):
            out.append([{"customer_id": cid, "rule": rule[j], "urgency": urgency[j], "due_date": due[j],
                         "carried_from": None, "row": rows[j]} for j in range(k, k + n)]
                       + self.carried.get(cid, []))
            k += n
        return out


def _entry_order(e: dict):
    """Within one rule and due date: today's signals by their row (= by evidence), carried-over
    entries by their evidence text — or by their row in the earlier run's signals, which are sorted
    by evidence too (a rule's entries of one customer all come from one of these sources)."""
    if "row" not in e:
        return (1, 0, e.get("evidence") or "")
    return (0, e["row"], "") if e.get("texts") is None else (1, e["row"], "")


def _kept_entries(entries: list[dict], rules: list[str]) -> list[dict]:
    """A task's entries: those of its rules, in the order of its rules, then by due date."""
    kept = [e for e in entries if e["rule"] in rules]
    if len(kept) > 1:
        kept.sort(key=lambda e: (rules.index(e["rule"]), str(e.get("due_date")), _entry_order(e)))
    return kept


def _task_texts(entries: _Entries, texts: _SignalTexts, task_ids: list[str], task_groups: np.ndarray,
                decisions: list, rule_index: dict[str, int]) -> tuple[pa.Array, pa.Array]:
    """The ``evidence`` (a JSON list of the task's entries: rule, urgency, due date, the signal's
    evidence and explanation) and ``explanation`` (its entries' explanations, each once, joined by
    "；") of each task, as columns. A task's entries are those of its rules, in the order of its
    rules, then by due date, then as ``_entry_order`` says. Today's signals stay in Arrow (their
    evidence is canonical JSON already, so it goes in as it is); the few carried entries are made
    in Python."""
    n = len(task_ids)
    rows, counts = entries.rows_of(task_ids)
    taken = pa.array(rows, pa.int64())
    today = entries.signals.select(["rule", "urgency", "due_date"]).take(taken)
    rule = flat(today["rule"]).cast(pa.string())
    said_today = flat(texts.explanation.take(taken)).cast(pa.string())
    json_today = flat(pc.binary_join_element_wise(
        '{"due_date":', pc.fill_null(pc.binary_join_element_wise('"', today["due_date"].cast(pa.string()), '"', ""),
                                     "null"),
        ',"evidence":', pc.fill_null(texts.evidence.take(taken).cast(pa.string()), "null"),
        ',"explanation":', _json_strings(said_today),
        ',"rule":', _json_strings(rule),
        ',"urgency":', pc.fill_null(today["urgency"].cast(pa.int64()).cast(pa.string()), "null"), "}", ""))
    # the carried entries of the tasks' customers (few): their texts from where they were kept
    extra: dict[str, list] = {k: [] for k in ("task", "rule", "due", "row", "key", "json", "explanation")}
    carried = [(t, e) for t, c in enumerate(task_ids) for e in entries.carried.get(c, ())]
    if carried:
        texts.fetch([e for _, e in carried])   # those left out for capacity: from that run's signals
        for t, e in carried:
            explanation = texts.get(e, "explanation")
            item = {"rule": e["rule"], "urgency": e["urgency"], "due_date": e.get("due_date"),
                    "evidence": _evidence(texts.get(e, "evidence")), "explanation": explanation}
            extra["task"].append(t)
            extra["rule"].append(e["rule"])
            extra["due"].append(e.get("due_date"))
            extra["row"].append(e.get("row", 0))
            extra["key"].append("" if "row" in e else (e.get("evidence") or ""))
            extra["json"].append(_json(item))
            extra["explanation"].append(explanation)
    m = len(rows)
    table = pa.table({
        "task": pa.array(np.concatenate([np.repeat(np.arange(n), counts), np.asarray(extra["task"], np.int64)])),
        "rule": pa.concat_arrays([rule, pa.array(extra["rule"], pa.string())]),
        "due": pa.concat_arrays([flat(today["due_date"]).cast(pa.date32()), pa.array(extra["due"], pa.date32())]),
        "source": pa.array(np.concatenate([np.zeros(m, np.int64), np.ones(len(carried), np.int64)])),
        "row": pa.array(np.concatenate([rows, np.asarray(extra["row"], np.int64)]).astype(np.int64)),
        "key": pa.concat_arrays([pa.repeat(pa.scalar("", pa.string()), m), pa.array(extra["key"], pa.string())]),
        "seq": pa.array(np.arange(m + len(carried))),
        "json": pa.concat_arrays([json_today, pa.array(extra["json"], pa.string())]),
        "explanation": pa.concat_arrays([said_today, pa.array(extra["explanation"], pa.string())]),
    })
    # the position of each entry's rule among its task's rules (-1: not one of them)
    rules_list = list(rule_index)
    position = np.full((len(decisions), len(rules_list) + 1), -1, np.int64)
    for g, d in enumerate(decisions):
        for p, r in enumerate(d.rules):
            position[g, rule_index[r]] = p
    code = pc.index_in(table["rule"], value_set=pa.array(rules_list, pa.string()))
    code = pc.fill_null(code, len(rules_list)).to_numpy(zero_copy_only=False)
    task = table["task"].to_numpy()
    pos = position[task_groups[task], code] if len(task) else np.zeros(0, np.int64)
    table = table.append_column("pos", pa.array(pos)).filter(pa.array(pos >= 0))
    table = table.sort_by([("task", "ascending"), ("pos", "ascending"), ("due", "ascending"),
                           ("source", "ascending"), ("row", "ascending"), ("key", "ascending"),
                           ("seq", "ascending")])
    bounds = np.searchsorted(table["task"].to_numpy(), np.arange(n + 1)).astype(np.int32)
    listed = pa.ListArray.from_arrays(pa.array(bounds), table["json"].combine_chunks())
    evidence = pc.binary_join_element_wise("[", pc.binary_join(listed, ","), "]", "")
    # each explanation once per task (the first), empty ones left out: a task has a few entries,
    # so each is compared with those before it in its task, one lag at a time (no hashing of 10⁵ texts)
    task, said = table["task"].to_numpy(), table["explanation"].combine_chunks()
    again = np.zeros(len(task), bool)
    for lag in range(1, int(np.diff(bounds).max(initial=0))):
        same = (task[lag:] == task[:-lag]) & pc.fill_null(pc.equal(said[lag:], said[:-lag]), False).to_numpy(
            zero_copy_only=False)
        again[lag:] |= same
    keep = ~again & pc.fill_null(pc.not_equal(said, ""), False).to_numpy(zero_copy_only=False)
    shown = table.select(["task", "explanation"]).filter(pa.array(keep))
    bounds = np.searchsorted(shown["task"].to_numpy(), np.arange(n + 1)).astype(np.int32)
    explanation = pc.binary_join(pa.ListArray.from_arrays(pa.array(bounds), shown["explanation"].combine_chunks()),
                                 "；")
    return evidence, explanation


def _json_strings(values) -> pa.Array:
    """Strings as JSON strings (NULL → null), escaped as orjson escapes them."""
    return pc.fill_null(json_text(values).column, "null")


@dataclass
class _Decision:
    """What the policy and the offers decide for a candidate: its rules excluded (with the reason),
    the rules kept, the purpose, offers and notes. A function of the candidate's ``_decision_groups``
    only, so it is made once per group of alike candidates."""

    excluded: list[tuple[str, Block]] = field(default_factory=list)
    rules: list[str] = field(default_factory=list)
    purpose: str = ""
    products: list[str] = field(default_factory=list)
    services: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _decide(rules: list[str], profile: Mapping | None, f: Mapping, day: dt.date, cfg: TasksConfig,
            catalogue: Catalogue) -> _Decision:
    """Phone consent, marketing policy, offers and purpose of one candidate (docs/tasks.md 2–5)."""
    out = _Decision()
    if profile is None:
        out.excluded = [(r, NO_PROFILE) for r in rules]
        return out
    block = phone_block(profile, f)
    if block:
        out.excluded = [(r, block) for r in rules]
        return out
    notes = out.notes
    marketing_rules = [r for r in rules if cfg.purpose_of(r) == "marketing"]
    mblock = marketing_block(profile, f, cfg.policy)
    if mblock:
        # no marketing today: marketing rules are excluded, the others go without offers
        out.excluded += [(r, mblock) for r in marketing_rules]
        could_offer = any(r in cfg.offers.by_rule for r in rules)
        rules = [r for r in rules if r not in marketing_rules]
        if rules and (marketing_rules or could_offer):
            notes.append(f"仅服务/关怀，不营销：{mblock.reason}")
        offers = {r: RuleOffer() for r in rules}
    else:
        who = Suitability.of(profile, day, cfg.offers)
        lacking = lacking_services(profile)
        offers = {r: offers_for_rule(r, profile, day, catalogue, who, lacking) for r in rules}
        for r in list(rules):
            o = offers[r]
            if o.dropped and cfg.purpose_of(r) == "marketing":
                out.excluded.append((r, o.dropped))
                rules.remove(r)
            elif o.dropped:
                notes.append(f"{r}：{o.dropped.reason}，不推荐产品")
    if not rules:
        return out
    product_offers: list[str] = []
    services: list[str] = []
    for r in rules:
        product_offers += [p for p in offers[r].products if p not in product_offers]
        services += [s for s in offers[r].services if s not in services]
    product_offers = product_offers[: cfg.offers.max_offers]
    purposes = {cfg.purpose_of(r) for r in rules}
    if product_offers or services:
        purposes.add("marketing")
    purpose = next(p for p in cfg.purpose_precedence if p in purposes)
    if (purpose == "marketing" and cfg.offers.cross_sell_on_marketing
            and not set(rules) & set(cfg.offers.no_push_rules)):
        extra = [s for s in lacking_services(profile) if s not in services]
        services += extra[: cfg.offers.max_cross_sell]
    holder = f.get("plan_holder")
    if isinstance(holder, str) and holder:
        notes.append(f"他渠道：{holder}")
    if product_offers:
        age = profile.get("age")
        if age is not None and int(age) >= cfg.offers.elderly_age:
            notes.append(f"客户年满{cfg.offers.elderly_age}岁，不推荐高于{cfg.offers.elderly_max_risk}的产品")
        if not assessment_valid(profile, day, cfg.offers):
            notes.append("无有效风险测评，仅推荐" + "/".join(cfg.offers.unassessed_categories))
    out.rules, out.purpose, out.products, out.services = rules, purpose, product_offers, services
    return out


def _codes(values) -> np.ndarray:
    """Integer codes of a column's values (None / NULL = -1)."""
    return pd.factorize(np.asarray(values, dtype=object) if isinstance(values, list) else values)[0]


def _groups(columns: list[np.ndarray]) -> np.ndarray:
    """The group of each row: rows equal in every column share it; groups numbered in the order
    of their first row. Column by column (a hash factorisation each), never a sort of whole rows."""
    group = np.zeros(len(columns[0]), np.int64)
    for column in columns:
        codes, uniques = pd.factorize(column)
        group = pd.factorize(group * (len(uniques) + 1) + (codes + 1))[0]
    return group


def _decision_groups(ids: list[str], rules_of: pa.ListArray, people: pa.Table, facts: pd.DataFrame, day: dt.date,
                     cfg: TasksConfig, catalogue: Catalogue) -> np.ndarray:
    """The group of each candidate: candidates that ``_decide`` treats alike share one.

    Alike = the same rules in the same order and the same of what the decision reads for them —
    the do-not-call and do-not-disturb flags; unless those block the phone, what the marketing
    policy tests (consent, a recent refusal, contacts at or above the pressure limits and the long
    count shown then, another channel's plan, which also shows in the notes); unless marketing is
    blocked, the basic products lacking (welcome, cross-sell) and, when a rule offers products,
    suitability (a valid assessment and its level, elderly), the class of the funds against the
    products' minimum amounts and, for a maturity offer, the maturing holdings' categories, term
    and funds. Whatever the decision does not read for a candidate is left out of its key, so a
    large bank's ~10⁵ candidates fall into a few thousand groups (tests/engine/tasks/test_build.py
    checks the groups' decisions against deciding each candidate alone)."""
    offers, policy, n = cfg.offers, cfg.policy, people.num_rows

    def flag(name: str) -> np.ndarray:   # ``is True``: NULL is not
        return pc.fill_null(people[name], False).to_numpy(zero_copy_only=False)

    rule_keys = pc.binary_join(rules_of, ";").to_numpy(zero_copy_only=False)
    rule_codes, rule_sets = pd.factorize(rule_keys)
    with_products = [r for r, spec in offers.by_rule.items() if spec.categories]
    own_holdings = [r for r, spec in offers.by_rule.items() if spec.categories == "same_as_maturing"]
    sells = np.array([any(r in with_products for r in k.split(";")) for k in rule_sets], bool)[rule_codes]
    reads_holdings = np.array([any(r in own_holdings for r in k.split(";")) for k in rule_sets], bool)[rule_codes]

    dnc, dnd = flag("do_not_call"), flag("do_not_disturb") | facts["dnd_ever"].to_numpy(bool)
    phone_ok = flag("_has_profile") & ~dnc & ~dnd
    consent, refused = flag("marketing_consent"), facts["refused_recent"].to_numpy(bool)
    short_over = facts["contacts_short"].to_numpy(np.int64) >= policy.pressure_short_max
    long_count = facts["contacts_long"].to_numpy(np.int64)
    long_count = np.where(long_count >= policy.pressure_long_max, long_count, 0)
    holder = facts["plan_holder"].to_numpy(object)
    holder_codes = _codes([h if isinstance(h, str) and h else None for h in holder.tolist()])
    marketing_ok = phone_ok & consent & ~refused & ~short_over & (long_count == 0) & (holder_codes < 0)
    suits = marketing_ok & sells

    # suitability, the funds class and a maturity offer's holdings: only where products are offered
    level_key = np.full(n, -1, np.int64)
    old = np.zeros(n, bool)
    funds = np.full(n, -1, np.int64)
    same, term, mfunds = [None] * n, np.full(n, -1, np.int64), np.full(n, -1, np.int64)
    at = np.flatnonzero(suits)
    if len(at):
        mine = people.take(pa.array(at, pa.int64()))
        levels, assessed_on, ages = (mine[c].to_pylist() for c in ("risk_level", "risk_assessed_on", "age"))
        valid: dict[tuple, bool] = {}
        keys = []
        for level, on in zip(levels, assessed_on):
            ok = valid.get((level, on))
            if ok is None:
                ok = valid[(level, on)] = assessment_valid({"risk_level": level, "risk_assessed_on": on}, day, offers)
            keys.append(level if ok else None)
        level_key[at] = _codes(keys)
        aged = {a: elderly(a, offers) for a in set(ages)}
        old[at] = [aged[a] for a in ages]
        current = pc.fill_null(mine["current"].cast(pa.decimal128(20, 2)), Decimal(0))
        cents = pc.multiply(current, pa.scalar(Decimal(100), pa.decimal128(3, 0))).cast(pa.int64())
        funds[at] = catalogue.funds_classes(cents.to_numpy(zero_copy_only=False))
        balances = mine["current"].to_pylist()
        for k in np.flatnonzero(reads_holdings[at]).tolist():
            i = int(at[k])
            categories, amount, first_term = catalogue.maturing_of(ids[i])
            same[i] = ";".join(categories)
            term[i] = -2 if first_term is None else first_term
            mfunds[i] = catalogue.funds_class((balances[k] if balances[k] is not None else Decimal(0)) + amount)
    lacking = [np.where(marketing_ok, flag(f"has_{s}"), False) for s in FOUR_BASIC_PRODUCTS]

    def unless_blocked(column: np.ndarray) -> np.ndarray:
        return np.where(phone_ok, column, 0)

    return _groups([rule_codes, flag("_has_profile"), dnc, dnd,
                    *(unless_blocked(c) for c in (consent, refused, short_over, long_count, holder_codes)),
                    *lacking, level_key, old, funds, _codes(same), term, mfunds])


def _spread(group: np.ndarray, lists: list[list]) -> tuple[np.ndarray, np.ndarray]:
    """Rows of group ``group[i]``, each repeated once per item of its group's list: (row, item)
    indices, the items numbered across the lists as ``[x for l in lists for x in l]`` does."""
    lengths = np.array([len(items) for items in lists], dtype=np.int64)
    starts = np.cumsum(lengths) - lengths
    counts = lengths[group]
    row = np.repeat(np.arange(len(group)), counts)
    within = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
    return row, np.repeat(starts[group], counts) + within


def build_tasks(tables: Mapping[str, ibis.Table], day: dt.date, signals: pa.Table, profiles: pa.Table,
                home: Home | None, levers: pa.Table | None = None, *, config: TasksConfig | None = None,
                propensity: Propensity | None = None, call_time: CallTime | None = None,
                earlier=_READ) -> tuple[pa.Table, pa.Table]:
    """The day's tasks and excluded candidates (``results.RESULT_TABLES`` "tasks" / "excluded").

    ``levers`` defaults to ``<home>/config/levers.csv`` when that file exists; ``config`` to
    ``load_tasks_config(home.rules_file)``; ``propensity`` / ``call_time`` to the latest learned
    models, else priors (``load_propensity`` / ``load_call_time``). ``home`` also gives the previous
    run's tasks (carry-over) under ``home.runs_dir``; ``earlier``: those files already read
    (``read_earlier_run``; the daily run reads them in a thread while features and signals run).

    A large bank has hundreds of thousands of candidates a day, most alike: the candidates are
    columns, the policy and offers are decided once per group of alike candidates
    (``_decision_groups``), and the tasks and their texts are made as columns too (``_task_texts``).
    """
    cfg = config or load_tasks_config(home.rules_file if home is not None else None)
    if levers is None and home is not None:
        lev = parse_levers(read_levers(levers_file(home)), str(levers_file(home)), first_line=2)
    else:
        lev = parse_levers(levers)
    propensity = propensity or load_propensity(home, cfg.propensity)
    call_time = call_time or load_call_time(home, cfg.windows)

    # in the signals file's order (the run's signals already are: sorting them again is cheap)
    signals = sorted_by(signals, SIGNAL_KEYS)
    entries = _Entries(signals, _carried_over(tables, home, day, cfg, signals, profiles, earlier))
    texts = _SignalTexts(signals)
    per_rule = entries.per_rule()
    if not per_rule.num_rows:
        return RESULT_TABLES["tasks"].empty_table(), _excluded_table([], day)
    # one candidate per customer, its rules in order (per_rule is sorted by customer first)
    owners = per_rule["customer_id"].combine_chunks()
    offsets = run_offsets(owners)
    candidates = owners.take(pa.array(offsets[:-1], pa.int64()))
    ids = candidates.to_pylist()
    rules_of = pa.ListArray.from_arrays(pa.array(offsets, pa.int32()), per_rule["rule"].combine_chunks())
    maturity = entries.table.filter(pc.equal(entries.table["rule"], "maturity"))
    maturity_ids = sorted(set(maturity["customer_id"].to_pylist()))
    dues = [d for d in maturity["due_date"].to_pylist() if d]
    until = max([day + dt.timedelta(days=7), *dues])
    # the backend's queries run in a worker thread (the backend works outside the GIL) while the
    # candidates' profiles are matched — only theirs: a bank has far more customers than candidates
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="yuanwei-tasks") as pool:
        queried = pool.submit(_queries, tables, day, ids, maturity_ids, until, cfg)
        people = _profiles_of(profiles, candidates)
        facts, products, maturing, staff = queried.result()
    if facts.index.tolist() != ids:   # pragma: no cover - policy_facts returns the sorted ids
        raise RuntimeError("policy facts out of step with the candidates")
    catalogue = Catalogue(products, maturing, cfg.offers, lev.product_factors())
    category_of = dict(zip(products.product_id, products.category))

    # the decisions, once per group of alike candidates
    group = _decision_groups(ids, rules_of, people, facts, day, cfg, catalogue)
    _, first = np.unique(group, return_index=True)
    reps = pa.array(first, pa.int64())
    rep_people = people.take(reps).to_pylist()
    names = list(facts.columns)
    rep_facts = [dict(zip(names, v)) for v in zip(*(facts[n].to_numpy(object)[first].tolist() for n in names))]
    decisions = [_decide(rules, p if p["_has_profile"] else None, f, day, cfg, catalogue)
                 for rules, p, f in zip(rules_of.take(reps).to_pylist(), rep_people, rep_facts)]

    cid = np.asarray(ids, dtype=object)
    staff_col = people["remote_staff_id"].to_numpy(zero_copy_only=False)
    excluded: list[dict[str, np.ndarray]] = []
    row, item = _spread(group, [d.excluded for d in decisions])
    flat = [x for d in decisions for x in d.excluded]
    excluded.append({"customer_id": cid[row], "rule": np.array([r for r, _ in flat], object)[item],
                     "staff_id": staff_col[row], "block": np.array([b for _, b in flat], object)[item]})

    # the candidates kept: urgency, carry-over and the previous RM from their entries of kept rules
    kept = np.flatnonzero(np.array([bool(d.rules) for d in decisions], bool)[group])
    rule_index = {r: k for k, r in enumerate(sorted(set(per_rule["rule"].to_pylist())))}
    kept_rules = np.zeros((len(decisions), len(rule_index)), bool)
    for g, d in enumerate(decisions):
        kept_rules[g, [rule_index[r] for r in d.rules]] = True
    owner = np.repeat(np.arange(len(ids)), np.diff(offsets))
    rcode = np.array([rule_index[r] for r in per_rule["rule"].to_pylist()], np.int64)
    on = kept_rules[group[owner], rcode]
    urgency = np.full(len(ids), -1, np.int64)
    np.maximum.at(urgency, owner[on], per_rule["u"].to_numpy(zero_copy_only=False)[on])
    never = np.iinfo(np.int32).max
    since = pc.fill_null(per_rule["carried_min"].cast(pa.int32()), never).to_numpy(zero_copy_only=False)
    earliest = np.full(len(ids), never, np.int64)
    np.minimum.at(earliest, owner[on], since[on])
    fresh = np.zeros(len(ids), np.int64)
    np.add.at(fresh, owner[on], per_rule["fresh"].to_numpy(zero_copy_only=False)[on])
    epoch = dt.date(1970, 1, 1)
    carried_from = [None if fresh[i] or earliest[i] == never else epoch + dt.timedelta(days=int(earliest[i]))
                    for i in kept.tolist()]   # any fresh signal makes it today's task
    # the RM who had a carried entry: only the long tail (no RM of their own) is assigned by it
    caps = set(capacities(staff, cfg.capacity))
    prev_staff = [None] * len(kept)
    tail = [k for k, i in enumerate(kept.tolist()) if ids[i] in entries.carried and staff_col[i] not in caps]
    for k, theirs in zip(tail, entries.of([ids[kept[k]] for k in tail])):
        mine = _kept_entries(theirs, decisions[group[kept[k]]].rules)
        prev_staff[k] = next((e.get("prev_staff_id") for e in mine if e.get("prev_staff_id")), None)

    def at(name: str) -> list:
        return people[name].take(pa.array(kept, pa.int64())).to_pylist()

    kg = group[kept].tolist()
    cand = pd.DataFrame({"customer_id": cid[kept], "urgency": urgency[kept].astype(float),
                         "remote_staff_id": at("remote_staff_id"), "branch_id": at("branch_id"),
                         "prev_staff_id": prev_staff})
    persona, familiarity, tier, age = at("persona"), at("familiarity"), at("tier"), at("age")
    if len(kept):
        # propensity for every candidate, through the model protocol (priors until one is trained)
        frame = pd.DataFrame({
            "customer_id": cid[kept].tolist(),
            "rule": [decisions[g].rules[0] for g in kg],
            "persona": persona, "familiarity": familiarity, "tier": tier, "age": age,
            "category": [category_of.get(decisions[g].products[0], "") if decisions[g].products else "" for g in kg],
            "channel": CHANNEL,
        })
        probs = np.asarray(propensity.predict(tables, day, frame), dtype=float)
        if probs.shape != (len(kept),):
            raise RuntimeError(f"propensity model {propensity.version} returned {probs.shape[0] if probs.ndim else 0} "
                               f"values for {len(kept)} candidates")
        # a model that cannot say (NaN) leaves the candidate at the prior's default, never above 1
        probs = np.clip(np.nan_to_num(probs, nan=cfg.propensity.default), 0.0, 1.0)
    else:
        probs = np.zeros(0)
    # value per tier and offer, levers per group (a customer's own levers where it has some), and
    # the score, as columns
    cand_propensity = [round(p, 6) for p in probs.tolist()]
    offered = [bool(decisions[g].products) for g in kg]
    values = {key: round(value_of(*key, cfg.arbitration), 6) for key in set(zip(tier, offered))}
    cand_value = [values[key] for key in zip(tier, offered)]
    by_group = {g: lev.for_task(None, decisions[g].products) for g in set(kg)}
    cand_levers = [by_group[g] for g in kg]
    if lev.by_customer:
        for k in np.flatnonzero(np.isin(cid[kept], list(lev.by_customer))).tolist():
            cand_levers[k] = lev.for_task(cid[kept[k]], decisions[kg[k]].products)
    cand_score = scores(cand["urgency"].to_numpy(float), np.array(cand_value, float),
                        np.array(cand_propensity, float), np.array([lv[0] for lv in cand_levers], float))
    cand["score"] = cand_score
    cand_urgency = cand["urgency"].tolist()

    staff_of, rank, (refused, refused_staff, refused_block), order = assign(cand, staff, cfg.capacity)
    if len(refused):
        row, item = _spread(group[kept[refused]], [d.rules for d in decisions])
        flat_rules = np.array([r for d in decisions for r in d.rules], object)
        excluded.append({"customer_id": cid[kept[refused]][row], "rule": flat_rules[item],
                         "staff_id": refused_staff[row], "block": refused_block[row]})

    # the tasks as columns, already in staff_id, rank order (~10⁵ rows at a large bank)
    order = np.asarray(order, np.int64)
    at_task = kept[order]
    tg = group[at_task]
    n_tasks = len(order)
    task_ids = cid[at_task]
    task_persona, task_familiarity = [persona[k] for k in order.tolist()], [familiarity[k] for k in order.tolist()]
    # the call-time model (a backend query for the history estimate) works while the texts are made
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="yuanwei-tasks") as pool:
        learning = None
        if n_tasks:
            who = pd.DataFrame({"customer_id": task_ids.tolist(), "persona": task_persona,
                                "familiarity": task_familiarity})
            learning = pool.submit(call_time.windows, tables, day, who)
        evidence, explanation = _task_texts(entries, texts, task_ids.tolist(), tg, decisions, rule_index)
        notes = []
        for k in order.tolist():
            levers_k, lever_notes = cand_levers[k]
            line = [breakdown(cand_urgency[k], cand_value[k], cand_propensity[k], levers_k, cand_score[k]),
                    *(f"杠杆：{n}" for n in lever_notes), *decisions[kg[k]].notes]
            if carried_from[k]:
                line.append(f"自{carried_from[k].isoformat()}顺延")
            notes.append("；".join(line))
        learned = list(learning.result()) if learning is not None else []
    windows = []
    for i, (c, p, f) in enumerate(zip(task_ids.tolist(), task_persona, task_familiarity)):
        w = learned[i] if len(learned) > i else None
        windows.append(w if isinstance(w, str) and w else default_window(cfg.windows, c, p, f))
    described = {g: (";".join(decisions[g].rules), decisions[g].purpose,
                     ";".join([*decisions[g].products, *decisions[g].services])) for g in set(tg.tolist())}
    schema = RESULT_TABLES["tasks"]
    columns = {
        "date": pa.repeat(pa.scalar(day, pa.date32()), n_tasks), "staff_id": [staff_of[k] for k in order.tolist()],
        "rank": rank[order], "customer_id": task_ids.tolist(),
        "rules": [described[g][0] for g in tg.tolist()], "purpose": [described[g][1] for g in tg.tolist()],
        "channel": pa.repeat(pa.scalar(CHANNEL, pa.string()), n_tasks),
        "offers": [described[g][2] for g in tg.tolist()], "window": windows,
        "score": np.asarray(cand_score, float)[order], "urgency": np.asarray(cand_urgency, float)[order],
        "value": np.asarray(cand_value, float)[order], "propensity": np.asarray(cand_propensity, float)[order],
        "levers": np.array([cand_levers[k][0] for k in order.tolist()], float),
        "policy_notes": notes, "explanation": explanation, "evidence": evidence,
        "model_version": pa.repeat(pa.scalar(propensity.version, pa.string()), n_tasks),
        "carried_over_from": [carried_from[k] for k in order.tolist()],
    }
    table = pa.table({f.name: pa.array(columns[f.name], f.type) if not isinstance(columns[f.name], pa.Array)
                      else columns[f.name].cast(f.type) for f in schema}, schema=schema)
    return table, _excluded_table(excluded, day)


def _profiles_of(profiles: pa.Table, ids: pa.ChunkedArray) -> pa.Table:
    """The candidates' ``PROFILE_COLUMNS``, one row per id in the order of ``ids``, and
    ``_has_profile`` (false, the rest NULL, for an id without a profile on D)."""
    mine = profiles.select(list(PROFILE_COLUMNS))
    mine = mine.filter(pc.is_in(mine["customer_id"], value_set=ids))
    at = pc.index_in(ids, value_set=mine["customer_id"])
    out = mine.take(at)
    return out.append_column("_has_profile", pc.is_valid(at))


def _queries(tables, day: dt.date, ids: list[str], maturity_ids: list[str], until: dt.date, cfg: TasksConfig):
    """What the decisions read from the backend: the candidates' policy facts, the products on sale,
    the maturing holdings of those with a maturity signal, the staff."""
    facts = policy_facts(tables, day, ids, cfg.policy)
    products = products_on_sale(tables, day)
    maturing = maturing_holdings(tables, day, until, maturity_ids)
    staff = tables["staff"].select("staff_id", "name", "role", "branch_id", "daily_capacity").to_pandas()
    return facts, products, maturing, staff


def _excluded_table(parts: list[dict[str, np.ndarray]], day: dt.date) -> pa.Table:
    """The excluded rows (parts of columns customer_id, rule, staff_id, block), sorted by customer,
    rule and reason_code: a candidate's rule is excluded once at most, so the order is total."""
    schema = RESULT_TABLES["excluded"]
    merged = {k: np.concatenate([p[k] for p in parts]) if parts else np.zeros(0, object)
              for k in ("customer_id", "rule", "staff_id", "block")}
    blocks = merged["block"].tolist()
    columns = {"date": pa.array([day] * len(blocks), schema.field("date").type),
               "customer_id": pa.array(merged["customer_id"].tolist(), pa.string()),
               "rule": pa.array(merged["rule"].tolist(), pa.string()),
               "staff_id": pa.array(merged["staff_id"].tolist(), pa.string()),
               "reason_code": pa.array([b.code for b in blocks], pa.string()),
               "reason": pa.array([b.reason for b in blocks], pa.string())}
    table = pa.table(columns).select(schema.names).cast(schema)
    if not table.num_rows:
        return table
    return table.sort_by([("customer_id", "ascending"), ("rule", "ascending"), ("reason_code", "ascending")])
