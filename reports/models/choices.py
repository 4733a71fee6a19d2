"""The states and kinds the report models choose from."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    RETURNED = "returned", _("Returned for correction")
    APPROVED = "approved", _("Approved")


class TrainingTopic(models.TextChoices):
    CLTS = "clts", _("CLTS")
    BCC = "bcc", _("Behaviour-change communication")
    DATA_ENTRY = "data_entry", _("Data entry")
    FACILITATION = "facilitation", _("Facilitation")
    OTHER = "other", _("Other")


class WorkflowAction(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    RETURNED = "returned", _("Returned for correction")
    APPROVED = "approved", _("Approved")
    REOPENED = "reopened", _("Reopened")
    ACCEPTED = "accepted", _("Accepted by the MRD")
    IMPORTED = "imported", _("Figures imported from a spreadsheet")


class ProvincialStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted to the MRD")
    RETURNED = "returned", _("Returned by the MRD")
    ACCEPTED = "accepted", _("Accepted by the MRD")


class OdfStatus(models.TextChoices):
    NOT_TRIGGERED = "not_triggered", _("Not triggered")
    TRIGGERED = "triggered", _("Triggered")
    DECLARED = "declared", _("Declared ODF")
    VERIFIED = "verified", _("Verified ODF")
