"""Keys to the read API: issued, checked and revoked here (the admin's ApiToken pages call these)."""

import datetime
import hashlib
import secrets

from django.utils import timezone

from reports.exchange.models import ApiToken

# A request records the token's use at most this often (a write per request would be a write per API call).
USE_RECORDED_EVERY = datetime.timedelta(minutes=1)


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def issue(*, user, name, by=None) -> tuple[ApiToken, str]:
    """A new token for `user`: (the token, its key). The key is not kept: show it once."""
    key = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, name=name, key_hash=_hash(key), prefix=key[:8], created_by=by)
    return token, key


def authenticate(key: str) -> ApiToken | None:
    """The active token of an active user with this key, or None."""
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=_hash(key), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is not None:
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at > USE_RECORDED_EVERY:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


def revoke(token: ApiToken) -> None:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
