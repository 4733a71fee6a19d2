"""Slowing, not blocking, the guessing of one account's password from many addresses.

django-axes locks a username *and* address pair after AXES_FAILURE_LIMIT failures: a stranger who
types a user's name wrongly locks out only their own address, never the user. An attacker who changes
address every few tries is not stopped by that, so each account also has a counter over all addresses:
after FAILURES_BEFORE_SLOWING failures within WINDOW_SECONDS, that account accepts one attempt every
PAUSE_SECONDS. Guessing slows to a crawl, while the real user waits half a minute at worst instead of
being locked out. Counts live in the cache (shared by the workers); with the cache down the throttle is
off and axes still applies.
"""

import hashlib
import math
import time

from django.core.cache import cache

FAILURES_BEFORE_SLOWING = 10
WINDOW_SECONDS = 15 * 60
PAUSE_SECONDS = 30


def _key(kind, username):
    digest = hashlib.sha256((username or "").strip().lower().encode()).hexdigest()[:32]
    return f"login-throttle:{kind}:{digest}"


def _now():
    return time.time()


def record_failure(username):
    """Count a failed login for `username` (from any address) and note when it happened."""
    count_key = _key("failures", username)
    if not cache.add(count_key, 1, WINDOW_SECONDS):
        try:
            cache.incr(count_key)
        except ValueError:  # expired between add and incr
            cache.set(count_key, 1, WINDOW_SECONDS)
    cache.set(_key("last", username), _now(), WINDOW_SECONDS)


def seconds_to_wait(username):
    """How long `username` must wait before the next attempt is even checked (0: go ahead)."""
    failures = cache.get(_key("failures", username)) or 0
    if failures < FAILURES_BEFORE_SLOWING:
        return 0
    last = cache.get(_key("last", username)) or 0
    return max(0, math.ceil(PAUSE_SECONDS - (_now() - last)))


def clear(username):
    cache.delete(_key("failures", username))
    cache.delete(_key("last", username))


def on_login_failed(sender, credentials, **kwargs):
    record_failure(credentials.get("username"))


def on_logged_in(sender, user, **kwargs):
    clear(user.get_username())
