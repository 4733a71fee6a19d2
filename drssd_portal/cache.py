"""The cache is an accelerator, never a dependency: with Redis down, a page is built without it, not a 500.

Django's RedisCache raises redis's ConnectionError (or TimeoutError) from every call when Redis is
unreachable; dashboards, CSVs and chart images read and write the cache in the request. This backend
turns such a failure into a cache miss (reads) or a no-op (writes), logged once a minute at most.
"""

import logging
import time

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)
UNREACHABLE = (RedisConnectionError, RedisTimeoutError, OSError)
LOG_EVERY_SECONDS = 60


class ForgivingRedisCache(RedisCache):
    _last_logged = 0.0

    def _unreachable(self, operation, default=None):
        now = time.monotonic()
        if now - ForgivingRedisCache._last_logged >= LOG_EVERY_SECONDS:
            ForgivingRedisCache._last_logged = now
            logger.warning("Redis is unreachable: cache %s skipped (the page is built without the cache).", operation)
        return default

    def get(self, key, default=None, version=None):
        try:
            return super().get(key, default, version)
        except UNREACHABLE:
            return self._unreachable("get", default)

    def get_many(self, keys, version=None):
        try:
            return super().get_many(keys, version)
        except UNREACHABLE:
            return self._unreachable("get_many", {})

    def set(self, key, value, timeout=None, version=None):
        try:
            super().set(key, value, timeout, version)
        except UNREACHABLE:
            self._unreachable("set")

    def set_many(self, data, timeout=None, version=None):
        try:
            return super().set_many(data, timeout, version)
        except UNREACHABLE:
            return self._unreachable("set_many", [])

    def add(self, key, value, timeout=None, version=None):
        try:
            return super().add(key, value, timeout, version)
        except UNREACHABLE:
            return self._unreachable("add", False)

    def delete(self, key, version=None):
        try:
            return super().delete(key, version)
        except UNREACHABLE:
            return self._unreachable("delete", False)

    def incr(self, key, delta=1, version=None):
        try:
            return super().incr(key, delta, version)
        except UNREACHABLE:
            return self._unreachable("incr", 0)
