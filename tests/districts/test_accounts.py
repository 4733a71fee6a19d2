"""Logging in and out, the login rate limit and changing one's password, through the test client."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"  # UserFactory's default
LOGIN = reverse("login")


# --- Logging in and out -----------------------------------------------------------------------------


def test_login_with_right_password_goes_home(client, dso_a):
    response = client.post(LOGIN, {"username": "dso_a", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert client.get(reverse("home")).status_code == 200


def test_login_with_wrong_password_shows_error(client, dso_a):
    response = client.post(LOGIN, {"username": "dso_a", "password": "wrong"})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert client.get(reverse("home")).status_code == 302


def test_logged_in_user_visiting_login_goes_home(client_for, dso_a):
    response = client_for(dso_a).get(LOGIN)
    assert response.status_code == 302
    assert response["Location"] == reverse("home")


def test_logout_by_post_ends_the_session(client_for, dso_a):
    client = client_for(dso_a)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert response["Location"] == LOGIN
    assert client.get(reverse("home")).status_code == 302


def test_logout_by_get_is_refused(client_for, dso_a):
    client = client_for(dso_a)
    assert client.get(reverse("logout")).status_code == 405
    assert client.get(reverse("home")).status_code == 200


def test_fifth_wrong_password_locks_out_even_the_right_one(client, dso_a, settings):
    assert settings.AXES_FAILURE_LIMIT == 5
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # axes needs a real POST, so no client_for
    for attempt in range(1, 5):
        response = client.post(LOGIN, {"username": "dso_a", "password": f"wrong-{attempt}"})
        assert response.status_code == 200, attempt
    response = client.post(LOGIN, {"username": "dso_a", "password": "wrong-5"})
    assert response.status_code == 429

    response = client.post(LOGIN, {"username": "dso_a", "password": PASSWORD})
    assert response.status_code == 429
    assert "registration/lockout.html" in [t.name for t in response.templates]
    assert "Too many login attempts" in response.content.decode()
    assert "15 minutes" in response.content.decode()
    assert client.get(reverse("home")).status_code == 302


def test_lockout_is_per_username(client, dso_a, dso_b):
    for attempt in range(5):
        client.post(LOGIN, {"username": "dso_a", "password": f"wrong-{attempt}"})
    response = client.post(LOGIN, {"username": "dso_b", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("home")


def test_four_wrong_passwords_still_allow_the_right_one(client, dso_a):
    for attempt in range(4):
        client.post(LOGIN, {"username": "dso_a", "password": f"wrong-{attempt}"})
    response = client.post(LOGIN, {"username": "dso_a", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("home")


# --- Password change --------------------------------------------------------------------------------

NEW_PASSWORD = "Tonle-Sap-monsoon-2024"


def test_password_change_page_shows_the_form(client_for, dso_a):
    response = client_for(dso_a).get(reverse("password_change"))
    assert response.status_code == 200
    assert 'name="old_password"' in response.content.decode()


def test_password_change_with_wrong_old_password_shows_error_and_keeps_user_logged_in(client_for, dso_a):
    client = client_for(dso_a)
    response = client.post(
        reverse("password_change"),
        {
            "old_password": "not-my-password",
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )
    assert response.status_code == 200
    assert "old_password" in response.context["form"].errors
    dso_a.refresh_from_db()
    assert dso_a.check_password(PASSWORD)
    assert client.get(reverse("home")).status_code == 200


def test_password_change_with_right_old_password_goes_to_done(client_for, dso_a):
    client = client_for(dso_a)
    response = client.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("password_change_done")
    dso_a.refresh_from_db()
    assert dso_a.check_password(NEW_PASSWORD)
    # The session survives the change (update_session_auth_hash).
    done = client.get(reverse("password_change_done"))
    assert done.status_code == 200
    assert "Password changed" in done.content.decode()
    assert client.get(reverse("home")).status_code == 200
