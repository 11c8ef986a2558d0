"""End to end across the layers: an RM logs do-not-disturb in the app, the next day's run knows it.

demo bank → ingest → run D → publish → a contact logged in the workbench → run D+1 (which exports
the app's contacts and ingests them first) → no phone task for that customer on D+1.
"""

import datetime as dt

import pytest

from yuanwei.paths import Home

END = dt.date(2026, 11, 29)
D = END + dt.timedelta(days=1)


@pytest.fixture(scope="module")
def bank(tmp_path_factory):
    from yuanwei.demo.generate import write_demo_bank

    out = tmp_path_factory.mktemp("bank")
    write_demo_bank(out, customers=300, days=120, seed=3, fmt="csv", end=END, progress=False)
    return out


def test_a_do_not_disturb_logged_in_the_app_stops_tomorrows_phone_task(bank, tmp_path, db, django_user_model):
    import pyarrow.parquet as pq

    from yuanwei.pipeline import run_and_publish
    from yuanwei.warehouse.ingest import ingest_folder
    from yuanwei.web.apps.workbench.models import ContactLog, Task

    home = Home(tmp_path / "home").ensure()
    ingest_folder(home, bank, progress=False)
    _, published, exchanged = run_and_publish(home, D)
    assert exchanged is None and published["tasks"]["inserted"] > 0
    task = Task.objects.filter(date=D, channel="phone").order_by("staff_id", "rank").first()
    rm = django_user_model.objects.create_user(task.staff_id)
    contact = ContactLog.objects.create(customer_id=task.customer_id, staff=rm, channel="phone",
                                        outcome="do_not_disturb", at=dt.datetime(2026, 11, 30, 10, 5,
                                        tzinfo=dt.timezone(dt.timedelta(hours=8))))

    _, _, exchanged = run_and_publish(home, D + dt.timedelta(days=1))
    assert exchanged["tables"]["contacts"]["loaded"] == 1
    tasks = pq.read_table(home.runs_dir / (D + dt.timedelta(days=1)).isoformat() / "tasks.parquet").to_pylist()
    assert task.customer_id not in {t["customer_id"] for t in tasks}
    profiles = {p["customer_id"]: p for p in
                pq.read_table(home.runs_dir / (D + dt.timedelta(days=1)).isoformat() / "profiles.parquet").to_pylist()}
    assert profiles[task.customer_id]["do_not_disturb"] is True
    import duckdb

    con = duckdb.connect(str(home.warehouse), read_only=True)
    assert con.execute("SELECT outcome FROM contacts WHERE contact_id = ?", [contact.contact_id]).fetchone() == (
        "do_not_disturb",)
