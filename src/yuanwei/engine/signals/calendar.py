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

from yuanwei.engine.signals.base import Context, Rule, iso, md, money, when, yuan

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


def _age_on(birth: dt.date, on: dt.date) -> int:
    """Completed years on ``on`` (the birthday counts as reached on its celebrated day)."""
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day) and
                                   not (birth.month == 2 and birth.day == 29 and on.month == 2
                                        and on.day == 28 and not _cal.isleap(on.year)))


# birthday ----------------------------------------------------------------------------------------

def _birthday(ctx: Context, p: Mapping[str, Any]) -> ir.Table:
    c = ctx.customers
    c = c.mutate(due_date=_birthday_on(c.birth_date, ctx.day, p["days_ahead"]))
    return c.filter(c.due_date.notnull()).select("customer_id", "due_date", "birth_date")


def _describe_birthday(row: dict, p: Mapping[str, Any], ctx: Context) -> tuple[dict, str]:
    due, birth = row["due_date"], row["birth_date"]
    age = _age_on(birth, due)
    evidence = {"birth_date": iso(birth), "birthday": iso(due), "age": age}
    note = "（2月29日生日，平年按2月28日）" if (birth.month, birth.day) != (due.month, due.day) else ""
    return evidence, f"客户{when(due, ctx.day)}（{md(due)}）生日，满{age}岁{note}"


BIRTHDAY = Rule("birthday", "客户生日", _birthday, _describe_birthday)


# relative_birthday -------------------------------------------------------------------------------

def _relative_birthday(ctx: Context, p: Mapping[str, Any]) -> ir.Table:
    r = ctx.only_customers(ctx.tables["relatives"])
    r = r.mutate(due_date=_birthday_on(r.birth_date, ctx.day, p["days_ahead"]))
    return r.filter(r.due_date.notnull()).select("customer_id", "due_date", "relation", relative_name="name",
                                                 birth_date="birth_date")


def _describe_relative_birthday(row: dict, p: Mapping[str, Any], ctx: Context) -> tuple[dict, str]:
    due, birth = row["due_date"], row["birth_date"]
    age = _age_on(birth, due)
    evidence = {"relation": row["relation"], "relative_name": row["relative_name"],
                "birth_date": iso(birth), "birthday": iso(due), "age": age}
    who = RELATIONS_ZH.get(row["relation"], "亲属")
    return evidence, f"客户{who}{row['relative_name']}{when(due, ctx.day)}（{md(due)}）生日，满{age}岁"


RELATIVE_BIRTHDAY = Rule("relative_birthday", "亲属生日", _relative_birthday, _describe_relative_birthday)


# maturity ----------------------------------------------------------------------------------------

def _maturity(ctx: Context, p: Mapping[str, Any]) -> ir.Table:
    h = ctx.holdings
    h = h.filter(h.matures_on.between(ctx.lit(0), ctx.lit(p["days_ahead"])))
    return h.select("customer_id", "holding_id", "product_id", "product_name", "category", "amount",
                    due_date="matures_on")


def _describe_maturity(row: dict, p: Mapping[str, Any], ctx: Context) -> tuple[dict, str]:
    due = row["due_date"]
    evidence = {"holding_id": row["holding_id"], "product_id": row["product_id"],
                "product_name": row["product_name"], "category": row["category"],
                "amount": money(row["amount"]), "matures_on": iso(due)}
    name = row["product_name"] or row["product_id"]
    return evidence, f"{name} {yuan(row['amount'])} 将于{when(due, ctx.day)}（{due.isoformat()}）到期"


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


def _describe_risk(row: dict, p: Mapping[str, Any], ctx: Context) -> tuple[dict, str]:
    assessed = row["risk_assessed_on"]
    expires = assessed + dt.timedelta(days=p["valid_days"])
    evidence = {"risk_assessed_on": iso(assessed), "expires_on": iso(expires), "status": row["status"],
                "risk_level": row["risk_level"]}
    if row["status"] == "expired":
        evidence["holdings"] = row["holdings"]
        text = (f"风险测评已于{expires.isoformat()}过期（测评日{assessed.isoformat()}），"
                f"客户仍持有{row['holdings']}笔理财/基金")
    else:
        text = f"风险测评将于{when(expires, ctx.day)}（{expires.isoformat()}）到期，测评日{assessed.isoformat()}"
    return evidence, text


RISK_ASSESSMENT_EXPIRING = Rule("risk_assessment_expiring", "风险测评到期", _risk_assessment_expiring,
                                _describe_risk)
