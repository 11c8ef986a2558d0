"""Source adapters that fill the contract's ``market`` and ``news`` tables.

They write contract files (``market.csv``, ``news.csv``) that ``yuanwei ingest`` loads like any
other extract, so the brief's data goes through the same validation and quarantine.

- RSS / Atom feeds by URL, parsed with feedparser (fetched with httpx, so time-outs and errors are
  ours to report clearly).
- AKShare for Chinese market data: SSE composite (``stock_zh_index_daily``, symbol sh000001), gold
  Au99.99 at the Shanghai Gold Exchange (``spot_hist_sge``) and Brent crude (``futures_foreign_hist``,
  Sina code OIL). AKShare is an optional install (``pip install akshare``): it pulls many packages and
  needs the internet, which a bank intranet may route through a proxy.
"""

from __future__ import annotations

import csv
import datetime as dt
import time
from collections.abc import Iterable
from pathlib import Path
from zoneinfo import ZoneInfo

import feedparser
import httpx

from yuanwei.errors import UsageError

SHANGHAI = ZoneInfo("Asia/Shanghai")

AKSHARE_SERIES = (
    # (contract symbol, akshare function, its symbol argument)
    ("SSE_COMPOSITE", "stock_zh_index_daily", "sh000001"),
    ("GOLD_AU9999", "spot_hist_sge", "Au99.99"),
    ("BRENT", "futures_foreign_hist", "OIL"),
)


def fetch_rss(url: str, source: str | None = None, timeout: float = 10.0,
              client: httpx.Client | None = None) -> list[dict]:
    """News rows (published_at as Shanghai wall-clock ISO text, source, title, summary) from one feed."""
    client = client or httpx.Client(timeout=timeout, follow_redirects=True)
    try:
        resp = client.get(url)
        resp.raise_for_status()
    except httpx.HTTPError as exc:
        raise UsageError(f"资讯源无法访问 / feed unreachable: {url}: {exc}") from None
    feed = feedparser.parse(resp.content)
    if feed.bozo and not feed.entries:
        raise UsageError(f"资讯源不是有效的 RSS/Atom / not a valid RSS or Atom feed: {url}: {feed.bozo_exception}")
    name = source or feed.feed.get("title") or url
    rows = []
    for entry in feed.entries:
        stamp = entry.get("published_parsed") or entry.get("updated_parsed")
        if not stamp or not entry.get("title"):
            continue  # a headline without a time cannot be placed on a day
        utc = dt.datetime.fromtimestamp(time.mktime(stamp) - time.timezone, tz=dt.timezone.utc)
        local = utc.astimezone(SHANGHAI).replace(tzinfo=None)
        summary = (entry.get("summary") or "").strip()
        rows.append({"published_at": local.isoformat(timespec="seconds"), "source": name,
                     "title": entry.title.strip(), "summary": summary[:500]})
    return rows


def _import_akshare():
    try:
        import akshare  # noqa: PLC0415 - optional dependency
    except ImportError:
        raise UsageError("未安装 AKShare / AKShare is not installed: pip install akshare") from None
    return akshare


def fetch_akshare(start: dt.date, end: dt.date, ak=None) -> list[dict]:
    """Market rows (as_of, symbol, close) for start…end from AKShare."""
    ak = ak or _import_akshare()
    rows = []
    for symbol, function, arg in AKSHARE_SERIES:
        try:
            frame = getattr(ak, function)(symbol=arg)
        except Exception as exc:  # AKShare raises whatever its scraper meets
            raise UsageError(f"AKShare {function}({arg}) 失败 / failed: {exc}") from None
        for rec in frame.to_dict("records"):
            day = rec["date"]
            day = day if isinstance(day, dt.date) else dt.date.fromisoformat(str(day)[:10])
            if isinstance(day, dt.datetime):
                day = day.date()
            if start <= day <= end and rec.get("close") is not None:
                rows.append({"as_of": day.isoformat(), "symbol": symbol, "close": f"{float(rec['close']):.4f}"})
    return rows


def write_contract_files(out: Path, market: Iterable[dict] = (), news: Iterable[dict] = ()) -> dict[str, int]:
    """Write market.csv and/or news.csv in the data contract; returns rows per file."""
    out.mkdir(parents=True, exist_ok=True)
    counts = {}
    for name, rows, columns in (("market", list(market), ("as_of", "symbol", "close")),
                                ("news", list(news), ("published_at", "source", "title", "summary"))):
        if not rows:
            continue
        with (out / f"{name}.csv").open("w", encoding="utf-8", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=columns)
            writer.writeheader()
            writer.writerows(rows)
        counts[name] = len(rows)
    return counts
