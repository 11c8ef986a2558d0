"""Signals of the calendar: birthday, relative_birthday, maturity, risk_assessment_expiring.

Each fires on a date of its own, which is also its due_date.
"""

from __future__ import annotations

import calendar as _cal
import datetime as dt
from collections.abc import Mapping
from typing import Any

import ibis
import ibis.expr.types as ir
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from yuanwei.engine.signals import text as T
from yuanwei.engine.signals.base import Context, Rule

RELATIONS_ZH = {"spouse": "配偶", "child": "子女", "parent": "父母", "other": "亲属"}


def birthday_targets(day: dt.date, days_ahead: int) -> list[tuple[int, int, dt.date]]:
    """(month, day of month, date) pairs that count as a birthday on D…D+days_ahead.

    29 Feb counts as 28 Feb in non-leap years (DESIGN §4)."""
    out = []
    for i in range(days_ahead + 1):
        x = day + dt.timedelta(days=i)
        out.append((x.month, x.day, x))
        if x.month == 2 and x.day == 28 and not _cal.isleap(x.year):
            out.append((2, 29, x))
    return out


def _birthday_on(birth: ir.DateValue, day: dt.date, days_ahead: int) -> ir.DateValue:
    """The date in D…D+days_ahead on which ``birth`` is celebrated, else NULL."""
    m, d = birth.month(), birth.day()
    cases = [((m == mm) & (d == dd), ibis.literal(x, type="date")) for mm, dd, x in
             birthday_targets(day, days_ahead)]
    return ibis.cases(*cases, else_=ibis.null("date"))


def _age_on(birth, on) -> np.ndarray:
    """Completed years on ``on`` (date columns; the birthday counts as reached on its celebrated
    day: 29 Feb on 28 Feb of a non-leap year)."""
    by, bm, bd = (pc.year(birth), pc.month(birth), pc.day(birth))
    oy, om, od = (pc.year(on), pc.month(on), pc.day(on))
    by, bm, bd, oy, om, od = (np.asarray(x.to_numpy(zero_copy_only=False), np.int64) for x in (by, bm, bd, oy, om, od))
    before = (om < bm) | ((om == bm) & (od < bd))
    leap = (oy % 4 == 0) & ((oy % 100 != 0) | (oy % 400 == 0))
    celebrated = (bm == 2) & (bd == 29) & (om == 2) & (od == 28) & ~leap
    return oy - by - (before & ~celebrated)


def _on_own_day(birth, on) -> np.ndarray:
    """The birthday falls on its own month and day (not 29 Feb moved to 28 Feb)."""
    same = pc.and_(pc.equal(pc.month(birth), pc.month(on)), pc.equal(pc.day(birth), pc.day(on)))
    return same.to_numpy(zero_copy_only=False)


# birthday ----------------------------------------------------------------------------------------

def _birthday(ctx: Context, p: Mapping[str, Any]) -> ir.Table:
    c = ctx.customers
    c = c.mutate(due_date=_birthday_on(c.birth_date, ctx.day, p["days_ahead"]))
    return c.filter(c.due_date.notnull()).select("customer_id", "due_date", "birth_date")


def _describe_birthday(found: pa.Table, p: Mapping[str, Any], ctx: Context) -> tuple[pa.Array, pa.Array]:
    due, birth = T.column(found, "due_date"), T.column(found, "birth_date")
    age = pa.array(_age_on(birth, due))
    evidence = T.json_objects(found.num_rows, {"birth_date": T.iso(birth), "birthday": T.iso(due),
                                               "age": T.json_int(age)})
    note = T.choose(_on_own_day(birth, due), "", "（2月29日生日，平年按2月28日）")
    return evidence, T.join("客户", T.when(due, ctx.day), "（", T.md(due), "）生日，满", T.text_of(age), "岁", note)


BIRTHDAY = Rule("birthday", "客户生日", _birthday, _describe_birthday)


# relative_birthday -------------------------------------------------------------------------------

def _relative_birthday(ctx: Context, p: Mapping[str, Any]) -> ir.Table:
    r = ctx.only_customers(ctx.tables["relatives"])
    r = r.mutate(due_date=_birthday_on(r.birth_date, ctx.day, p["days_ahead"]))
    return r.filter(r.due_date.notnull()).select("customer_id", "due_date", "relation", relative_name="name",
                                                 birth_date="birth_date")


def _describe_relative_birthday(found: pa.Table, p: Mapping[str, Any], ctx: Context
                                ) -> tuple[pa.Array, pa.Array]:
    due, birth = T.column(found, "due_date"), T.column(found, "birth_date")
    age = pa.array(_age_on(birth, due))
    evidence = T.json_objects(found.num_rows, {
        "relation": T.column(found, "relation"), "relative_name": T.column(found, "relative_name"),
        "birth_date": T.iso(birth), "birthday": T.iso(due), "age": T.json_int(age)})
    who = T.mapped(found["relation"], RELATIONS_ZH, "亲属")
    return evidence, T.join("客户", who, T.column(found, "relative_name"), T.when(due, ctx.day), "（", T.md(due),
                            "）生日，满", T.text_of(age), "岁")


RELATIVE_BIRTHDAY = Rule("relative_birthday", "亲属生日", _relative_birthday, _describe_relative_birthday)


# maturity ----------------------------------------------------------------------------------------

def _maturity(ctx: Context, p: Mapping[str, Any]) -> ir.Table:
    h = ctx.holdings
    h = h.filter(h.matures_on.between(ctx.lit(0), ctx.lit(p["days_ahead"])))
    return h.select("customer_id", "holding_id", "product_id", "product_name", "category", "amount",
                    due_date="matures_on")


def _describe_maturity(found: pa.Table, p: Mapping[str, Any], ctx: Context) -> tuple[pa.Array, pa.Array]:
    due, amount = T.iso(found["due_date"]), T.Num.of(found["amount"])
    evidence = T.json_objects(found.num_rows, {
        "holding_id": T.column(found, "holding_id"), "product_id": T.column(found, "product_id"),
        "product_name": T.column(found, "product_name"), "category": T.column(found, "category"),
        "amount": T.money(amount), "matures_on": due})
    name = T.either(found["product_name"], found["product_id"])
    return evidence, T.join(name, " ", T.yuan(amount), " 将于", T.when(found["due_date"], ctx.day), "（", due, "）到期")


MATURITY = Rule("maturity", "产品到期", _maturity, _describe_maturity)


# risk_assessment_expiring ------------------------------------------------------------------------

def _risk_assessment_expiring(ctx: Context, p: Mapping[str, Any]) -> ir.Table:
    valid, ahead = p["valid_days"], p["days_ahead"]
    c = ctx.customers.filter(lambda t: t.risk_assessed_on.notnull())
    # expires_on = assessed + valid_days; "within D…D+ahead" ⇔ assessed in D−valid…D+ahead−valid
    expiring = c.filter(c.risk_assessed_on.between(ctx.lit(-valid), ctx.lit(ahead - valid)))
    expiring = expiring.select("customer_id", "risk_assessed_on", "risk_level",
                               holdings=ibis.literal(None, type="int64"), status=ibis.literal("expiring"))
    # expired (expires_on before D) while holding a product of the categories
    h = ctx.holdings
    h = h.filter(h.category.isin(list(p["expired_categories"])))
    held = h.group_by("customer_id").aggregate(holdings=h.count())
    expired = c.filter(c.risk_assessed_on < ctx.lit(-valid)).join(held, "customer_id")
    expired = expired.select("customer_id", "risk_assessed_on", "risk_level", "holdings",
                             status=ibis.literal("expired"))
    both = expiring.union(expired)
    return both.mutate(
        due_date=ibis.cases((both.status == "expired", ctx.lit(0)),
                            else_=both.risk_assessed_on + ibis.interval(days=valid)),
        urgency=ibis.cases((both.status == "expired", p["expired_urgency"]), else_=p["urgency"]),
    )


def _describe_risk(found: pa.Table, p: Mapping[str, Any], ctx: Context) -> tuple[pa.Array, pa.Array]:
    assessed = T.column(found, "risk_assessed_on").cast(pa.date32())
    expires = pc.add(assessed, pa.scalar(dt.timedelta(days=p["valid_days"]), pa.duration("s"))).cast(pa.date32())
    on, until = T.iso(assessed), T.iso(expires)
    expired = pc.equal(found["status"], "expired").to_numpy(zero_copy_only=False)
    evidence = T.json_objects_where(found.num_rows, {
        "risk_assessed_on": on, "expires_on": until, "status": T.column(found, "status"),
        "risk_level": T.column(found, "risk_level")}, [(expired, "holdings", T.json_int(found["holdings"]))])
    text = T.choose(expired,
                    T.join("风险测评已于", until, "过期（测评日", on, "），客户仍持有", T.text_of(found["holdings"]),
                           "笔理财/基金"),
                    T.join("风险测评将于", T.when(expires, ctx.day), "（", until, "）到期，测评日", on))
    return evidence, text


RISK_ASSESSMENT_EXPIRING = Rule("risk_assessment_expiring", "风险测评到期", _risk_assessment_expiring,
                                _describe_risk)
