"""The answer to a request that could not get a database connection in time: 503 "busy", not 500 "error".

The web processes share a small pool of PostgreSQL connections (settings: DB_POOL_MAX_SIZE, DB_POOL_TIMEOUT). When the
server is overloaded a request waits DB_POOL_TIMEOUT seconds for one, then psycopg_pool raises PoolTimeout (seen in
the load test with the processes paused by a profiler). That is not a fault of the page: the person should wait a
moment and try again, and what they typed on an entry page is still kept in their browser (js/keep-typed.js). Django
calls the 500 view inside the exception handler, so the exception is known there; every other error still gets
Django's 500 page.
"""

import logging
import sys

from django.http import HttpResponse
from django.template.loader import render_to_string
from django.views import defaults

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 30


def is_pool_timeout(error: BaseException | None) -> bool:
    """Whether `error`, or an error it was raised from, is psycopg_pool's PoolTimeout."""
    try:
        from psycopg_pool import PoolTimeout
    except ImportError:  # SQLite runs (the demo) have no pool
        return False
    seen = set()
    while error is not None and id(error) not in seen:
        if isinstance(error, PoolTimeout):
            return True
        seen.add(id(error))
        error = error.__cause__ or error.__context__
    return False


def server_error(request, template_name=defaults.ERROR_500_TEMPLATE_NAME):
    """Django's server_error, except for a request that found no free database connection: 503 with Retry-After."""
    if is_pool_timeout(sys.exc_info()[1]):
        logger.warning("Busy: no free database connection for %s %s", request.method, request.path)
        response = HttpResponse(render_to_string("503.html"), status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    return defaults.server_error(request, template_name)
