"""Entry point for the CLI (no Django needed beforehand): the app's contacts → the next run's ingest.

    from yuanwei.web.apps.workbench.exchange import export_contacts
    path = export_contacts(home)            # <home>/exchange/<timestamp>/contacts.csv
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path


def export_contacts(home, since: dt.datetime | None = None) -> Path:
    """Set Django up for ``home`` and write the logged contacts as a contract contacts.csv
    (see ``services.export_contacts``)."""
    from yuanwei.web.bootstrap import setup

    setup(home)
    from .services import export_contacts as _export

    return _export(home, since=since)
