"""The ODF records in the admin, read only. The checklist and the re-verification period are changed on the MRD's
page (reports/dashboards/settings_views.py, for the MRD and administrators), which saves them under one edit version
so that two people saving at once never overwrite each other: an edit here would bypass that. Claims, visits and
slippage are changed only through the workflow."""

from django.contrib import admin

from drssd_portal.read_only_admin import ReadOnlyAdmin
from reports.odf.models import ChecklistItem, OdfClaim, OdfEvent, OdfSettings, OdfSlippage


@admin.register(ChecklistItem)
class ChecklistItemAdmin(ReadOnlyAdmin):
    list_display = ["order", "text_km", "text_en", "active"]
    list_display_links = ["text_km"]
    list_filter = ["active"]


@admin.register(OdfSettings)
class OdfSettingsAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "reverification_months"]


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
