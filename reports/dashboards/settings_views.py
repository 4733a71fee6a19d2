"""The MRD's page for the ODF checklist, the re-verification period and the scorecard weights (the admin still
works for administrators). Who may open it follows the reporting periods page (reports/entry/period_views.py)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from districts.roles import PERIOD_MANAGER_ROLES
from reports.dashboards.forms import OdfSettingsForm, WeightsForm, checklist_formset
from reports.dashboards.models import ScorecardWeights
from reports.odf.models import OdfSettings


def _require_manager(user):
    # SECURITY: only the ministry (and administrators) change what verification asks and how districts score.
    if not user.assignments.filter(role__in=PERIOD_MANAGER_ROLES).exists():
        raise PermissionDenied(
            _("Only the Ministry of Rural Development sets the ODF checklist and the scorecard weights.")
        )


@login_required
def odf_scorecard_settings(request):
    _require_manager(request.user)
    data = request.POST if request.method == "POST" else None
    odf_form = OdfSettingsForm(data, instance=OdfSettings.current(), prefix="odf")
    weights_form = WeightsForm(data, instance=ScorecardWeights.current(), prefix="weights")
    formset = checklist_formset(data)
    if request.method == "POST":
        if odf_form.is_valid() and weights_form.is_valid() and formset.is_valid():
            changes = _changes(odf_form, weights_form, formset)
            with transaction.atomic():
                odf_form.save()
                weights_form.save()
                formset.save()
            if changes:
                messages.success(request, _("Saved: %(changes)s.") % {"changes": "; ".join(changes)})
            else:
                messages.info(request, _("Saved: nothing had changed."))
            return redirect("reports:odf_scorecard_settings")
        messages.error(request, _("Nothing was saved: please correct the fields marked in red."))
    return render(
        request,
        "reports/dashboards/odf_scorecard_settings.html",
        {"odf_form": odf_form, "weights_form": weights_form, "formset": formset},
    )


def _changes(odf_form, weights_form, formset) -> list[str]:
    """What the valid forms change, in the user's language (read before saving: `initial` holds the old values)."""
    changes = []
    for form in (odf_form, weights_form):
        for name in form.changed_data:
            changes.append(
                _("%(field)s: %(old)s → %(new)s")
                % {
                    "field": capfirst(form.fields[name].label),
                    "old": form.initial[name],
                    "new": form.cleaned_data[name],
                }
            )
    for form in formset.forms:
        if not form.has_changed():
            continue
        item = form.instance
        if item.pk is None:
            changes.append(_("new checklist item “%(item)s”") % {"item": item.text})
        elif "active" in form.changed_data and not item.active:
            changes.append(_("checklist item “%(item)s” deactivated") % {"item": item.text})
        elif "active" in form.changed_data:
            changes.append(_("checklist item “%(item)s” active again") % {"item": item.text})
        else:
            changes.append(_("checklist item “%(item)s” changed") % {"item": item.text})
    return changes
