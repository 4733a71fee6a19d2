"""The two-step login pages: the code asked at login, setting up an authenticator, recovery codes, status."""

import base64

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render, resolve_url
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from districts.mfa import rules
from districts.mfa.forms import CodeForm
from drssd_portal.redirects import safe_next
from drssd_portal.security_log import log_event

FEW_RECOVERY_CODES = 3


@login_required
def verify(request):
    """The code asked after the password, for accounts with an authenticator."""
    if not rules.owes_code(request):
        return redirect(_next_page(request))
    if not rules.has_authenticator(request.user):
        return redirect(f"{resolve_url('mfa:setup')}?{request.GET.urlencode()}")
    form = CodeForm(request.POST or None, submit_label=_("Log in"))
    if request.method == "POST" and form.is_valid():
        if _check(request, form, lambda token: rules.verify_code(request, token=token)):
            left = rules.recovery_codes_left(request.user)
            if left <= FEW_RECOVERY_CODES:
                messages.warning(
                    request,
                    _("You have %(count)d recovery codes left. Make new ones on the two-step login page.")
                    % {"count": left},
                )
            return redirect(_next_page(request))
    return render(request, "districts/mfa/verify.html", {"form": form, "next": _next_page(request)})


@login_required
def setup(request):
    """Set up an authenticator app: scan the QR code (or type the key), then give one code to confirm it."""
    if not rules.may_set_up(request):
        # SECURITY: a session that has not given its code cannot move the second step to another phone.
        return redirect(f"{resolve_url('mfa:verify')}?{request.GET.urlencode()}")
    device = rules.pending_authenticator(request.user)
    form = CodeForm(request.POST or None, recovery=False, submit_label=_("Turn on two-step login"))
    if request.method == "POST" and form.is_valid():
        codes = _check(request, form, lambda token: rules.confirm_authenticator(request, device=device, token=token))
        if codes:
            log_event("mfa_enabled", request=request)
            return _show_recovery_codes(request, codes, next_page=_next_page(request))
    return render(
        request,
        "districts/mfa/setup.html",
        {
            "form": form,
            "qr_code": mark_safe(segno.make(device.config_url, error="m").svg_inline(scale=4)),  # noqa: S308 our own SVG
            "key": _grouped_key(device),
            "required": rules.is_required(request.user),
        },
    )


@login_required
def manage(request):
    """Whether two-step login is on for this account, how many recovery codes are left, and what can be done."""
    return render(
        request,
        "districts/mfa/manage.html",
        {
            "enabled": rules.has_authenticator(request.user),
            "required": rules.is_required(request.user),
            "codes_left": rules.recovery_codes_left(request.user),
            "verified": request.user.is_verified(),
        },
    )


@login_required
@require_POST
def recovery_codes(request):
    """Ten new recovery codes (the old ones stop working), shown once."""
    if not (rules.has_authenticator(request.user) and request.user.is_verified()):
        return redirect("mfa:manage")
    codes = rules.new_recovery_codes(request.user)
    log_event("mfa_recovery_codes_renewed", request=request)
    return _show_recovery_codes(request, codes, next_page=resolve_url("mfa:manage"))


@login_required
@require_POST
def turn_off(request):
    if rules.is_required(request.user):
        messages.error(request, _("Your role needs two-step login: it cannot be turned off for your account."))
        return redirect("mfa:manage")
    if rules.has_authenticator(request.user) and not request.user.is_verified():
        return redirect("mfa:manage")
    rules.turn_off(request.user)
    request.session.pop(rules.SESSION_KEY, None)
    log_event("mfa_disabled", request=request)
    messages.success(request, _("Two-step login is off for your account."))
    return redirect("mfa:manage")


def _check(request, form, attempt):
    """Run one code check; put the reason on the form when it fails, and log the failure."""
    try:
        result = attempt(form.cleaned_data["code"])
    except rules.TooManyAttempts as throttled:
        log_event("mfa_throttled", request=request)
        form.add_error(
            "code",
            _("Too many wrong codes. Wait %(seconds)d seconds, then type the code the app shows then.")
            % {"seconds": throttled.seconds},
        )
        return None
    if not result:
        log_event("mfa_failed", request=request)
        form.add_error(
            "code",
            _(
                "This code is not right or has expired. Type the six digits the app shows now "
                "(check that the phone's clock is correct), or a recovery code you have not used."
            ),
        )
    return result


def _show_recovery_codes(request, codes, *, next_page):
    response = render(request, "districts/mfa/recovery_codes.html", {"codes": codes, "next": next_page})
    response["Cache-Control"] = "no-store"
    return response


def _next_page(request):
    return safe_next(request) or resolve_url(settings.LOGIN_REDIRECT_URL)


def _grouped_key(device):
    """The key as people type it into an app: base32 in groups of four."""
    key = base64.b32encode(device.bin_key).decode()
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))
