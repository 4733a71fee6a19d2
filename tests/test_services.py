"""The real services the portal runs on in production: PostgreSQL and Redis.

In CI (CI set) both must be configured and reachable: a missing URL fails, it never skips, so a
green CI run cannot silently have tested only SQLite. Elsewhere each test runs when its service is
configured and skips otherwise.
"""

import os

import pytest
import redis
from django.db import connection

IN_CI = bool(os.environ.get("CI"))


def service_url(name):
    url = os.environ.get(name)
    if not url:
        if IN_CI:
            pytest.fail(f"{name} must be set in CI (CI={os.environ.get('CI')!r}).")
        pytest.skip(f"{name} is not set; run with {name}=... to test against the real service.")
    return url


@pytest.mark.django_db
def test_database_is_postgresql_when_database_url_is_set():
    service_url("DATABASE_URL")
    assert connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)


def test_redis_answers_ping_when_redis_url_is_set(settings):
    url = service_url("REDIS_URL")
    assert redis.Redis.from_url(url).ping() is True
    assert settings.CELERY_BROKER_URL == url
    # Django's RedisCache, forgiving an unreachable Redis (drssd_portal/cache.py).
    assert settings.CACHES["default"]["BACKEND"] == "drssd_portal.cache.ForgivingRedisCache"


def test_cache_round_trips_through_redis_when_redis_url_is_set():
    service_url("REDIS_URL")
    from django.core.cache import cache

    cache.set("drssd-test-services", "ស្រុកថ្ពង", timeout=30)
    try:
        assert cache.get("drssd-test-services") == "ស្រុកថ្ពង"
    finally:
        cache.delete("drssd-test-services")
