"""The reports app's admin pages: each stage registers its own (wiring, like reports/urls.py)."""

from reports.dashboards import admin as dashboards_admin  # noqa: F401  # registers the scorecard weights
from reports.exchange import admin as exchange_admin  # noqa: F401  # registers the API tokens
from reports.odf import admin as odf_admin  # noqa: F401  # registers the ODF checklist and settings
