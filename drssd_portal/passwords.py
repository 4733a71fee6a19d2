"""Password hashing that a quarter-end burst of logins cannot starve the rest of the portal with.

The hasher is Django's default, PBKDF2-SHA256 at Django's own iteration count (1,000,000 in Django 5.2, raised
with each release and applied to a user's stored hash at their next login), chosen deliberately: it needs no
compiled dependency, it is the algorithm Django's security team tunes, and its cost is not lowered here to buy
speed. What changes is where it runs: on a small pool of threads in each web process at the lowest CPU priority
(nice 19). A login still takes one core for ~0.2 s when the machine is idle; when pages are waiting, the kernel
runs them first (a nice-19 thread gets ~1.5 % of a core against a nice-0 one), so 200 people logging in at 8 a.m.
slow each other's logins, not everyone's pages. hashlib releases the GIL while hashing, so the request thread
that waits for it holds no lock the page threads need (gunicorn runs gthread workers: see the Dockerfile).

PASSWORD_HASH_THREADS (default 1) bounds the logins hashed at once per web process; the rest wait their turn,
each on a gunicorn thread that holds no database connection while it waits: gunicorn.conf.py gives each process
enough threads that waiting logins leave room for pages.
"""

import os
import threading
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connections

LOWEST_PRIORITY = 19

_pool: ThreadPoolExecutor | None = None
_pool_pid: int | None = None
_pool_lock = threading.Lock()


def lower_this_threads_priority():
    """Give the calling thread the lowest CPU priority (Linux: a thread's own nice value). Elsewhere, or where
    the system refuses, nothing changes: hashing runs at normal priority, as it always did."""
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), LOWEST_PRIORITY)
    except (AttributeError, OSError):
        pass


def _hashing_pool() -> ThreadPoolExecutor:
    """The process's pool, created on first use: a gunicorn worker forked from the master gets its own."""
    global _pool, _pool_pid
    with _pool_lock:
        if _pool is None or _pool_pid != os.getpid():
            _pool = ThreadPoolExecutor(
                max_workers=settings.PASSWORD_HASH_THREADS,
                thread_name_prefix="password-hash",
                initializer=lower_this_threads_priority,
            )
            _pool_pid = os.getpid()
        return _pool


def at_low_priority(function, *args):
    """`function(*args)` computed on the low-priority hashing pool; the caller waits for the result, holding no
    database connection meanwhile (a burst of logins can wait for seconds, and connections are few)."""
    release_database_connections()
    return _hashing_pool().submit(function, *args).result()


def release_database_connections():
    """Close this thread's database connections that are not inside a transaction; the next query opens one."""
    for connection in connections.all(initialized_only=True):
        if not connection.in_atomic_block:
            connection.close()


class LowPriorityPBKDF2PasswordHasher(PBKDF2PasswordHasher):
    """Django's PBKDF2-SHA256, same algorithm name, iterations and stored format (existing hashes verify
    unchanged), computed at low priority. verify() and harden_runtime() go through encode()."""

    def encode(self, password, salt, iterations=None):
        return at_low_priority(super().encode, password, salt, iterations)
