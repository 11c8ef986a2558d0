"""`yuanwei serve`: migrates a fresh home, then gunicorn (gthread) serves pages and vendored static files."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time

import httpx
import pytest

from yuanwei.web.server import _is_loopback, gunicorn_options

from .helpers import clean_env


def test_gunicorn_runs_two_worker_processes_per_core(monkeypatch):
    monkeypatch.delenv("YUANWEI_WORKERS", raising=False)
    monkeypatch.delenv("YUANWEI_THREADS", raising=False)
    monkeypatch.setattr("os.cpu_count", lambda: 2)
    opts = gunicorn_options("127.0.0.1", 8123)
    assert opts["bind"] == "127.0.0.1:8123" and opts["worker_class"] == "gthread"
    assert (opts["workers"], opts["threads"]) == (4, 1)  # processes, not threads: pages are GIL-bound
    assert gunicorn_options("::1", 8000)["bind"] == "[::1]:8000"


def test_the_environment_sets_workers_and_threads(monkeypatch):
    monkeypatch.setenv("YUANWEI_WORKERS", "3")
    monkeypatch.setenv("YUANWEI_THREADS", "2")
    assert (gunicorn_options("127.0.0.1", 8000)["workers"], gunicorn_options("127.0.0.1", 8000)["threads"]) == (3, 2)


def test_loopback_addresses():
    assert all(map(_is_loopback, ["127.0.0.1", "localhost", "::1", "[::1]"]))
    assert not any(map(_is_loopback, ["0.0.0.0", "10.0.0.8", "yuanwei.bank.example"]))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_it_serves_a_fresh_home(home):
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "yuanwei.cli", "--home", str(home.root), "serve", "--port", str(port)],
                            env=clean_env(home, YUANWEI_WORKERS="1"), stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 90
        while True:
            try:
                r = httpx.get(f"{base}/accounts/login/", timeout=5)
                break
            except httpx.TransportError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"server did not start:\n{proc.stdout.read() if proc.poll() is not None else ''}")
                time.sleep(0.5)
        # plain HTTP on loopback: no redirect to https, and the page is the Chinese sign-in
        assert r.status_code == 200 and "登录远维" in r.text
        assert "Strict-Transport-Security" not in r.headers
        assert r.headers["X-Content-Type-Options"] == "nosniff"
        js = httpx.get(f"{base}/static/vendor/htmx.min.js", timeout=5)
        assert js.status_code == 200 and "javascript" in js.headers["Content-Type"]
        assert httpx.get(f"{base}/", timeout=5).headers["Location"] == "/today/"
        assert home.app_db.exists() and (home.root / "static" / "vendor" / "htmx.min.js").exists()
    finally:
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=30)
    assert f"http://127.0.0.1:{port}/" in out  # the URL is printed
