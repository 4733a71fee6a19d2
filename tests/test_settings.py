"""Settings read from the environment: safe embedded defaults, services when configured, loud failures.

Each case runs Django in a subprocess with an environment we control, so the settings module is
imported fresh and nothing from the test run (or the developer's shell) leaks in.
"""

import os
import secrets
import string
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # each case starts Django in a subprocess (1-2 s)

PROJECT_ROOT = Path(__file__).resolve().parent.parent

PRINT_SETTINGS = """
import os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "drssd_portal.settings")
import django
django.setup()
from django.conf import settings
print(settings.DATABASES["default"]["ENGINE"])
print(settings.CELERY_TASK_ALWAYS_EAGER)
print(settings.CELERY_BROKER_URL)
print(settings.DEBUG)
"""


def clean_env(**extra):
    """Only what a process needs to start, plus `extra`."""
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/tmp"), **extra}


def run(args, env):
    return subprocess.run(
        [sys.executable, *args], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def random_secret_key():
    alphabet = string.ascii_letters + string.digits + "!@#%^&*(-_=+)"
    return "".join(secrets.choice(alphabet) for _ in range(50))


def test_empty_environment_runs_on_sqlite_with_eager_celery():
    result = run(["-c", PRINT_SETTINGS], clean_env())
    assert result.returncode == 0, result.stderr
    engine, eager, broker, debug = result.stdout.split()
    assert engine == "django.db.backends.sqlite3"
    assert eager == "True"
    assert broker == "memory://"
    assert debug == "True"


def test_database_and_redis_urls_switch_to_postgresql_and_a_real_broker():
    redis_url = "redis://127.0.0.1:6379/0"
    env = clean_env(DATABASE_URL="postgres://postgres@127.0.0.1:5432/drssd", REDIS_URL=redis_url)
    result = run(["-c", PRINT_SETTINGS], env)
    assert result.returncode == 0, result.stderr
    engine, eager, broker, _debug = result.stdout.split()
    assert engine == "django.db.backends.postgresql"
    assert eager == "False"
    assert broker == redis_url


def test_production_settings_pass_the_deployment_checks_without_warnings():
    env = clean_env(DEBUG="False", SECRET_KEY=random_secret_key(), ALLOWED_HOSTS="portal.example.org")
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNING" not in result.stdout + result.stderr


def test_production_without_secret_key_refuses_to_start():
    result = run(["manage.py", "check"], clean_env(DEBUG="False", ALLOWED_HOSTS="portal.example.org"))
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY must be set" in result.stderr


def test_malformed_database_url_refuses_to_start():
    result = run(["-c", PRINT_SETTINGS], clean_env(DATABASE_URL="nosuchdb://whatever"))
    assert result.returncode != 0
    assert "nosuchdb" in result.stderr


def test_english_dates_are_day_first_with_a_24_hour_clock_as_in_khmer():
    import datetime

    from django.utils import translation
    from django.utils.formats import date_format, time_format

    moment = datetime.datetime(2019, 10, 15, 21, 53)
    with translation.override("en"):
        assert date_format(moment.date()) == "15 Oct 2019"
        assert date_format(moment, "SHORT_DATETIME_FORMAT") == "15/10/2019 21:53"
        assert time_format(moment.time()) == "21:53"
    with translation.override("km"):
        assert date_format(moment, "SHORT_DATETIME_FORMAT") == "15/10/2019 21:53"
        assert time_format(moment.time()) == "21:53"


PRINT_CONNECTIONS = """
import os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "drssd_portal.settings")
import django
django.setup()
from django.conf import settings
database = settings.DATABASES["default"]
print(database["CONN_MAX_AGE"], database["CONN_HEALTH_CHECKS"], database.get("OPTIONS", {}).get("pool"))
from psycopg_pool.base import AttemptWithBackoff
print("retry", AttemptWithBackoff.INITIAL_DELAY, AttemptWithBackoff.DELAY_BACKOFF)
"""


def test_connections_are_kept_and_checked_and_web_processes_share_a_pool(monkeypatch):
    postgres = "postgres://postgres@127.0.0.1:5432/drssd"
    kept = run(["-c", PRINT_CONNECTIONS], clean_env(DATABASE_URL=postgres))
    assert kept.returncode == 0, kept.stderr
    assert kept.stdout.split() == ["60", "True", "None", "retry", "1.0", "2.0"]

    pooled = run(["-c", PRINT_CONNECTIONS], clean_env(DATABASE_URL=postgres, DB_POOL_MAX_SIZE="8"))
    assert pooled.returncode == 0, pooled.stderr
    assert pooled.stdout.startswith("0 True {")  # the pool keeps them; Django refuses both at once
    assert "'max_size': 8" in pooled.stdout
    assert pooled.stdout.split()[-3:] == ["retry", "0.5", "1.0"]  # a restarted PostgreSQL is found within 0.5 s

    # gunicorn.conf.py asks for the pool in the web processes, and leaves an explicit choice alone.
    config: dict = {}
    monkeypatch.delenv("DB_POOL_MAX_SIZE", raising=False)
    exec((PROJECT_ROOT / "gunicorn.conf.py").read_text(), config)  # noqa: S102  # our own file
    assert os.environ["DB_POOL_MAX_SIZE"] == "8"
    assert config["worker_class"] == "gthread" and config["threads"] >= 32
    monkeypatch.setenv("DB_POOL_MAX_SIZE", "3")
    exec((PROJECT_ROOT / "gunicorn.conf.py").read_text(), config)  # noqa: S102
    assert os.environ["DB_POOL_MAX_SIZE"] == "3"
