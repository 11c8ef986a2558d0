"""The daily market brief (每日早报): SSE composite, gold and oil with their change, ~5 headlines.

Built from the contract's ``market`` and ``news`` rows up to the end of D−1 (the same cut-off as the
daily run), rendered for WeChat (several lines) and for SMS (as few segments as possible).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from yuanwei.outreach import sms

SYMBOLS = (
    ("SSE_COMPOSITE", "上证指数", ""),
    ("GOLD_AU9999", "黄金 Au9999", "元/克"),
    ("BRENT", "布伦特原油", "美元/桶"),
)
MAX_HEADLINES = 5


@dataclass(frozen=True)
class Indicator:
    symbol: str
    label: str
    unit: str
    as_of: dt.date
    close: Decimal
    previous: Decimal | None

    @property
    def change_pct(self) -> float | None:
        if self.previous in (None, 0):
            return None
        return float(self.close / self.previous - 1) * 100

    def line(self) -> str:
        pct = self.change_pct
        change = "" if pct is None else f" {'↑' if pct >= 0 else '↓'}{abs(pct):.2f}%"
        return f"{self.label} {self.close:,.2f}{self.unit}{change}"


@dataclass
class Brief:
    day: dt.date
    indicators: list[Indicator] = field(default_factory=list)
    headlines: list[str] = field(default_factory=list)   # one sentence each, for forwarding
    news: list[dict] = field(default_factory=list)       # the same headlines' rows: title, source, summary

    @property
    def empty(self) -> bool:
        return not self.indicators and not self.headlines


def _sentence(title: str) -> str:
    text = (title or "").strip()
    return text if text.endswith(("。", "！", "？", ".")) else text + "。" if text else ""


def build_brief(day: dt.date, market: list[dict], news: list[dict]) -> Brief:
    """``market`` rows: as_of, symbol, close; ``news`` rows: published_at (Shanghai wall clock), source,
    title, summary. Uses data up to the end of D−1; headlines from the latest day with news."""
    cutoff = day - dt.timedelta(days=1)
    brief = Brief(day)
    for symbol, label, unit in SYMBOLS:
        series = sorted((r for r in market if r["symbol"] == symbol and r["as_of"] <= cutoff),
                        key=lambda r: r["as_of"])
        if series:
            last = series[-1]
            prev = series[-2]["close"] if len(series) > 1 else None
            brief.indicators.append(Indicator(symbol, label, unit, last["as_of"], Decimal(last["close"]),
                                              None if prev is None else Decimal(prev)))
    items = [n for n in news if _day(n["published_at"]) <= cutoff and (n.get("title") or "").strip()]
    if items:
        latest = max(_day(n["published_at"]) for n in items)
        recent = sorted((n for n in items if _day(n["published_at"]) >= latest - dt.timedelta(days=1)),
                        key=lambda n: (n["published_at"], n["title"]), reverse=True)
        seen: set[str] = set()
        for n in recent:
            title = n["title"].strip()
            if title not in seen:
                seen.add(title)
                brief.headlines.append(_sentence(title))
                brief.news.append({"title": title, "source": n.get("source") or "", "summary": n.get("summary") or ""})
            if len(brief.headlines) == MAX_HEADLINES:
                break
    return brief


def _day(value) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


def render_wechat(brief: Brief) -> str:
    """Several lines for a WeChat / WeCom forward."""
    if brief.empty:
        return f"【{brief.day:%m月%d日} 早报】暂无行情与资讯。"
    lines = [f"【{brief.day.month}月{brief.day.day}日 早报】"]
    if brief.indicators:
        lines.append("；".join(i.line() for i in brief.indicators) + "。")
    for n, h in enumerate(brief.headlines, 1):
        lines.append(f"{n}. {h}")
    lines.append("以上信息仅供参考，不构成投资建议。")
    return "\n".join(lines)


def render_sms(brief: Brief, max_segments: int = 2) -> str:
    """One line that fits ``max_segments`` SMS segments: indicators first, then as many headlines as fit."""
    head = f"【{brief.day.month}月{brief.day.day}日早报】"
    tail = "仅供参考。"
    body = "；".join(i.line() for i in brief.indicators)
    text = head + (body + "。" if body else "") + tail
    for h in brief.headlines:
        candidate = text[: -len(tail)] + h + tail
        if sms.segments(candidate) > max_segments:
            break
        text = candidate
    return text
