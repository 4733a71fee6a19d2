"""Each person's language is kept on their profile and applied at login, whatever the browser."""

from django.urls import reverse

from districts.models import UserProfile

PASSWORD = "correct-horse-battery"


def log_in(client, username):
    return client.post(reverse("login"), {"username": username, "password": PASSWORD})


def test_switching_language_when_logged_in_saves_it_on_the_profile(client, dso_a):
    client.force_login(dso_a)
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert UserProfile.objects.get(user=dso_a).language == "en"
    client.post(reverse("set_language"), {"language": "km", "next": "/"})
    assert UserProfile.objects.get(user=dso_a).language == "km"


def test_login_on_a_new_browser_brings_the_profiles_language(client, dso_a):
    UserProfile.objects.create(user=dso_a, language="km")
    client.cookies["django_language"] = "en"  # a browser left in English by someone else
    response = log_in(client, "dso_a")
    assert response.status_code == 302
    assert response.cookies["django_language"].value == "km"
    assert client.get("/").wsgi_request.LANGUAGE_CODE == "km"


def test_a_language_picked_on_the_login_page_is_kept_and_remembered(client, dso_a):
    UserProfile.objects.create(user=dso_a, language="km")
    client.post(reverse("set_language"), {"language": "en", "next": reverse("login")})
    response = log_in(client, "dso_a")
    assert "django_language" not in response.cookies or response.cookies["django_language"].value == "en"
    assert UserProfile.objects.get(user=dso_a).language == "en"
    assert client.get("/").wsgi_request.LANGUAGE_CODE == "en"


def test_a_user_without_a_profile_keeps_the_browsers_language(client, dso_a):
    client.cookies["django_language"] = "en"
    response = log_in(client, "dso_a")
    assert "django_language" not in response.cookies
    assert not UserProfile.objects.filter(user=dso_a).exists()


def test_an_unknown_language_changes_nothing(client, dso_a):
    client.force_login(dso_a)
    response = client.post(reverse("set_language"), {"language": "../../etc\x00", "next": "/"})
    assert response.status_code == 302
    assert not UserProfile.objects.filter(user=dso_a).exists()
