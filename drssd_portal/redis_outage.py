"""Remembering, for a short while, that Redis did not answer (per process).

Redis is the cache, the Celery broker and the result backend (one REDIS_URL). A Redis that is down or frozen
(accepting connections, answering nothing, as behind a network partition) costs each call its timeout; once
one call failed, the cache (drssd_portal/cache.py) and task dispatch (drssd_portal/dispatch.py) skip Redis for
DOWN_SECONDS instead, and their fallbacks (a cache miss; the stale marks and the periodic repair) take over.
"""

import time

# Off (0) for now: a 30 s memory made the web process skip queueing for a while after Redis came back, which the
# fault runs' worker scenario does not allow for yet. Each call still gives up after its socket timeout.
DOWN_SECONDS = 0
_down_until = 0.0


def seems_down() -> bool:
    return time.monotonic() < _down_until


def remember() -> None:
    global _down_until
    _down_until = time.monotonic() + DOWN_SECONDS


def forget() -> None:
    """Try Redis again at the next call (tests; a process that knows it is back)."""
    global _down_until
    _down_until = 0.0
