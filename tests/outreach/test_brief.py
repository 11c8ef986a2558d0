import datetime as dt
from decimal import Decimal

from yuanwei.outreach.brief import build_brief, render_sms, render_wechat
from yuanwei.outreach.sms import segments

D = dt.date(2026, 11, 30)
MARKET = [
    {"as_of": dt.date(2026, 11, 27), "symbol": "SSE_COMPOSITE", "close": Decimal("3300.00")},
    {"as_of": dt.date(2026, 11, 28), "symbol": "SSE_COMPOSITE", "close": Decimal("3399.00")},
    {"as_of": dt.date(2026, 11, 30), "symbol": "SSE_COMPOSITE", "close": Decimal("9999.00")},  # after D-1
    {"as_of": dt.date(2026, 11, 28), "symbol": "GOLD_AU9999", "close": Decimal("612.30")},
    {"as_of": dt.date(2026, 11, 26), "symbol": "BRENT", "close": Decimal("80.00")},
    {"as_of": dt.date(2026, 11, 27), "symbol": "BRENT", "close": Decimal("78.40")},
]
NEWS = [{"published_at": dt.datetime(2026, 11, 29, h), "source": "新华社", "title": f"头条{h}", "summary": None}
        for h in range(8, 16)] + [{"published_at": dt.datetime(2026, 11, 30, 7), "source": "x", "title": "今日新闻"}]


def test_it_uses_closes_up_to_d_minus_1_with_their_change():
    b = build_brief(D, MARKET, NEWS)
    sse, gold, oil = b.indicators
    assert (sse.close, sse.previous) == (Decimal("3399.00"), Decimal("3300.00"))
    assert round(sse.change_pct, 2) == 3.00
    assert gold.previous is None and gold.change_pct is None
    assert round(oil.change_pct, 2) == -2.00


def test_it_keeps_five_latest_headlines_from_before_d():
    b = build_brief(D, MARKET, NEWS)
    assert b.headlines == ["头条15。", "头条14。", "头条13。", "头条12。", "头条11。"]


def test_wechat_rendering_lists_indicators_and_headlines():
    text = render_wechat(build_brief(D, MARKET, NEWS))
    assert "上证指数 3,399.00 ↑3.00%" in text and "布伦特原油 78.40美元/桶 ↓2.00%" in text
    assert "1. 头条15。" in text and "不构成投资建议" in text


def test_sms_rendering_fits_two_segments():
    text = render_sms(build_brief(D, MARKET, NEWS))
    assert segments(text) <= 2 and "上证指数" in text


def test_empty_brief_has_a_clear_message():
    b = build_brief(D, [], [])
    assert b.empty and "暂无" in render_wechat(b)
