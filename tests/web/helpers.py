"""Run Python or `yuanwei` in a fresh process: Django reads its settings once per process, so
settings and migrations are tested with their own environment."""

from __future__ import annotations

import json
import os
import subprocess
import sys

PRODUCTION_ENV = {
    "SECRET_KEY": "k" * 20 + "-production-secret-of-fifty-or-more-characters-Zx9",
    "ALLOWED_HOSTS": "yuanwei.bank.example",
}


def clean_env(home, **extra) -> dict:
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "SECRET_KEY", "ALLOWED_HOSTS", "YUANWEI_DEBUG", "YUANWEI_HTTPS",
                         "DJANGO_ALLOW_ASYNC_UNSAFE")}
    env.update({"YUANWEI_HOME": str(home.root if hasattr(home, "root") else home),
                "DJANGO_SETTINGS_MODULE": "yuanwei.web.settings", **extra})
    return env


def run_python(code: str, env: dict, timeout: int = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=timeout)


def settings_in(env: dict, *names: str) -> dict:
    code = ("import json, django; django.setup(); from django.conf import settings as s; "
            f"print(json.dumps({{n: getattr(s, n, None) for n in {list(names)!r}}}, default=str))")
    p = run_python(code, env)
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout.strip().splitlines()[-1])


def manage(args: list[str], env: dict, timeout: int = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "django", *args], env=env, capture_output=True, text=True,
                          timeout=timeout)
