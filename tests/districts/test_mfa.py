"""Two-step login: required for PDRD, MRD and administrators, optional for others, recovery codes, throttling."""

import json
import logging

import pytest
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from districts.mfa import rules
from districts.mfa.checks import two_step_login_required

PAGE = "/reports/review/"


@pytest.fixture(autouse=True)
def two_step_login_on(settings):
    settings.MFA_REQUIRED = True
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    settings.OTP_STATIC_THROTTLE_FACTOR = 0


@pytest.fixture(autouse=True)
def in_english(client):
    client.cookies["django_language"] = "en"


def code_of(device):
    """The code the app shows now; as if the last code was used in an earlier 30-second step (one code works once)."""
    device.refresh_from_db()
    device.last_t = -1
    device.save(update_fields=["last_t"])
    return f"{totp(device.bin_key):06d}"


def set_up_authenticator(client, user):
    """Walk through the set-up page; returns the confirmed device and the recovery codes shown."""
    client.force_login(user)
    response = client.get(reverse("mfa:setup"))
    assert response.status_code == 200
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    response = client.post(reverse("mfa:setup"), {"code": code_of(device)})
    assert response.status_code == 200
    device.refresh_from_db()
    assert device.confirmed
    return device, response.context["codes"]


def log_in_again(client, user):
    """A new login with the password only (the test client's logout drops the language cookie too)."""
    client.logout()
    client.force_login(user)
    client.cookies["django_language"] = "en"


def security_events(caplog):
    return [json.loads(r.getMessage())["event"] for r in caplog.records if r.name == "drssd.security"]


@pytest.mark.parametrize("persona", ["reviewer_p", "mrd", "administrator"])
def test_reviewers_mrd_and_administrators_are_sent_to_set_up_before_any_page(client, request, persona):
    client.force_login(request.getfixturevalue(persona))
    for path in (PAGE, "/", "/reports/dashboard/", "/units/", "/admin/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith(reverse("mfa:setup") + "?next="), path


def test_setting_up_shows_a_qr_code_and_the_key_and_a_wrong_code_changes_nothing(client, reviewer_p):
    client.force_login(reviewer_p)
    response = client.get(reverse("mfa:setup"))
    assert b"<svg" in response.content
    device = TOTPDevice.objects.get(user=reviewer_p, confirmed=False)
    assert response.context["key"].replace(" ", "") in device.config_url

    response = client.post(reverse("mfa:setup"), {"code": "000000" if code_of(device) != "000000" else "111111"})
    assert response.status_code == 200
    assert "not right" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=reviewer_p, confirmed=True).exists()
    assert client.get(PAGE).status_code == 302


def test_a_confirmed_authenticator_gives_ten_recovery_codes_and_opens_the_portal(client, reviewer_p):
    _, codes = set_up_authenticator(client, reviewer_p)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert client.get(PAGE).status_code == 200


def test_the_next_login_asks_for_the_code_and_a_right_one_lets_the_user_in(client, reviewer_p, caplog):
    device, _ = set_up_authenticator(client, reviewer_p)
    log_in_again(client, reviewer_p)
    response = client.get(PAGE)
    assert response["Location"] == f"{reverse('mfa:verify')}?next={PAGE}"

    caplog.set_level(logging.INFO, logger="drssd.security")
    response = client.post(response["Location"], {"code": "12345"})
    assert response.status_code == 200 and "not right" in response.content.decode()
    assert "mfa_failed" in security_events(caplog)

    # Spaces and Khmer digits are what people type too.
    khmer = code_of(device).translate(str.maketrans("0123456789", "០១២៣៤៥៦៧៨៩"))
    response = client.post(f"{reverse('mfa:verify')}?next={PAGE}", {"code": f"{khmer[:3]} {khmer[3:]}"})
    assert response.status_code == 302 and response["Location"] == PAGE
    assert client.get(PAGE).status_code == 200


def test_a_recovery_code_works_once(client, reviewer_p):
    _, codes = set_up_authenticator(client, reviewer_p)
    for attempt in range(2):
        log_in_again(client, reviewer_p)
        response = client.post(reverse("mfa:verify"), {"code": codes[0].upper()})
        assert (response.status_code == 302) == (attempt == 0)
    assert rules.recovery_codes_left(reviewer_p) == 9


def test_wrong_codes_make_the_next_attempt_wait_even_with_the_right_code(client, reviewer_p, settings, caplog):
    device, _ = set_up_authenticator(client, reviewer_p)
    settings.OTP_TOTP_THROTTLE_FACTOR = 60
    log_in_again(client, reviewer_p)
    wrong = "000000" if code_of(device) != "000000" else "111111"
    client.post(reverse("mfa:verify"), {"code": wrong})
    caplog.set_level(logging.INFO, logger="drssd.security")
    response = client.post(reverse("mfa:verify"), {"code": code_of(device)})
    assert response.status_code == 200
    assert "Wait" in response.content.decode()
    assert "mfa_throttled" in security_events(caplog)
    assert client.get(PAGE).status_code == 302


def test_a_session_without_its_code_cannot_move_two_step_login_to_another_phone(client, reviewer_p):
    device, _ = set_up_authenticator(client, reviewer_p)
    log_in_again(client, reviewer_p)  # password only
    response = client.get(reverse("mfa:setup"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("mfa:verify"))
    client.post(reverse("mfa:setup"), {"code": "123456"})
    assert list(TOTPDevice.objects.filter(user=reviewer_p).values_list("pk", "confirmed")) == [(device.pk, True)]
    assert client.post(reverse("mfa:recovery_codes")).status_code == 302
    assert client.post(reverse("mfa:turn_off")).status_code == 302
    assert TOTPDevice.objects.filter(user=reviewer_p, confirmed=True).exists()


def test_a_verified_user_can_move_to_a_new_phone_and_the_old_key_stops_working(client, reviewer_p):
    old, _ = set_up_authenticator(client, reviewer_p)
    client.get(reverse("mfa:setup"))
    new = TOTPDevice.objects.get(user=reviewer_p, confirmed=False)
    assert client.post(reverse("mfa:setup"), {"code": code_of(new)}).status_code == 200
    assert list(TOTPDevice.objects.filter(user=reviewer_p).values_list("pk", flat=True)) == [new.pk]
    assert not TOTPDevice.objects.filter(pk=old.pk).exists()


def test_new_recovery_codes_replace_the_old_ones(client, reviewer_p):
    _, old_codes = set_up_authenticator(client, reviewer_p)
    response = client.post(reverse("mfa:recovery_codes"))
    new_codes = response.context["codes"]
    assert response["Cache-Control"] == "no-store"
    tokens = set(StaticToken.objects.filter(device__user=reviewer_p).values_list("token", flat=True))
    assert tokens == set(new_codes) and not tokens & set(old_codes)


def test_two_step_login_is_optional_for_a_dso_and_asked_once_chosen(client, dso_a):
    client.force_login(dso_a)
    assert client.get("/").status_code == 200
    device, _ = set_up_authenticator(client, dso_a)
    log_in_again(client, dso_a)
    assert client.get("/").status_code == 302
    client.post(reverse("mfa:verify"), {"code": code_of(device)})
    response = client.post(reverse("mfa:turn_off"))
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=dso_a).exists()
    log_in_again(client, dso_a)
    assert client.get("/").status_code == 200


def test_a_reviewer_cannot_turn_two_step_login_off(client, reviewer_p):
    set_up_authenticator(client, reviewer_p)
    client.post(reverse("mfa:turn_off"))
    assert TOTPDevice.objects.filter(user=reviewer_p, confirmed=True).exists()


def test_the_code_page_sends_only_to_pages_of_this_site(client, reviewer_p):
    device, _ = set_up_authenticator(client, reviewer_p)
    for target in ("https://evil.example/phish", "//evil.example/x", "javascript:alert(1)"):
        log_in_again(client, reviewer_p)
        response = client.post(f"{reverse('mfa:verify')}?next={target}", {"code": code_of(device)})
        assert response.status_code in (200, 302)
        if response.status_code == 302:
            assert response["Location"] == "/"


def test_a_code_works_once_even_within_its_thirty_seconds(client, reviewer_p):
    device, _ = set_up_authenticator(client, reviewer_p)
    log_in_again(client, reviewer_p)
    code = code_of(device)
    assert client.post(reverse("mfa:verify"), {"code": code}).status_code == 302
    log_in_again(client, reviewer_p)
    assert client.post(reverse("mfa:verify"), {"code": code}).status_code == 200
    assert client.get(PAGE).status_code == 302


def test_logout_and_language_stay_reachable_before_the_code(client, reviewer_p):
    client.force_login(reviewer_p)
    assert client.post(reverse("set_language"), {"language": "km", "next": "/"}).status_code == 302
    assert client.post(reverse("logout")).status_code == 302


def test_pages_of_two_step_login_are_in_khmer(client, reviewer_p):
    client.force_login(reviewer_p)
    client.cookies["django_language"] = "km"
    response = client.get(reverse("mfa:setup"))
    page = response.content.decode()
    assert "Set up two-step login" not in page
    assert "រៀបចំការចូលប្រព័ន្ធពីរជំហាន" in page


def test_check_deploy_warns_when_two_step_login_is_off(settings):
    settings.MFA_REQUIRED = False
    assert [w.id for w in two_step_login_required(None)] == ["drssd.W001"]
    settings.MFA_REQUIRED = True
    assert two_step_login_required(None) == []


def test_a_password_login_through_the_login_page_owes_the_code(client, reviewer_p):
    response = client.post(
        reverse("login") + f"?next={PAGE}", {"username": "reviewer_p", "password": "correct-horse-battery"}
    )
    assert response.status_code == 302
    response = client.get(response["Location"])
    assert response["Location"].startswith(reverse("mfa:setup"))
