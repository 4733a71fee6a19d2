"""403, 404, 500 and the expired-form page: the portal's own pages, in the user's language, with its navigation."""

import pytest
from django.test import Client, RequestFactory
from django.utils import translation
from django.views.defaults import server_error

from drssd_portal.error_pages import FriendlyErrorPagesMiddleware


def page(response):
    return response.content.decode()


@pytest.mark.parametrize(
    "language, title",
    [("km", "រកមិនឃើញទំព័រ"), ("en", "Page not found")],
)
def test_a_missing_page_is_the_portals_page_in_the_users_language(world, dso_a, client_for, language, title):
    response = client_for(dso_a, language=language).get("/reports/0501/2019/q3/")  # another district's report
    assert response.status_code == 404
    assert title in page(response)
    assert 'href="/"' in page(response) or 'href="/">' in page(response)
    assert "Traceback" not in page(response)


@pytest.mark.parametrize("language, title", [("km", "អ្នកមិនមានសិទ្ធិធ្វើការនេះទេ"), ("en", "You are not allowed")])
def test_a_refused_page_is_the_portals_page_in_the_users_language(world, dso_a, client_for, language, title):
    response = client_for(dso_a, language=language).get("/reports/periods/")
    assert response.status_code == 403
    assert title in page(response)
    assert "403 Forbidden" not in page(response)


def test_a_form_sent_from_an_expired_page_says_so_in_khmer(world):
    client = Client(enforce_csrf_checks=True)
    client.cookies["django_language"] = "km"
    response = client.post("/accounts/login/", {"username": "x", "password": "y"})
    assert response.status_code == 403
    assert "ទំព័រនេះបានផុតកំណត់" in page(response)


@pytest.mark.parametrize("language, title", [("km", "មានបញ្ហាមួយបានកើតឡើង"), ("en", "Something went wrong")])
def test_the_error_page_is_in_the_users_language(language, title):
    with translation.override(language):
        response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    assert title in page(response)


def test_the_demo_shows_the_portals_pages_instead_of_djangos_technical_ones(world, dso_a, rf, settings):
    from django.http import HttpResponse

    settings.DEBUG = True
    settings.FRIENDLY_ERROR_PAGES = True
    request = rf.get("/nowhere/")
    request.user = dso_a
    technical = HttpResponse("Using the URLconf defined in drssd_portal.urls", status=404)
    with translation.override("en"):
        response = FriendlyErrorPagesMiddleware(lambda r: technical)(request)
        assert response.status_code == 404 and "Page not found" in page(response)
        crash = HttpResponse("Traceback (most recent call last)", status=500)
        response = FriendlyErrorPagesMiddleware(lambda r: crash)(request)
        assert response.status_code == 500 and "Traceback" not in page(response)
    settings.FRIENDLY_ERROR_PAGES = False
    assert FriendlyErrorPagesMiddleware(lambda r: technical)(request) is technical


@pytest.mark.parametrize(
    "language, title", [("km", "វិបផតថលកំពុងរវល់ខ្លាំងនៅពេលនេះ"), ("en", "The portal is very busy right now")]
)
def test_a_request_that_finds_no_free_database_connection_is_told_to_retry(world, dso_a, monkeypatch, language, title):
    """An overloaded server (the pool's PoolTimeout, wherever the first query is) answers 503 with Retry-After and
    says the data is safe, not "something went wrong"; any other error is still a 500."""
    from django.contrib.sessions.backends.db import SessionStore
    from django.db import OperationalError
    from psycopg_pool import PoolTimeout

    client = Client(raise_request_exception=False)
    client.force_login(dso_a)
    client.cookies["django_language"] = language

    def no_connection(self):
        try:
            raise PoolTimeout("couldn't get a connection after 20.00 sec")
        except PoolTimeout as error:
            raise OperationalError(str(error)) from error

    monkeypatch.setattr(SessionStore, "load", no_connection)
    response = client.get("/")
    assert response.status_code == 503 and response["Retry-After"] == "30"
    with translation.override(language):
        assert str(translation.gettext("The portal is very busy right now")) in page(response)
    if title:
        assert title in page(response)

    def broken(self):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(SessionStore, "load", broken)
    assert client.get("/").status_code == 500
