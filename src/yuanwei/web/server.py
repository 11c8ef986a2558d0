"""`yuanwei serve`: gunicorn (gthread workers) with static files from whitenoise — no CDN."""

from __future__ import annotations

import ipaddress
import os

from yuanwei.paths import Home


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def gunicorn_options(host: str, port: int) -> dict:
    # Processes rather than threads: a page is Python work under the GIL, so threads of one worker
    # queue behind each other (bench/web.py: Today's p95 6.5× a static file with 2 workers × 4
    # threads, 2.3× with 4 workers × 1 thread on 2 cores). Two workers per core, one thread each.
    workers = int(os.environ.get("YUANWEI_WORKERS", str(max(2, 2 * (os.cpu_count() or 1)))))
    return {
        "bind": f"[{host}]:{port}" if ":" in host else f"{host}:{port}",
        "workers": workers,
        "worker_class": "gthread",
        "threads": int(os.environ.get("YUANWEI_THREADS", "1")),
        "timeout": 60,
        "accesslog": "-",
        "errorlog": "-",
        "forwarded_allow_ips": os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1"),
    }


def prepare(home: Home, host: str) -> None:
    """Everything before serving: settings for this bind address, migrations, collected static files."""
    from yuanwei.web.bootstrap import migrate_if_needed, setup

    setup(home)
    from django.conf import settings

    if _is_loopback(host) and "YUANWEI_HTTPS" not in os.environ:
        # gunicorn speaks plain HTTP and nothing stands in front of it on this machine: an HTTPS
        # redirect or secure-only cookies would make the demo unusable. (Settings may already be
        # loaded by an earlier step in this process, hence set here rather than in the environment.)
        settings.SECURE_SSL_REDIRECT = False
        settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = False
        settings.SECURE_HSTS_SECONDS = 0
    if "ALLOWED_HOSTS" not in os.environ and not _is_loopback(host):
        if host in ("0.0.0.0", "::"):
            print("注意 / note: set ALLOWED_HOSTS to the names users type; accepting any host for now", flush=True)
            settings.ALLOWED_HOSTS = ["*"]
        else:
            settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, host]
    migrate_if_needed(home)
    from django.core.management import call_command

    call_command("collectstatic", interactive=False, verbosity=0)


def serve(home: Home, host: str = "127.0.0.1", port: int = 8000) -> None:
    """Migrate if needed, then serve until interrupted; prints the URL."""
    from gunicorn.app.base import BaseApplication

    prepare(home, host)
    from yuanwei.web.wsgi import application

    class _App(BaseApplication):
        def load_config(self):
            for key, value in gunicorn_options(host, port).items():
                self.cfg.set(key, value)

        def load(self):
            return application

    shown = "localhost" if host in ("0.0.0.0", "::") else host
    print(f"远维 yuanwei: http://{shown}:{port}/", flush=True)
    _App().run()
