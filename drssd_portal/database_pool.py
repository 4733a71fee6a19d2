"""The web processes' pool of PostgreSQL connections (psycopg's, configured in settings.py): how it reconnects.

After PostgreSQL restarts, every pooled connection is found broken when a request checks it out, and the pool
opens new ones in the background. psycopg_pool retries a failed connection after 1 s, then 2, 4, 8 s...: a restart
of a few seconds left the portal waiting up to 8 s more after PostgreSQL was back (the fault runs saw one save in
2.5 s where the persistent connections of before saved ten). A web pool on the same network as its database
retries every half second instead, without backing off: each try is one refused TCP connection while it is down.
"""

RETRY_SECONDS = 0.5


def retry_connections_steadily(seconds: float = RETRY_SECONDS) -> None:
    """Make psycopg_pool retry a failed connection every `seconds`, without exponential backoff. The attributes
    are psycopg_pool's (AttemptWithBackoff, psycopg_pool 3.2 and 3.3); tests/test_settings.py fails if they move."""
    from psycopg_pool.base import AttemptWithBackoff

    AttemptWithBackoff.INITIAL_DELAY = seconds
    AttemptWithBackoff.DELAY_JITTER = 0.1
    AttemptWithBackoff.DELAY_BACKOFF = 1.0
