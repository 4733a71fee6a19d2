"""Where a page may send the user back to: the ?next= of a link, only when it is a page of this site."""

from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme


def safe_next(request: HttpRequest) -> str | None:
    """SECURITY: the posted or linked `next` page, only if it is a path on this site (no other host, no scheme:
    not https://evil.example, //evil.example or javascript:); None otherwise."""
    target = request.POST.get("next") or request.GET.get("next", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return None
