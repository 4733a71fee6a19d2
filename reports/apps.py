from importlib import import_module

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    """One Django app for the quarterly report and every stage of its path (see README, "Layout").

    The stages are packages of this app, not apps of their own, so every model keeps its table name
    and migration history (`reports_rollup`, `reports_storedpdf`, ...) across the move from the flat
    layout. Django imports only `reports.models` (the ground); the stages that own models are listed
    here and imported with it, so the ground never imports a stage.
    """

    default_auto_field = "django.db.models.BigAutoField"
    name = "reports"
    verbose_name = _("Quarterly reports")
    stage_model_modules = (
        "reports.odf.models",
        "reports.rollups.models",
        "reports.dashboards.models",
        "reports.documents.models",
        "reports.exchange.models",
    )

    def import_models(self):
        super().import_models()
        for module in self.stage_model_modules:
            import_module(module)

    def ready(self):
        # An earlier stage (review) announces; a later one (rollups) listens. See reports/signals.py.
        from reports.odf.receivers import slippage_after_approval
        from reports.rollups.scheduling import rebuild_after_odf_change, rebuild_after_state_change
        from reports.signals import odf_status_changed, report_state_changed

        report_state_changed.connect(rebuild_after_state_change, dispatch_uid="rollups-rebuild-after-state-change")
        report_state_changed.connect(slippage_after_approval, dispatch_uid="odf-slippage-after-approval")
        odf_status_changed.connect(rebuild_after_odf_change, dispatch_uid="rollups-rebuild-after-odf-change")
