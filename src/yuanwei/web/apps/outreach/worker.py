"""Entry points for the CLI: the outbox worker and the market brief."""

from __future__ import annotations

import datetime as dt

from yuanwei.paths import Home


def send_outbox(home: Home, limit: int = 500) -> dict:
    from yuanwei.outreach import config
    from yuanwei.web.apps.outreach.delivery import Policy, deliver_due

    gateways, overrides = config.load(home)
    return deliver_due(gateways, Policy(**overrides), limit=limit).as_dict()


def brief_for(day: dt.date):
    """The brief for business date D from the published market and news rows."""
    from yuanwei.outreach.brief import build_brief
    from yuanwei.web.apps.customers.models import MarketClose, News

    cutoff = day - dt.timedelta(days=1)
    market = list(MarketClose.objects.filter(as_of__lte=cutoff, as_of__gte=cutoff - dt.timedelta(days=14))
                  .values("as_of", "symbol", "close"))
    news = [
        {**n, "published_at": n["published_at"].astimezone(_tz()).replace(tzinfo=None)}
        for n in News.objects.filter(published_at__date__lte=cutoff,
                                     published_at__date__gte=cutoff - dt.timedelta(days=3))
        .values("published_at", "source", "title", "summary")
    ]
    return build_brief(day, market, news)


def _tz():
    from zoneinfo import ZoneInfo

    return ZoneInfo("Asia/Shanghai")


def start_background_sender(home: Home, every: float = 30.0):
    """For the demo: deliver the outbox every ``every`` seconds in a daemon thread of the serving
    process (in production a scheduler runs ``yuanwei outbox send`` instead)."""
    import logging
    import threading

    from django.db import close_old_connections

    log = logging.getLogger("yuanwei.outbox")
    stop = threading.Event()

    def loop():
        while not stop.wait(every):
            try:
                result = send_outbox(home)
                if result["sent"] or result["failed"]:
                    log.info("outbox: %s", result)
            except Exception:  # keep serving; the next round tries again
                log.exception("outbox delivery failed")
            finally:
                close_old_connections()

    threading.Thread(target=loop, name="outbox-sender", daemon=True).start()
    return stop
