"""The login rate limit behind a proxy, and per account without letting a stranger lock a user out."""

import pytest
from django.test import RequestFactory, override_settings
from django.urls import reverse
from django.utils import translation

from districts import login_throttle
from drssd_portal.client_address import client_address


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def request_from(remote, forwarded=None):
    extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded else {}
    return RequestFactory().post("/accounts/login/", REMOTE_ADDR=remote, **extra)


@pytest.mark.parametrize(
    ("proxies", "remote", "forwarded", "seen"),
    [
        (0, "203.0.113.5", "6.6.6.6", "203.0.113.5"),  # exposed directly: the header is the client's own words
        (1, "172.18.0.5", "203.0.113.5", "203.0.113.5"),  # behind the TLS proxy
        (1, "172.18.0.5", "6.6.6.6, 203.0.113.5", "203.0.113.5"),  # a forged entry on the left is ignored
        (2, "172.18.0.5", "6.6.6.6, 203.0.113.5, 10.0.0.7", "203.0.113.5"),
        (1, "172.18.0.5", None, "172.18.0.5"),  # not through the proxy
    ],
)
def test_the_client_address_is_the_one_the_trusted_proxy_saw(settings, proxies, remote, forwarded, seen):
    settings.TRUSTED_PROXY_COUNT = proxies
    assert client_address(request_from(remote, forwarded)) == seen


def login(client, username, password, address):
    client.cookies["django_language"] = "en"
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR="172.18.0.5",
        HTTP_X_FORWARDED_FOR=address,
    )  # fmt: skip


@override_settings(TRUSTED_PROXY_COUNT=1, AXES_FAILURE_LIMIT=5)
def test_failures_from_a_strangers_address_do_not_lock_the_user_out(client, dso_a):
    for _ in range(6):
        login(client, "dso_a", "wrong", "198.51.100.66")  # the stranger, behind the same proxy
    assert login(client, "dso_a", "wrong", "198.51.100.66").status_code in (403, 429)  # the stranger is locked
    response = login(client, "dso_a", "correct-horse-battery", "203.0.113.5")  # the user, from their office
    assert response.status_code == 302


@override_settings(TRUSTED_PROXY_COUNT=1, AXES_FAILURE_LIMIT=100)
def test_guessing_one_account_from_many_addresses_is_slowed_not_blocked(client, dso_a, monkeypatch):
    now = [1_000_000.0]
    monkeypatch.setattr(login_throttle, "_now", lambda: now[0])
    for n in range(login_throttle.FAILURES_BEFORE_SLOWING):
        login(client, "dso_a", "guess", f"198.51.100.{n}")

    slowed = login(client, "dso_a", "correct-horse-battery", "203.0.113.5")
    assert slowed.status_code == 200
    assert "Wait 30 seconds" in slowed.content.decode()

    now[0] += login_throttle.PAUSE_SECONDS
    assert login(client, "dso_a", "correct-horse-battery", "203.0.113.5").status_code == 302
    assert login_throttle.seconds_to_wait("dso_a") == 0  # a success clears the count
