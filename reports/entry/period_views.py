"""Reporting periods and national settings, managed by the MRD."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from districts.roles import PERIOD_MANAGER_ROLES
from reports import quarters
from reports.entry.forms import NationalSettingsForm, ReportingPeriodForm
from reports.models import NationalSettings, ReportingPeriod


def _require_manager(user):
    # SECURITY: only the ministry (and administrators) open and close quarters.
    if not user.assignments.filter(role__in=PERIOD_MANAGER_ROLES).exists():
        raise PermissionDenied(_("Only the Ministry of Rural Development manages reporting periods."))


@login_required
def period_list(request):
    _require_manager(request.user)
    national = NationalSettings.current()
    period_form = ReportingPeriodForm(prefix="period", initial=_next_period_initial())
    settings_form = NationalSettingsForm(instance=national, prefix="settings")
    if request.method == "POST":
        if "save_settings" in request.POST:
            settings_form = NationalSettingsForm(request.POST, instance=national, prefix="settings")
            if settings_form.is_valid():
                settings_form.save()
                messages.success(request, _("National target year saved."))
                return redirect("reports:periods")
        else:
            period_form = ReportingPeriodForm(request.POST, prefix="period")
            if period_form.is_valid():
                period = period_form.save()
                messages.success(request, _("%(period)s added.") % {"period": period.label})
                return redirect("reports:periods")
        messages.error(request, _("Nothing was saved: please correct the fields marked in red."))
    return render(
        request,
        "reports/entry/periods.html",
        {"periods": ReportingPeriod.objects.all(), "period_form": period_form, "settings_form": settings_form},
    )


@login_required
def period_edit(request, pk):
    _require_manager(request.user)
    period = get_object_or_404(ReportingPeriod, pk=pk)
    form = ReportingPeriodForm(request.POST or None, instance=period)
    if request.method == "POST":
        if form.is_valid():
            form.save()
            messages.success(request, _("%(period)s saved.") % {"period": period.label})
            return redirect("reports:periods")
        messages.error(request, _("Nothing was saved: please correct the fields marked in red."))
    return render(request, "reports/entry/period_form.html", {"period": period, "form": form})


def _next_period_initial():
    latest = ReportingPeriod.objects.order_by("-year", "-quarter").first()
    if latest is None:
        return {}
    year, quarter = quarters.next_quarter(latest.year, latest.quarter)
    return {"year": year, "quarter": quarter, "deadline": quarters.default_deadline(year, quarter), "is_open": True}
