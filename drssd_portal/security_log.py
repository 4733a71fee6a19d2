"""The security log: who did what, when and from where, one JSON object a line on the "drssd.security" logger.

Recorded: refused requests (403) and scoped lookups that found nothing for a logged-in user (404 under
/reports/ and /units/: what probing another district's address looks like), failed logins and
lockouts, changes to role assignments, and every export (CSV, PDF). Settings send the logger to the
console and, with SECURITY_LOG_FILE set, to that file (the production compose keeps it in a volume).
"""

import json
import logging

from django.utils import timezone

from drssd_portal.client_address import client_address

logger = logging.getLogger("drssd.security")
SCOPED_PREFIXES = ("/reports/", "/units/")


def log_event(event, *, request=None, user=None, **details):
    """Write one security event. `user` defaults to the request's user; details must be JSON-serialisable."""
    if user is None and request is not None:
        user = getattr(request, "user", None)
    record = {
        "event": event,
        "at": timezone.now().isoformat(),
        "user": user.get_username() if user is not None and user.is_authenticated else None,
        "address": client_address(request) if request is not None else None,
        "path": request.get_full_path()[:500] if request is not None else None,
        "method": request.method if request is not None else None,
        **details,
    }
    logger.info(json.dumps(record, ensure_ascii=False, default=str))


class SecurityLogMiddleware:
    """Logs refused requests and, for logged-in users, not-found scoped pages."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code == 403:
            log_event("access_denied", request=request, status=403)
        elif (
            response.status_code == 404
            and request.path.startswith(SCOPED_PREFIXES)
            and getattr(request, "user", None) is not None
            and request.user.is_authenticated
        ):
            log_event("not_found_in_scope", request=request, status=404)
        return response


def on_login_failed(sender, credentials, request=None, **kwargs):
    log_event("login_failed", request=request, username=(credentials.get("username") or "")[:150])


def on_locked_out(sender, request=None, username=None, ip_address=None, **kwargs):
    log_event("lockout", request=request, username=(username or "")[:150], locked_address=ip_address)


def _current_request():
    """The request being served, if any (django-simple-history's middleware keeps it), for who changed a role."""
    from simple_history.models import HistoricalRecords

    return getattr(HistoricalRecords.context, "request", None)


def on_assignment_saved(sender, instance, created, **kwargs):
    log_event(
        "role_assigned" if created else "role_changed",
        request=_current_request(),
        assignment=instance.pk,
        member=instance.user.get_username(),
        role=instance.role,
        unit=str(instance.unit) if getattr(instance, "unit", None) else None,
    )


def on_assignment_deleted(sender, instance, **kwargs):
    log_event(
        "role_removed",
        request=_current_request(),
        assignment=instance.pk,
        member=instance.user.get_username(),
        role=instance.role,
    )
