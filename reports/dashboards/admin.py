"""The district scorecard's weights in the admin, read only: the MRD and administrators change them on the MRD's page
(reports/dashboards/settings_views.py), which saves them under an edit version (an edit here would bypass it)."""

from django.contrib import admin

from reports.dashboards.models import ScorecardWeights


@admin.register(ScorecardWeights)
class ScorecardWeightsAdmin(admin.ModelAdmin):
    list_display = ["__str__", "coverage", "odf", "sustainability", "timeliness", "budget", "updated_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
