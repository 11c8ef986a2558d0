"""Source adapters on recorded responses (no network): an RSS feed served from loopback, and
AKShare frames recorded as CSV fixtures."""

import datetime as dt
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pandas as pd
import pytest

from yuanwei.errors import UsageError
from yuanwei.outreach.sources import fetch_akshare, fetch_rss, write_contract_files

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def feed_url():
    body = (FIXTURES / "feed.xml").read_bytes()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/rss"
    server.shutdown()


def test_rss_headlines_land_on_their_shanghai_time(feed_url):
    rows = fetch_rss(feed_url)
    assert [r["title"] for r in rows] == ["央行开展1000亿元7天期逆回购操作", "沪指午后震荡走高，券商板块领涨"]
    assert rows[0]["published_at"] == "2026-11-29T09:30:00"
    assert rows[1]["published_at"] == "2026-11-30T00:10:00"  # 16:10 GMT is past midnight in Shanghai
    assert rows[0]["source"] == "财经要闻" and rows[0]["summary"].startswith("以维护")


def test_an_unreachable_feed_says_which_url():
    with pytest.raises(UsageError, match="127.0.0.1:9"):
        fetch_rss("http://127.0.0.1:9/rss", timeout=0.5)


class RecordedAkshare:
    def stock_zh_index_daily(self, symbol):
        assert symbol == "sh000001"
        return pd.read_csv(FIXTURES / "akshare_sse.csv")

    def spot_hist_sge(self, symbol):
        assert symbol == "Au99.99"
        return pd.read_csv(FIXTURES / "akshare_gold.csv")

    def futures_foreign_hist(self, symbol):
        assert symbol == "OIL"
        return pd.read_csv(FIXTURES / "akshare_brent.csv")


def test_akshare_series_map_to_contract_symbols():
    rows = fetch_akshare(dt.date(2026, 11, 27), dt.date(2026, 11, 28), ak=RecordedAkshare())
    assert {(r["symbol"], r["as_of"]) for r in rows} == {
        ("SSE_COMPOSITE", "2026-11-27"), ("SSE_COMPOSITE", "2026-11-28"),
        ("GOLD_AU9999", "2026-11-27"), ("GOLD_AU9999", "2026-11-28"), ("BRENT", "2026-11-27")}
    assert {"as_of": "2026-11-28", "symbol": "SSE_COMPOSITE", "close": "3399.0000"} in rows


def test_akshare_failure_is_a_clear_message():
    class Broken(RecordedAkshare):
        def spot_hist_sge(self, symbol):
            raise ConnectionError("Max retries exceeded")

    with pytest.raises(UsageError, match="spot_hist_sge"):
        fetch_akshare(dt.date(2026, 11, 27), dt.date(2026, 11, 28), ak=Broken())


def test_written_files_load_through_ingest(tmp_path, feed_url):
    from yuanwei.paths import Home
    from yuanwei.warehouse.ingest import ingest_folder
    from yuanwei.warehouse.db import connect

    counts = write_contract_files(tmp_path / "extract",
                                  market=fetch_akshare(dt.date(2026, 11, 1), dt.date(2026, 11, 30), ak=RecordedAkshare()),
                                  news=fetch_rss(feed_url))
    assert counts == {"market": 6, "news": 2}
    home = Home(tmp_path / "home").ensure()
    # market and news reference nothing, so they load into an otherwise empty warehouse only after
    # the first full extract; here we seed the tables every first load requires
    extract = tmp_path / "extract"
    (extract / "branches.csv").write_text("branch_id,name\nB01,锦江支行\n", encoding="utf-8")
    (extract / "staff.csv").write_text("staff_id,name,role,branch_id,hired_on\nS1,李娜,remote_rm,B01,2020-01-01\n", encoding="utf-8")
    (extract / "customers.csv").write_text(
        "customer_id,name,gender,birth_date,phone,branch_id,opened_on,marketing_consent\n"
        "C1,王建国,M,1960-01-01,13800000000,B01,2015-01-01,Y\n", encoding="utf-8")
    report = ingest_folder(home, extract, progress=False)
    assert report["tables"]["news"]["loaded"] == 2 and report["tables"]["market"]["loaded"] == 6
    con = connect(home.warehouse, read_only=True)
    assert con.execute("SELECT published_at_day FROM news ORDER BY published_at").fetchall() == [
        (dt.date(2026, 11, 29),), (dt.date(2026, 11, 30),)]
