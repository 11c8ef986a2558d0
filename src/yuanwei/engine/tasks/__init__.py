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

import ibis
import numpy as np
import orjson
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from yuanwei.contract.schema import FOUR_BASIC_PRODUCTS
from yuanwei.engine.tasks.arbitration import breakdown, parse_levers, read_levers, score, value_of
from yuanwei.engine.tasks.capacity import OVER_CAPACITY, assign
from yuanwei.engine.tasks.config import TasksConfig, load_tasks_config
from yuanwei.engine.tasks.offers import (Catalogue, RuleOffer, Suitability, assessment_valid, lacking_services,
                                         maturing_holdings, offers_for_rule, products_on_sale)
from yuanwei.engine.tasks.policy import Block, facts_by_customer, marketing_block, phone_block, policy_facts
from yuanwei.engine.tasks.propensity import load_call_time, load_propensity
from yuanwei.engine.tasks.windows import default_window, restrict
from yuanwei.learning.interface import CallTime, Propensity
from yuanwei.paths import Home
from yuanwei.results import RESULT_TABLES, run_dir_name

__all__ = ["build_tasks", "load_tasks_config", "TasksConfig"]

NO_PROFILE = Block("not_customer", "非当日客户")
# the profile columns the decisions read (only these come to Python, one tuple per candidate)
PROFILE_COLUMNS = ("customer_id", "branch_id", "remote_staff_id", "age", "persona", "familiarity", "tier",
                   "current", "risk_level", "risk_assessed_on", "marketing_consent", "do_not_call",
                   "do_not_disturb", *(f"has_{s}" for s in FOUR_BASIC_PRODUCTS))
CHANNEL = "phone"


def levers_file(home: Home):
    """Where campaigns put their levers when none are passed: ``<home>/config/levers.csv``."""
    return home.config_dir / "levers.csv"


def _json(obj) -> str:
    """Canonical JSON (sorted keys, no spaces, UTF-8; dates through ``str``) by orjson, as the
    signals' evidence is (``signals.base.canonical_json``): a day's tasks carry 10⁵ evidence lists.
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


def _read(folder, name: str, columns: list[str]) -> list[dict]:
    f = folder / f"{name}.parquet"
    return pq.read_table(f, columns=columns).to_pylist() if f.exists() else []


def _carried_over(tables, home, day, cfg, today: pa.Table) -> list[dict]:
    """Entries (like signal rows) that roll over from the previous run while still valid: its tasks,
    and its candidates left out for capacity only (their signal rows from its signals file).
    Valid = not done (no contact of the customer from that run's day to D−1), per rule the signal's
    due_date ≥ D, and not superseded: a rule that fires again for the customer in ``today`` (the
    day's signals) carries today's signal instead. Most of a large bank's are (the same customers
    stay idle or uncontacted), so they are left out before they come to Python."""
    prev_day, folder = _previous_run(home, day, cfg)
    if folder is None:
        return []
    out = []
    previous = _read(folder, "tasks", ["date", "customer_id", "staff_id", "evidence", "carried_over_from"])
    again = _fired_again(today, [r["customer_id"] for r in previous])
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
    out += _over_capacity_signals(folder, day, prev_day, today)
    out = [e for e in out if e["due_date"] >= day]
    if not out:
        return []
    c = restrict(tables["contacts"], [e["customer_id"] for e in out])
    done = set(c.filter(c.at_day >= prev_day, c.at_day <= day - dt.timedelta(days=1))
               .select("customer_id").distinct().to_pandas().customer_id)
    return [e for e in out if e["customer_id"] not in done]


def _fired_again(today: pa.Table, customer_ids: list[str]) -> set[tuple[str, str]]:
    """(customer_id, rule) of the day's signals of these customers."""
    mine = today.filter(pc.is_in(today["customer_id"], value_set=pa.array(customer_ids, pa.string())))
    return set(zip(mine["customer_id"].to_pylist(), mine["rule"].to_pylist()))


def _over_capacity_signals(folder, day: dt.date, prev_day: dt.date, today: pa.Table) -> list[dict]:
    """The previous run's signals of candidates it left out for capacity only, still due on D or
    later and not fired again today — matched in Arrow (that run had hundreds of thousands of
    signals and exclusions)."""
    excluded, signals = folder / "excluded.parquet", folder / "signals.parquet"
    if not (excluded.exists() and signals.exists()):
        return []
    over = pq.read_table(excluded, columns=["customer_id", "rule", "staff_id", "reason_code"])
    over = over.filter(pc.equal(over["reason_code"], OVER_CAPACITY.code))
    if not over.num_rows:
        return []
    over = over.group_by(["customer_id", "rule"]).aggregate([("staff_id", "max")]).rename_columns(
        ["customer_id", "rule", "prev_staff_id"])
    sig = pq.read_table(signals)
    sig = sig.filter(pc.fill_null(pc.greater_equal(sig["due_date"], pa.scalar(day, pa.date32())), False))
    sig = sig.join(over, keys=["customer_id", "rule"], join_type="inner")
    fired = today.select(["customer_id", "rule"]).group_by(["customer_id", "rule"]).aggregate([])
    sig = sig.join(fired, keys=["customer_id", "rule"], join_type="left anti")
    sig = sig.sort_by([(k, "ascending") for k in ("customer_id", "rule", "due_date", "evidence")])
    # the texts stay in Arrow (hundreds of thousands of rows): entries point at their row
    texts = _SignalTexts(sig)
    columns = [sig.column(n).to_pylist() for n in ("customer_id", "rule", "urgency", "due_date", "prev_staff_id")]
    return [{"customer_id": cid, "rule": rule, "urgency": urgency, "due_date": due, "prev_staff_id": staff,
             "carried_from": prev_day, "row": i, "texts": texts}
            for i, (cid, rule, urgency, due, staff) in enumerate(zip(*columns))]


_PROFILE_INDEX = {name: i for i, name in enumerate(PROFILE_COLUMNS)}


class _Profile:
    """A candidate's profile values (``PROFILE_COLUMNS``, as one tuple) with the read-only mapping
    API the decisions use (``get``, ``[]``), in a fraction of a dict's memory and build time: a
    large bank has hundreds of thousands of candidates a day."""

    __slots__ = ("_values",)

    def __init__(self, values: tuple):
        self._values = values

    def get(self, name: str, default=None):
        i = _PROFILE_INDEX.get(name)
        return default if i is None else self._values[i]

    def __getitem__(self, name: str):
        return self._values[_PROFILE_INDEX[name]]


def _profiles_of(profiles: pa.Table, ids: list[str]) -> dict[str, _Profile]:
    mine = profiles.filter(pc.is_in(profiles["customer_id"], value_set=pa.array(ids, pa.string())))
    columns = [mine.column(name).to_pylist() for name in PROFILE_COLUMNS]
    return {values[0]: _Profile(values) for values in zip(*columns)}


class _SignalTexts:
    """The evidence and explanation of the day's signals, left in Arrow: only the tasks' few come
    to Python (a large bank has ~10⁶ signals a day; their texts are most of their memory).

    Entries of the day's signals carry ``row``: their index in the signals table, which is sorted
    by customer, rule, due date and evidence, so ``row`` orders them as their texts would."""

    def __init__(self, signals: pa.Table):
        self.evidence = signals.column("evidence")
        self.explanation = signals.column("explanation")

    def get(self, e: dict, field: str):
        if "row" not in e:            # carried over from an earlier run's tasks: the texts are on the entry
            return e.get(field)
        # today's signals, or an earlier run's signals left out for capacity (their own texts)
        return getattr(e.get("texts") or self, field)[e["row"]].as_py()


def _group(signals: pa.Table, carried: list[dict]) -> dict[str, list[dict]]:
    by_customer: dict[str, list[dict]] = defaultdict(list)
    columns = [signals.column(n).to_pylist() for n in ("customer_id", "rule", "urgency", "due_date")]
    for i, (cid, rule, urgency, due) in enumerate(zip(*columns)):
        by_customer[cid].append({"customer_id": cid, "rule": rule, "urgency": urgency, "due_date": due,
                                 "carried_from": None, "row": i})
    for e in carried:   # none of the same customer and rule as today's (_carried_over)
        by_customer[e["customer_id"]].append(e)
    return by_customer


def _entry_order(e: dict):
    """Within one rule and due date: today's signals by their row (= by evidence), carried-over
    entries by their evidence text — or by their row in the earlier run's signals, which are sorted
    by evidence too (a rule's entries of one customer all come from one of these sources)."""
    if "row" not in e:
        return (1, 0, e.get("evidence") or "")
    return (0, e["row"], "") if e.get("texts") is None else (1, e["row"], "")


def _describe_task(t: dict, texts: _SignalTexts) -> None:
    """The texts of an assigned task: the score breakdown and lever notes first, then the policy
    notes; the signals' explanations (each once) and their evidence."""
    t["notes"] = [breakdown(t["urgency"], t["value"], t["propensity"], t["levers"], t["score"]),
                  *(f"杠杆：{n}" for n in t["lever_notes"]), *t["notes"]]
    explanations: list[str] = []
    evidence = []
    for e in t["entries"]:
        text = texts.get(e, "explanation")
        if text and text not in explanations:
            explanations.append(text)
        evidence.append({"rule": e["rule"], "urgency": e["urgency"], "due_date": e.get("due_date"),
                         "evidence": texts.get(e, "evidence"), "explanation": text})
    t["explanation"] = "；".join(explanations)
    t["evidence"] = evidence


def _rules_in_order(entries: list[dict]) -> list[str]:
    strongest: dict[str, int] = {}
    for e in entries:
        strongest[e["rule"]] = max(strongest.get(e["rule"], 0), int(e["urgency"] or 0))
    return sorted(strongest, key=lambda r: (-strongest[r], r))


def build_tasks(tables: Mapping[str, ibis.Table], day: dt.date, signals: pa.Table, profiles: pa.Table,
                home: Home | None, levers: pa.Table | None = None, *, config: TasksConfig | None = None,
                propensity: Propensity | None = None, call_time: CallTime | None = None,
                ) -> tuple[pa.Table, pa.Table]:
    """The day's tasks and excluded candidates (``results.RESULT_TABLES`` "tasks" / "excluded").

    ``levers`` defaults to ``<home>/config/levers.csv`` when that file exists; ``config`` to
    ``load_tasks_config(home.rules_file)``; ``propensity`` / ``call_time`` to the latest learned
    models, else priors (``load_propensity`` / ``load_call_time``). ``home`` also gives the previous
    run's tasks (carry-over) under ``home.runs_dir``.
    """
    cfg = config or load_tasks_config(home.rules_file if home is not None else None)
    if levers is None and home is not None:
        lev = parse_levers(read_levers(levers_file(home)), str(levers_file(home)), first_line=2)
    else:
        lev = parse_levers(levers)
    propensity = propensity or load_propensity(home, cfg.propensity)
    call_time = call_time or load_call_time(home, cfg.windows)

    # in the signals file's order (the run's signals already are: sorting them again is cheap)
    signals = signals.sort_by([(k, "ascending") for k in ("customer_id", "rule", "due_date", "evidence")])
    by_customer = _group(signals, _carried_over(tables, home, day, cfg, signals))
    texts = _SignalTexts(signals)
    ids = sorted(by_customer)
    maturity_ids = [c for c in ids if any(e["rule"] == "maturity" for e in by_customer[c])]
    dues = [e["due_date"] for c in maturity_ids for e in by_customer[c] if e["rule"] == "maturity" and e["due_date"]]
    until = max([day + dt.timedelta(days=7), *dues])
    # the backend's queries run in a worker thread (the backend works outside the GIL) while the
    # candidates' profiles come to Python — only theirs: a bank has far more customers than candidates
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="yuanwei-tasks") as pool:
        queried = pool.submit(_queries, tables, day, ids, maturity_ids, until, cfg)
        profile_of = _profiles_of(profiles, ids)
        facts, products, maturing, staff = queried.result()
    # excluded rows as columns (a large bank leaves hundreds of thousands of candidates out a day)
    excluded: dict[str, list] = {"customer_id": [], "rule": [], "staff_id": [], "block": []}
    ex_cid, ex_rule, ex_staff, ex_block = excluded.values()

    def exclude(cid: str, rules, staff_id, block: Block):
        for r in rules:
            ex_cid.append(cid)
            ex_rule.append(r)
            ex_staff.append(staff_id)
            ex_block.append(block)

    catalogue = Catalogue(products, maturing, cfg.offers, lev.product_factors())
    category_of = dict(zip(products.product_id, products.category))
    facts = facts_by_customer(facts)

    candidates: list[dict] = []
    for cid in ids:
        entries = by_customer[cid]
        rules = _rules_in_order(entries)
        profile = profile_of.get(cid)
        if profile is None:
            exclude(cid, rules, None, NO_PROFILE)
            continue
        staff_id = profile.get("remote_staff_id")
        f = facts[cid]
        block = phone_block(profile, f)
        if block:
            exclude(cid, rules, staff_id, block)
            continue
        notes: list[str] = []
        marketing_rules = [r for r in rules if cfg.purpose_of(r) == "marketing"]
        mblock = marketing_block(profile, f, cfg.policy)
        if mblock:
            # no marketing today: marketing rules are excluded, the others go without offers
            exclude(cid, marketing_rules, staff_id, mblock)
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
                    exclude(cid, [r], staff_id, o.dropped)
                    rules.remove(r)
                elif o.dropped:
                    notes.append(f"{r}：{o.dropped.reason}，不推荐产品")
        if not rules:
            continue
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
        kept_entries = [e for e in entries if e["rule"] in rules]
        kept_entries.sort(key=lambda e: (rules.index(e["rule"]), str(e.get("due_date")), _entry_order(e)))
        carried = [e["carried_from"] for e in kept_entries]
        carried_from = min(carried) if all(carried) else None  # any fresh signal makes it today's task
        if carried_from:
            notes.append(f"自{carried_from.isoformat()}顺延")
        # the explanation and evidence texts are made after assignment, for the tasks only
        # (most candidates of a large bank do not fit the day's capacity)
        candidates.append({
            "customer_id": cid, "rules": rules, "purpose": purpose,
            "urgency": float(max(int(e["urgency"] or 0) for e in kept_entries)),
            "products": product_offers, "services": services, "notes": notes, "entries": kept_entries,
            "carried_over_from": carried_from, "remote_staff_id": staff_id,
            "branch_id": profile.get("branch_id"),
            "prev_staff_id": next((e.get("prev_staff_id") for e in kept_entries if e.get("prev_staff_id")), None),
            "persona": profile.get("persona"), "familiarity": profile.get("familiarity"),
            "tier": profile.get("tier"), "age": profile.get("age"),
        })

    # propensity for every candidate, through the model protocol (priors until one is trained)
    if candidates:
        frame = pd.DataFrame({
            "customer_id": [c["customer_id"] for c in candidates],
            "rule": [c["rules"][0] for c in candidates],
            "persona": [c["persona"] for c in candidates],
            "familiarity": [c["familiarity"] for c in candidates],
            "tier": [c["tier"] for c in candidates],
            "age": [c["age"] for c in candidates],
            "category": [category_of.get(c["products"][0], "") if c["products"] else "" for c in candidates],
            "channel": CHANNEL,
        })
        probs = np.asarray(propensity.predict(tables, day, frame), dtype=float)
        if probs.shape != (len(candidates),):
            raise RuntimeError(f"propensity model {propensity.version} returned {probs.shape[0] if probs.ndim else 0} "
                               f"values for {len(candidates)} candidates")
        # a model that cannot say (NaN) leaves the candidate at the prior's default, never above 1
        probs = np.clip(np.nan_to_num(probs, nan=cfg.propensity.default), 0.0, 1.0)
        for c, p in zip(candidates, probs):
            c["propensity"] = round(float(p), 6)
            c["value"] = round(value_of(c["tier"], bool(c["products"]), cfg.arbitration), 6)
            c["levers"], c["lever_notes"] = lev.for_task(c["customer_id"], c["products"])
            c["score"] = score(c["urgency"], c["value"], c["propensity"], c["levers"])

    tasks, refused = assign(candidates, staff, cfg.capacity)
    for c, staff_id, block in refused:
        exclude(c["customer_id"], c["rules"], staff_id, block)

    if tasks:
        who = pd.DataFrame({"customer_id": [t["customer_id"] for t in tasks],
                            "persona": [t["persona"] for t in tasks],
                            "familiarity": [t["familiarity"] for t in tasks]})
        # the call-time model (a backend query for the history estimate) works while the texts are made
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="yuanwei-tasks") as pool:
            windows = pool.submit(call_time.windows, tables, day, who)
            for t in tasks:
                _describe_task(t, texts)
            learned = windows.result()
        for i, t in enumerate(tasks):
            w = learned.iloc[i] if len(learned) > i else None
            t["window"] = w if isinstance(w, str) and w else default_window(
                cfg.windows, t["customer_id"], t["persona"], t["familiarity"])

    task_rows = [{
        "date": day, "staff_id": t["staff_id"], "rank": t["rank"], "customer_id": t["customer_id"],
        "rules": ";".join(t["rules"]), "purpose": t["purpose"], "channel": CHANNEL,
        "offers": ";".join([*t["products"], *t["services"]]), "window": t["window"],
        "score": t["score"], "urgency": t["urgency"], "value": t["value"], "propensity": t["propensity"],
        "levers": t["levers"], "policy_notes": "；".join(t["notes"]), "explanation": t["explanation"],
        "evidence": _json([{**e, "evidence": _evidence(e["evidence"])} for e in t["evidence"]]),
        "model_version": propensity.version,
        "carried_over_from": t["carried_over_from"],
    } for t in tasks]
    task_rows.sort(key=lambda r: (r["staff_id"], r["rank"]))
    return pa.Table.from_pylist(task_rows, schema=RESULT_TABLES["tasks"]), _excluded_table(excluded, day)


def _queries(tables, day: dt.date, ids: list[str], maturity_ids: list[str], until: dt.date, cfg: TasksConfig):
    """What the decisions read from the backend: the candidates' policy facts, the products on sale,
    the maturing holdings of those with a maturity signal, the staff."""
    facts = policy_facts(tables, day, ids, cfg.policy)
    products = products_on_sale(tables, day)
    maturing = maturing_holdings(tables, day, until, maturity_ids)
    staff = tables["staff"].select("staff_id", "name", "role", "branch_id", "daily_capacity").to_pandas()
    return facts, products, maturing, staff


def _excluded_table(excluded: dict[str, list], day: dt.date) -> pa.Table:
    """The excluded rows, sorted by customer, rule and reason_code (a stable sort: a rule excluded
    twice with the same code keeps the order it was excluded in)."""
    schema = RESULT_TABLES["excluded"]
    blocks = excluded["block"]
    columns = {"date": pa.array([day] * len(blocks), schema.field("date").type),
               "customer_id": pa.array(excluded["customer_id"], pa.string()),
               "rule": pa.array(excluded["rule"], pa.string()),
               "staff_id": pa.array(excluded["staff_id"], pa.string()),
               "reason_code": pa.array([b.code for b in blocks], pa.string()),
               "reason": pa.array([b.reason for b in blocks], pa.string())}
    table = pa.table(columns).select(schema.names).cast(schema)
    if not table.num_rows:
        return table
    return table.sort_by([("customer_id", "ascending"), ("rule", "ascending"), ("reason_code", "ascending")])
