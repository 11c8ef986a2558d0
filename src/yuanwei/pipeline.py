"""The daily pipeline across the layers, as the CLI and the demo run it (DESIGN §2):

  app contacts ──export (web)──► exchange files ──ingest (warehouse)──► run (engine) ──► publish (web)

The web side writes what RMs logged as contract files; the warehouse ingests them like any extract
(contacts are keyed by contact_id, so exporting everything again is harmless); the engine runs the
day; the web side publishes the results. Each layer stays ignorant of the others.
"""

from __future__ import annotations

import datetime as dt

from yuanwei.paths import Home


def exchange_contacts(home: Home) -> dict | None:
    """Export the contacts logged in the app and ingest them; None when the app has none yet."""
    from yuanwei.warehouse.ingest import ingest_folder
    from yuanwei.web.apps.workbench.exchange import export_contacts
    from yuanwei.web.bootstrap import migrate_if_needed

    migrate_if_needed(home)  # a first run: the app DB is created here, empty

    path = export_contacts(home)
    with path.open(encoding="utf-8") as fh:
        if sum(1 for _ in fh) <= 1:  # header only: nothing was logged
            return None
    return ingest_folder(home, path.parent, progress=False)


def run_and_publish(home: Home, day: dt.date, backend: str = "duckdb", full: bool = False) -> tuple[dict, dict, dict | None]:
    """Exchange → run → publish; returns (run summary, publish counts, exchange report)."""
    from yuanwei.engine.run import run_day
    from yuanwei.web.bootstrap import publish_run

    exchanged = exchange_contacts(home)
    summary = run_day(home, day, backend=backend, full=full)
    published = publish_run(home, day, full=full)
    return summary, published, exchanged
