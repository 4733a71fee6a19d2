"""The ground of the quarterly report, one module per concern; import the models from here.

- periods: reporting periods and the national settings;
- district_reports: the district quarterly report, its trainings, plan targets, what counts and what is on time;
- unit_quarters: a quarter's village figures and commune activities;
- workflow_records: events, reviewers' comments, the provincial report, e-mails sent;
- comment_targets: the figures a reviewer's comment can point at, and their labels in the reader's language;
- choices and fields: the states and field kinds they share.

The stages' own models (rollups, stored PDFs) live in their packages (see ReportsConfig).
"""

from reports.models.choices import OdfStatus, ProvincialStatus, ReportStatus, TrainingTopic, WorkflowAction
from reports.models.district_reports import (
    COUNTED_STATUSES,
    DistrictPlanTarget,
    DistrictReport,
    Training,
    submitted_on_time,
)
from reports.models.periods import REPORTING_YEARS, NationalSettings, ReportingPeriod
from reports.models.unit_quarters import CommuneQuarter, VillageQuarter
from reports.models.workflow_records import (
    MissingDistrict,
    ProvincialReport,
    ReportEvent,
    ReviewComment,
    SentNotification,
)

__all__ = [
    "REPORTING_YEARS",
    "COUNTED_STATUSES",
    "CommuneQuarter",
    "DistrictPlanTarget",
    "DistrictReport",
    "MissingDistrict",
    "NationalSettings",
    "OdfStatus",
    "ProvincialReport",
    "ProvincialStatus",
    "ReportEvent",
    "ReportStatus",
    "ReportingPeriod",
    "ReviewComment",
    "SentNotification",
    "Training",
    "TrainingTopic",
    "VillageQuarter",
    "WorkflowAction",
    "submitted_on_time",
]
