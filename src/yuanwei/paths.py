"""The yuanwei home folder (``--home`` / ``YUANWEI_HOME``, default ``./var``) and what lives in it."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_HOME = "./var"


@dataclass(frozen=True)
class Home:
    root: Path

    @classmethod
    def resolve(cls, value: str | os.PathLike | None = None) -> "Home":
        raw = value or os.environ.get("YUANWEI_HOME") or DEFAULT_HOME
        return cls(Path(raw).expanduser().resolve())

    def ensure(self) -> "Home":
        for p in (self.root, self.quarantine_dir, self.runs_dir, self.config_dir, self.models_dir, self.outbox_dir):
            p.mkdir(parents=True, exist_ok=True)
        return self

    @property
    def warehouse(self) -> Path:
        """The DuckDB warehouse file."""
        return self.root / "warehouse.duckdb"

    @property
    def app_db(self) -> Path:
        """The default SQLite app DB (used when DATABASE_URL is not set)."""
        return self.root / "app.sqlite3"

    @property
    def quarantine_dir(self) -> Path:
        return self.root / "quarantine"

    @property
    def runs_dir(self) -> Path:
        """One folder per business date with the run's result files (Parquet)."""
        return self.root / "runs"

    @property
    def config_dir(self) -> Path:
        return self.root / "config"

    @property
    def rules_file(self) -> Path:
        return self.config_dir / "rules.yaml"

    @property
    def models_dir(self) -> Path:
        return self.root / "models"

    @property
    def outbox_dir(self) -> Path:
        """Files exported by the web side for the next run (contacts, DND) and the file gateway."""
        return self.root / "outbox"

    @property
    def exchange_dir(self) -> Path:
        """Contact outcomes exported by the web app, ingested by the next run."""
        return self.root / "exchange"

    @property
    def run_lock(self) -> Path:
        return self.root / "run.lock"
