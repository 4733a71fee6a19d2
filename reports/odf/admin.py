"""The ODF checklist and settings in the admin, for administrators (the MRD edits them on its page,
reports/dashboards/settings_views.py); claims, visits and slippage are read here, changed only through the workflow."""

from django.contrib import admin

from reports.odf.models import ChecklistItem, OdfClaim, OdfEvent, OdfSettings, OdfSlippage


@admin.register(ChecklistItem)
class ChecklistItemAdmin(admin.ModelAdmin):
    list_display = ["order", "text_km", "text_en", "active"]
    list_display_links = ["text_km"]
    list_editable = ["order", "active"]
    list_filter = ["active"]

    def has_delete_permission(self, request, obj=None):
        return False  # untick "active" instead: past visits keep their answers


@admin.register(OdfSettings)
class OdfSettingsAdmin(admin.ModelAdmin):
    list_display = ["__str__", "reverification_months"]

    def has_add_permission(self, request):
        return not OdfSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records the workflow writes: readable here, never changed by hand."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(OdfClaim)
class OdfClaimAdmin(ReadOnlyAdmin):
    list_display = ["village", "kind", "state", "declared_on", "visit_due_on", "certified_on"]
    list_filter = ["state", "kind"]
    list_select_related = ["village"]
    search_fields = ["village__code", "village__name_km", "village__name_latin"]


@admin.register(OdfSlippage)
class OdfSlippageAdmin(ReadOnlyAdmin):
    list_display = ["village", "slipped_on", "source", "recorded_at"]
    list_filter = ["source"]
    list_select_related = ["village"]


@admin.register(OdfEvent)
class OdfEventAdmin(ReadOnlyAdmin):
    list_display = ["village", "action", "from_state", "to_state", "by", "at"]
    list_filter = ["action"]
    list_select_related = ["village", "by"]
