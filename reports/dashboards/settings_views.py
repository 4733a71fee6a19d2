"""The MRD's page for the ODF checklist, the re-verification period and the scorecard weights (the admin shows them
read only: this page's edit version is the one guard against two saves at once). Who may open it follows the
reporting periods page (reports/entry/period_views.py)."""

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
from reports.entry.views import conflict_message, posted_version
from reports.entry.writes import EditConflict, claim_version
from reports.odf.models import OdfSettings


def _require_manager(user):
    # SECURITY: only the ministry (and administrators) change what verification asks and how districts score.
    if not user.assignments.filter(role__in=PERIOD_MANAGER_ROLES).exists():
        raise PermissionDenied(
            _("Only the Ministry of Rural Development sets the ODF checklist and the scorecard weights.")
        )


@login_required
def odf_scorecard_settings(request):
    """The page, saved as a whole under one edit version (on the weights row): a save based on an out-of-date copy
    (another officer saved after this one opened the page) is refused, nothing saved and everything typed kept, as
    on the entry pages."""
    _require_manager(request.user)
    data = request.POST if request.method == "POST" else None
    weights = ScorecardWeights.current()
    odf_form = OdfSettingsForm(data, instance=OdfSettings.current(), prefix="odf")
    weights_form = WeightsForm(data, instance=weights, prefix="weights")
    formset = checklist_formset(data)
    version = weights.version
    if request.method == "POST":
        version = posted_version(request)
        if odf_form.is_valid() and weights_form.is_valid() and formset.is_valid():
            changes = _changes(odf_form, weights_form, formset)
            try:
                _save(odf_form, weights_form, formset, expected_version=version, by=request.user)
            except EditConflict as conflict:
                messages.error(request, conflict_message(conflict))
                version = ScorecardWeights.objects.get(pk=weights.pk).version  # Save again keeps the typed values
            else:
                if changes:
                    messages.success(request, _("Saved: %(changes)s.") % {"changes": "; ".join(changes)})
                else:
                    messages.info(request, _("Saved: nothing had changed."))
                return redirect("reports:odf_scorecard_settings")
        else:
            messages.error(request, _("Nothing was saved: please correct the fields marked in red."))
    return render(
        request,
        "reports/dashboards/odf_scorecard_settings.html",
        {"odf_form": odf_form, "weights_form": weights_form, "formset": formset, "version": version},
    )


@transaction.atomic
def _save(odf_form, weights_form, formset, *, expected_version, by):
    """Save the valid forms, unless the page moved on since `expected_version` (EditConflict, nothing saved)."""
    claimed = claim_version(ScorecardWeights, weights_form.instance.pk, expected_version, by)
    weights_form.instance.version, weights_form.instance.updated_by = claimed.version, claimed.updated_by
    odf_form.save()
    weights_form.save()
    formset.save()


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
