"""Stored PDFs: the provincial and national documents rendered by a Celery task, kept for reuse.

A row is one document (kind, unit, quarter, data state, language) built from one state of its
data: `state_key` digests every figure and name the document prints (rollup_reports.py; stored by store.py), so
an unchanged quarter is served from the stored file at once and new data gives a new row. The
file lies under MEDIA_ROOT with a random name and is served only by the scoped view
reports.views.pdfs.stored_file: MEDIA_ROOT has no public URL. Imported into reports.models.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Exists, Q
from django.utils.translation import gettext_lazy as _

__all__ = ["STUCK_AFTER_SECONDS", "DocumentNumber", "PdfKind", "PdfState", "StoredPdf"]

# A queued or rendering stored PDF untouched for this long is taken to be lost (its worker died).
STUCK_AFTER_SECONDS = 15 * 60


class PdfKind(models.TextChoices):
    DISTRICT = "district", _("District quarterly report")
    PROVINCIAL = "provincial", _("Provincial quarterly summary")
    NATIONAL = "national", _("National rollup")
    CERTIFICATE = "certificate", _("ODF certificate")


class PdfState(models.TextChoices):
    QUEUED = "queued", _("Waiting for a worker")
    RENDERING = "rendering", _("Being prepared")
    READY = "ready", _("Ready")
    FAILED = "failed", _("Failed")


def pdf_upload_to(instance, filename):
    # A random name: the files are never served by name, but nothing about them should be guessable either.
    return f"pdfs/{instance.period_id}/{uuid.uuid4().hex}.pdf"


class StoredPdfQuerySet(models.QuerySet):
    def visible_to(self, user):
        """SECURITY: stored PDFs of units the user may read (the national one only with national reach)."""
        from districts import scoping
        from districts.models import Assignment, District, Province

        if not (user and user.is_authenticated and user.is_active):
            return self.none()
        return self.filter(
            Q(kind=PdfKind.DISTRICT, unit_code__in=District.objects.visible_to(user).values("code"))
            | Q(kind=PdfKind.PROVINCIAL, unit_code__in=Province.objects.visible_to(user).values("code"))
            | Q(Exists(Assignment.objects.filter(user=user, role__in=scoping.NATIONAL_ROLES)), kind=PdfKind.NATIONAL)
        )

    def of_document(self, *, kind, unit_code, period, data_state, language):
        return self.filter(kind=kind, unit_code=unit_code, period=period, data_state=data_state, language=language)


class StoredPdf(models.Model):
    public_id = models.UUIDField(_("public id"), default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(_("document"), max_length=12, choices=PdfKind.choices)
    unit_code = models.CharField(_("unit code"), max_length=8, help_text=_("Gazetteer code; KH for the nation."))
    period = models.ForeignKey(
        "reports.ReportingPeriod", on_delete=models.CASCADE, related_name="+", verbose_name=_("reporting period")
    )
    data_state = models.CharField(_("data state"), max_length=12)
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES)
    state_key = models.CharField(
        _("data digest"), max_length=64, help_text=_("Digest of everything the document prints: new data, new PDF.")
    )
    state = models.CharField(_("state"), max_length=12, choices=PdfState.choices, default=PdfState.QUEUED)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    file = models.FileField(_("file"), upload_to=pdf_upload_to, blank=True)
    pages = models.PositiveIntegerField(_("pages"), null=True, blank=True)
    size_bytes = models.PositiveIntegerField(_("size (bytes)"), null=True, blank=True)
    render_seconds = models.FloatField(_("rendering time (s)"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("first requested by"),
    )
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = StoredPdfQuerySet.as_manager()

    class Meta:
        verbose_name = _("stored PDF")
        verbose_name_plural = _("stored PDFs")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "unit_code", "period", "data_state", "language", "state_key"],
                name="stored_pdf_unique_document_state",
            )
        ]

    def __str__(self):
        return f"{self.kind} {self.unit_code} {self.period_id} {self.data_state} {self.language} [{self.state}]"

    @property
    def is_ready(self):
        return self.state == PdfState.READY and bool(self.file)

    @property
    def is_pending(self):
        return self.state in (PdfState.QUEUED, PdfState.RENDERING)

    @property
    def download_name(self):
        period = self.period
        return (
            f"drssd-{self.kind}-{self.unit_code}-{period.year}-Q{period.quarter}-{self.data_state}-{self.language}.pdf"
        )


class DocumentNumber(models.Model):
    """The reference number (លេខ) of one version of an official document: allocated once per version,
    numbered per issuing body and calendar year (reports/documents/numbering.py has the rules)."""

    issuer = models.CharField(
        _("issuing body"),
        max_length=8,
        help_text=_("District code (district administration), province code (PDRD) or MRD."),
    )
    year = models.PositiveSmallIntegerField(_("year"))
    sequence = models.PositiveIntegerField(_("number"))
    kind = models.CharField(_("document"), max_length=12, choices=PdfKind.choices)
    subject = models.CharField(
        _("document version"),
        max_length=160,
        unique=True,
        help_text=_("Which version of which document the number was given to."),
    )
    issued_at = models.DateTimeField(_("issued at"), auto_now_add=True)

    class Meta:
        verbose_name = _("document reference number")
        verbose_name_plural = _("document reference numbers")
        ordering = ["issuer", "year", "sequence"]
        constraints = [
            models.UniqueConstraint(
                fields=["issuer", "year", "sequence"], name="document_number_unique_per_issuer_year"
            )
        ]

    def __str__(self):
        return f"{self.issuer}/{self.year}/{self.sequence:03d}"
