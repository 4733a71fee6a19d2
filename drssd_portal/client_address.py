"""The address a request came from, for the login rate limit (django-axes' AXES_CLIENT_IP_CALLABLE).

Directly exposed (PROXY_COUNT 0, the default) it is REMOTE_ADDR: X-Forwarded-For is written by the
client and ignored. Behind N trusted proxies that each append the address they saw to X-Forwarded-For
(nginx's proxy_add_x_forwarded_for, Traefik, Caddy), it is the N-th entry from the right: the one the
outermost trusted proxy saw. Entries further left were written by the client and are never used.
"""

from django.conf import settings


def client_address(request):
    direct = request.META.get("REMOTE_ADDR")
    proxies = settings.TRUSTED_PROXY_COUNT
    if not proxies:
        return direct
    chain = [entry.strip() for entry in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if entry.strip()]
    if len(chain) < proxies:
        return direct  # not through the expected proxies (a health check on the inside, say)
    return chain[-proxies]
