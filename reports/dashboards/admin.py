"""The district scorecard's weights in the admin, for administrators; the MRD uses its own page (one row)."""

from django.contrib import admin

from reports.dashboards.models import ScorecardWeights


@admin.register(ScorecardWeights)
class ScorecardWeightsAdmin(admin.ModelAdmin):
    list_display = ["__str__", "coverage", "odf", "sustainability", "timeliness", "budget", "updated_at"]

    def has_add_permission(self, request):
        return not ScorecardWeights.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False
