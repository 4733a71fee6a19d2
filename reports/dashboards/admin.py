"""The district scorecard's weights in the admin, read only: the MRD and administrators change them on the MRD's page
(reports/dashboards/settings_views.py), which saves them under an edit version (an edit here would bypass it)."""

from django.contrib import admin

from drssd_portal.read_only_admin import ReadOnlyAdmin
from reports.dashboards.models import ScorecardWeights


@admin.register(ScorecardWeights)
class ScorecardWeightsAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "coverage", "odf", "sustainability", "timeliness", "budget", "updated_at"]
