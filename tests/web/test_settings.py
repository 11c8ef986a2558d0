"""Settings come from the environment; production settings pass `manage.py check --deploy`."""

from pathlib import Path

from .helpers import PRODUCTION_ENV, clean_env, manage, settings_in


def test_the_production_settings_pass_check_deploy(home):
    p = manage(["check", "--deploy", "--fail-level", "WARNING"], clean_env(home, **PRODUCTION_ENV))
    assert p.returncode == 0, p.stdout + p.stderr
    assert "System check identified no issues" in p.stdout


def test_production_is_https_only(home):
    s = settings_in(clean_env(home, **PRODUCTION_ENV), "DEBUG", "SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE",
                    "CSRF_COOKIE_SECURE", "SECURE_HSTS_SECONDS", "SECURE_CONTENT_TYPE_NOSNIFF", "ALLOWED_HOSTS")
    assert s == {"DEBUG": False, "SECURE_SSL_REDIRECT": True, "SESSION_COOKIE_SECURE": True,
                 "CSRF_COOKIE_SECURE": True, "SECURE_HSTS_SECONDS": 31536000, "SECURE_CONTENT_TYPE_NOSNIFF": True,
                 "ALLOWED_HOSTS": ["yuanwei.bank.example"]}


def test_the_demo_defaults(home):
    names = ("DEBUG", "DATABASES", "SECRET_KEY", "LANGUAGE_CODE", "TIME_ZONE", "USE_TZ", "LANGUAGES")
    s = settings_in(clean_env(home), *names)
    assert s["DEBUG"] is False
    db = s["DATABASES"]["default"]
    assert db["ENGINE"] == "django.db.backends.sqlite3" and db["NAME"] == str(home.app_db)
    assert (s["LANGUAGE_CODE"], s["TIME_ZONE"], s["USE_TZ"]) == ("zh-hans", "Asia/Shanghai", True)
    assert [code for code, _ in s["LANGUAGES"]] == ["zh-hans", "en"]
    # the demo's secret key is generated once and kept under home, readable by its owner only
    key_file = Path(home.root) / "secret_key"
    assert s["SECRET_KEY"] == key_file.read_text() and len(s["SECRET_KEY"]) >= 50
    assert key_file.stat().st_mode & 0o077 == 0
    assert settings_in(clean_env(home), "SECRET_KEY")["SECRET_KEY"] == s["SECRET_KEY"]


def test_the_environment_overrides_the_defaults(home):
    s = settings_in(clean_env(home, YUANWEI_DEBUG="1", SECRET_KEY="from-env",
                              DATABASE_URL="postgres://bank:pw@db.example:5433/yuanwei"),
                    "DEBUG", "SECURE_SSL_REDIRECT", "SECRET_KEY", "DATABASES")
    assert (s["DEBUG"], s["SECURE_SSL_REDIRECT"], s["SECRET_KEY"]) == (True, False, "from-env")
    pg = s["DATABASES"]["default"]
    assert (pg["ENGINE"], pg["HOST"], pg["PORT"], pg["NAME"], pg["USER"]) == (
        "django.db.backends.postgresql", "db.example", 5433, "yuanwei", "bank")
    assert not (Path(home.root) / "secret_key").exists()
