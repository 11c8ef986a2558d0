"""publish_run: a run folder's Parquet files land in the app DB; republishing changes nothing;
a later run writes only what changed; per-date tables touch only their date; bad files are named."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from yuanwei.errors import UsageError
from yuanwei.web.apps.customers import models as m
from yuanwei.web.apps.workbench.models import ExcludedCandidate, Task
from yuanwei.web.bootstrap import publish_run
from yuanwei.web.publishing import all_specs

from .runfiles import changed, sample_run, write_run

pytestmark = pytest.mark.django_db(transaction=False)

D = dt.date(2026, 3, 16)
SH = ZoneInfo("Asia/Shanghai")


def totals(result: dict) -> dict:
    out = {"inserted": 0, "updated": 0, "deleted": 0, "unchanged": 0}
    for counts in result.values():
        for k in out:
            out[k] += counts[k]
    return out


def test_it_loads_every_table(home):
    write_run(home.runs_dir, D, sample_run(D))
    result = publish_run(home, D)

    assert result["profiles"] == {"inserted": 3, "updated": 0, "deleted": 0, "unchanged": 0}
    assert result["balances"]["inserted"] == 90 and result["signals"]["inserted"] == 3
    assert (m.Branch.objects.count(), m.Staff.objects.count(), m.Product.objects.count()) == (2, 2, 2)
    assert (m.Relative.objects.count(), m.Service.objects.count(), m.Assignment.objects.count()) == (2, 2, 3)
    assert (m.ChannelPlan.objects.count(), m.ContactHistory.objects.count(), m.MarketClose.objects.count()) == (1, 1, 2)
    assert (m.News.objects.count(), m.Employer.objects.count(), m.Holding.objects.count()) == (1, 1, 2)
    assert (Task.objects.count(), ExcludedCandidate.objects.count(), m.Flow.objects.count()) == (2, 2, 2)

    c = m.Customer.objects.select_related("branch").get(pk="C0002")
    assert c.name == "陈美玲" and c.tier == "金卡" and c.branch.name == "城东支行"
    assert c.aum == Decimal("65000.50")  # money stays exact to the fen
    assert c.has_payroll is True and c.aum_trend30 is None
    # wall-clock Shanghai times in the file are Shanghai times in the app, to the second
    flow = m.Flow.objects.get(pk="T2")
    assert flow.amount == Decimal("-0.01")
    assert flow.booked_at.astimezone(SH) == dt.datetime(2026, 3, 15, 23, 59, 59, tzinfo=SH)
    sig = m.Signal.objects.get(rule="large_inflow")
    assert sig.evidence == {"credits": "520000.00", "ratio": "38.0"} and sig.date == D
    assert m.Signal.objects.filter(customer_id="C0002", rule="maturity").count() == 2
    task = Task.objects.get(rank=1)
    assert task.customer.name == "陈美玲" and task.offer_list == ["F001", "TD12"] and task.evidence == {"credits": "520000.00"}
    assert m.Holding.objects.get(pk="H1").units == Decimal("180000.000000")

    pub = m.Publication.objects.get()
    assert pub.date == D and pub.counts == result and pub.skipped == [] and pub.duration_s >= 0


def test_it_changes_nothing_when_the_same_run_is_published_twice(home):
    write_run(home.runs_dir, D, sample_run(D))
    publish_run(home, D)
    before = {model: list(model.objects.order_by("pk").values()) for model in (m.Customer, m.BalanceSnapshot, m.Signal, Task)}

    again = publish_run(home, D)

    assert totals(again)["inserted"] == totals(again)["updated"] == totals(again)["deleted"] == 0
    assert again["balances"]["unchanged"] == 90
    for model, rows in before.items():
        assert list(model.objects.order_by("pk").values()) == rows  # same ids, same values
    assert m.Publication.objects.count() == 2


def test_it_publishes_only_what_changed(home):
    first = sample_run(D)
    write_run(home.runs_dir, D, first)
    publish_run(home, D)
    signal_ids = set(m.Signal.objects.values_list("pk", flat=True))
    # A value the file did not change is not rewritten: tamper with it, and it stays tampered.
    m.Customer.objects.filter(pk="C0003").update(occupation="(untouched)")

    def next_day(t):
        t["profiles"][0]["aum"] = Decimal("830000.00")           # C0001 changed
        t["balances"].append({"customer_id": "C0001", "as_of": D, "current": Decimal("830000.00"),
                              "time_deposit": Decimal("0.00"), "investments": Decimal("0.00"),
                              "aum": Decimal("830000.00")})      # one new snapshot
        t["holdings"] = [h for h in t["holdings"] if h["holding_id"] != "H2"]  # H2 matured
    write_run(home.runs_dir, D, changed(first, next_day))
    result = publish_run(home, D)

    assert result["profiles"] == {"inserted": 0, "updated": 1, "deleted": 0, "unchanged": 2}
    assert result["balances"] == {"inserted": 1, "updated": 0, "deleted": 0, "unchanged": 90}
    assert result["holdings"] == {"inserted": 0, "updated": 0, "deleted": 1, "unchanged": 1}
    assert m.Customer.objects.get(pk="C0001").aum == Decimal("830000.00")
    assert m.Customer.objects.get(pk="C0003").occupation == "(untouched)"
    assert not m.Holding.objects.filter(pk="H2").exists()
    assert set(m.Signal.objects.values_list("pk", flat=True)) == signal_ids


def test_full_rewrites_every_row(home):
    write_run(home.runs_dir, D, sample_run(D))
    publish_run(home, D)
    m.Customer.objects.filter(pk="C0003").update(occupation="(tampered)")

    result = publish_run(home, D, full=True)

    assert result["profiles"] == {"inserted": 0, "updated": 3, "deleted": 0, "unchanged": 0}
    assert m.Customer.objects.get(pk="C0003").occupation is None
    assert m.Publication.objects.latest().full is True


def test_per_date_tables_keep_other_dates_and_replace_their_own(home):
    write_run(home.runs_dir, D, sample_run(D))
    publish_run(home, D)
    d2 = D + dt.timedelta(days=1)
    write_run(home.runs_dir, d2, sample_run(d2))
    publish_run(home, d2)
    assert m.Signal.objects.filter(date=D).count() == m.Signal.objects.filter(date=d2).count() == 3
    assert Task.objects.filter(date=D).count() == 2

    task_id = Task.objects.get(date=d2, rank=1).pk
    def rerun(t):
        t["signals"] = t["signals"][:1]                    # two maturity signals gone
        t["tasks"][0]["score"] = 0.9                       # the same task, rescored
    write_run(home.runs_dir, d2, changed(sample_run(d2), rerun))
    result = publish_run(home, d2)

    assert result["signals"] == {"inserted": 0, "updated": 0, "deleted": 2, "unchanged": 1}
    assert result["tasks"] == {"inserted": 0, "updated": 1, "deleted": 0, "unchanged": 1}
    assert m.Signal.objects.filter(date=D).count() == 3     # the earlier day is history
    assert Task.objects.get(date=d2, rank=1).pk == task_id  # a task keeps its id when rescored
    assert Task.objects.get(pk=task_id).score == 0.9


def test_it_skips_missing_task_files(home):
    write_run(home.runs_dir, D, sample_run(D, with_tasks=False))
    result = publish_run(home, D)
    assert "tasks" not in result and "excluded" not in result
    assert m.Publication.objects.get().skipped == ["tasks.parquet", "excluded.parquet"]
    assert m.Customer.objects.count() == 3


def test_it_names_a_missing_required_file(home):
    folder = write_run(home.runs_dir, D, sample_run(D))
    (folder / "balances.parquet").unlink()
    with pytest.raises(UsageError, match=r"balances\.parquet: file missing"):
        publish_run(home, D)
    assert m.Customer.objects.count() == 0


def test_it_names_a_missing_column(home):
    t = sample_run(D)
    folder = write_run(home.runs_dir, D, t)
    import pyarrow.parquet as pq
    table = pq.read_table(folder / "holdings.parquet").drop_columns(["amount"])
    pq.write_table(table, folder / "holdings.parquet")
    with pytest.raises(UsageError, match=r"holdings\.parquet: column\(s\) amount missing"):
        publish_run(home, D)


def test_it_names_duplicate_keys_by_row(home):
    write_run(home.runs_dir, D, changed(sample_run(D), lambda t: t["balances"].append(dict(t["balances"][4]))))
    with pytest.raises(UsageError, match=r"balances\.parquet: row 91: duplicate key .*C0001.*also row 5"):
        publish_run(home, D)


def test_a_failed_publish_leaves_the_previous_one_untouched(home):
    write_run(home.runs_dir, D, sample_run(D))
    publish_run(home, D)

    def broken(t):
        t["profiles"][0]["name"] = "改名"                      # would be written first…
        t["signals"][0]["date"] = D - dt.timedelta(days=1)     # …but signals has a row of another day
    write_run(home.runs_dir, D, changed(sample_run(D), broken))
    with pytest.raises(UsageError, match=r"signals\.parquet: row 1: date 2026-03-15 is not the run date"):
        publish_run(home, D)
    assert m.Customer.objects.get(pk="C0001").name == "刘建国"
    assert m.Publication.objects.count() == 1


def test_it_says_when_there_is_no_run(home):
    with pytest.raises(UsageError, match="yuanwei run --date 2026-03-16"):
        publish_run(home, D)


@pytest.mark.parametrize("spec", all_specs(), ids=lambda s: s.file)
def test_every_model_field_comes_from_its_file(spec):
    """Each published model holds exactly its file's columns (plus id, row_key, row_hash)."""
    fields = {f.attname for f in spec.model_class._meta.concrete_fields} - {"id", "row_key", "row_hash"}
    assert fields == set(spec.columns)


@pytest.mark.parametrize("model,pk", [(m.Customer, "C0001"), (m.Flow, "T2"), (m.Holding, "H1"),
                                      (m.News, None), (m.Signal, None), (Task, None)])
def test_rows_are_stored_exactly_as_django_would_store_them(home, model, pk):
    """Publishing writes with executemany for speed; saving the row through the ORM changes nothing."""
    from django.db import connection

    write_run(home.runs_dir, D, sample_run(D))
    publish_run(home, D)
    obj = model.objects.get(pk=pk) if pk else model.objects.order_by("pk").first()
    table, pk_col = model._meta.db_table, model._meta.pk.column

    def raw():
        with connection.cursor() as cur:
            cur.execute(f'SELECT * FROM "{table}" WHERE "{pk_col}" = %s', [obj.pk])
            return cur.fetchall()

    published = raw()
    obj.save()
    assert raw() == published


def test_history_files_in_parts_publish_the_rows_inside_the_window(home):
    """A run carried from an earlier one writes flows and balances as folders of parts, the earliest
    linked from earlier runs; only the rows inside the run's window are published."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    write_run(home.runs_dir, D, sample_run(D))
    folder = home.runs_dir / D.isoformat()
    for name, column, outside in (("balances", "as_of", D - dt.timedelta(days=366)),
                                  ("flows", "booked_at", dt.datetime.combine(D - dt.timedelta(days=91), dt.time(23, 59)))):
        whole = pq.read_table(folder / f"{name}.parquet")
        (folder / f"{name}.parquet").unlink()
        parts = folder / f"{name}.parquet"
        parts.mkdir()
        old = whole.slice(0, 1).to_pylist()[0]
        old[column] = outside
        if name == "flows":
            old["txn_id"] = "T-left-the-window"
        pq.write_table(pa.Table.from_pylist([old], schema=whole.schema), parts / "part-2025-01-01.parquet")
        half = whole.num_rows // 2
        pq.write_table(whole.slice(0, half), parts / "part-2026-03-01.parquet")
        pq.write_table(whole.slice(half), parts / f"part-{D}.parquet")

    result = publish_run(home, D)

    assert result["balances"]["inserted"] == 90 and result["flows"]["inserted"] == 2
    assert not m.BalanceSnapshot.objects.filter(as_of=D - dt.timedelta(days=366)).exists()
    assert not m.Flow.objects.filter(pk="T-left-the-window").exists() and m.Flow.objects.count() == 2
