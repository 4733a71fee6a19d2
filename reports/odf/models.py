"""ODF verification: a village's claim, its verification team and visit, certification, slippage, and the record
of every step.

A claim moves through states (OdfClaim.State); only reports/odf/workflow.py changes them. Whether a village,
commune or district is ODF is never stored: reports/odf/status.py computes it from certified claims and slippage
records, so a commune cannot be "typed" ODF. The checklist and the re-verification period are data the MRD keeps
on its settings page (reports/dashboards/settings_views.py).
"""

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from districts.models import Village
from reports.models import VillageQuarter

DEFAULT_REVERIFICATION_MONTHS = 12


class OdfSettings(models.Model):
    """The ODF rules the MRD changes without a deployment (one row)."""

    reverification_months = models.PositiveSmallIntegerField(
        _("re-verification after (months)"),
        default=DEFAULT_REVERIFICATION_MONTHS,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
        help_text=_("A certified village is due for re-verification this many months after its certification."),
    )

    class Meta:
        verbose_name = _("ODF settings")
        verbose_name_plural = _("ODF settings")

    def __str__(self):
        return str(self._meta.verbose_name)

    @classmethod
    def current(cls) -> "OdfSettings":
        return cls.objects.get_or_create(pk=1)[0]


class ChecklistItemQuerySet(models.QuerySet):
    def active(self):
        return self.filter(active=True)


class ChecklistItem(models.Model):
    """One criterion a verification team checks in the village (in Khmer and English)."""

    text_km = models.CharField(_("text in Khmer"), max_length=300)
    text_en = models.CharField(_("text in English"), max_length=300)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    active = models.BooleanField(
        _("active"), default=True, help_text=_("Untick to stop asking it; visits that answered it keep the answer.")
    )

    objects = ChecklistItemQuerySet.as_manager()

    class Meta:
        verbose_name = _("ODF checklist item")
        verbose_name_plural = _("ODF checklist items")
        ordering = ["order", "pk"]

    def __str__(self):
        return self.text

    @property
    def text(self) -> str:
        """The text in the page's language."""
        return self.text_km if get_language() == "km" else self.text_en


class OdfAction(models.TextChoices):
    CLAIMED = "claimed", _("Declared ODF")
    TEAM_ASSIGNED = "team_assigned", _("Verification team assigned")
    REVERIFICATION = "reverification", _("Re-verification team assigned")
    VISITED = "visited", _("Verification visit recorded")
    CERTIFIED = "certified", _("Certified ODF")
    RETURNED = "returned", _("Returned")
    SLIPPED = "slipped", _("Slipped back")


class OdfClaimQuerySet(models.QuerySet):
    def open(self):
        return self.filter(state__in=OdfClaim.OPEN_STATES)

    def visible_to(self, user):
        """Claims of villages `user` reads, and those whose verification team `user` is on.

        SECURITY: a team member from another district sees only the claims they verify, nothing else there.
        """
        q = models.Q(village__in=Village.objects.visible_to(user))
        if user.is_authenticated and user.is_active:
            members = OdfClaim.team.through.objects.filter(odfclaim_id=models.OuterRef("pk"), user_id=user.pk)
            q |= models.Q(models.Exists(members))
        return self.filter(q)


class OdfClaim(models.Model):
    """One round of verification of a village: declared by the commune or district (or opened by the PDRD for a
    re-verification of a certified village), visited by a team from elsewhere, then certified or returned."""

    class State(models.TextChoices):
        CLAIMED = "claimed", _("Declared, waiting for a verification team")
        TEAM_ASSIGNED = "team_assigned", _("Verification team assigned")
        PASSED = "passed", _("Visit passed, waiting for certification")
        FAILED = "failed", _("Visit failed")
        CERTIFIED = "certified", _("Certified ODF")
        RETURNED = "returned", _("Returned")

    class Kind(models.TextChoices):
        FIRST = "first", _("Verification")
        REVERIFICATION = "reverification", _("Re-verification")

    OPEN_STATES = (State.CLAIMED, State.TEAM_ASSIGNED, State.PASSED, State.FAILED)

    village = models.ForeignKey(Village, on_delete=models.PROTECT, related_name="odf_claims", verbose_name=_("village"))
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.FIRST)
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.CLAIMED)
    declared_on = models.DateField(_("declared ODF on"))
    evidence = models.TextField(_("evidence"), blank=True)
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("declared by")
    )
    claimed_at = models.DateTimeField(_("declared at"), default=timezone.now)
    team = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="odf_verifications", verbose_name=_("verification team")
    )
    visit_due_on = models.DateField(_("visit due by"), null=True, blank=True)
    certified_on = models.DateField(_("certified on"), null=True, blank=True)
    certified_at = models.DateTimeField(_("certified at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("certified or returned by"),
    )
    return_reason = models.TextField(_("reason for returning"), blank=True)

    objects = OdfClaimQuerySet.as_manager()

    class Meta:
        verbose_name = _("ODF claim")
        verbose_name_plural = _("ODF claims")
        ordering = ["-claimed_at", "-pk"]
        constraints = [
            # One verification under way per village at a time.
            models.UniqueConstraint(
                fields=["village"],
                condition=models.Q(state__in=["claimed", "team_assigned", "passed", "failed"]),
                name="odf_one_open_claim_per_village",
            ),
            models.CheckConstraint(
                name="odf_certified_has_dates",
                condition=~models.Q(state="certified")
                | models.Q(certified_on__isnull=False, certified_at__isnull=False),
            ),
        ]

    def __str__(self):
        return f"{self.village} — {self.get_state_display()}"

    @property
    def is_open(self) -> bool:
        return self.state in self.OPEN_STATES

    @property
    def visit_overdue(self) -> bool:
        return (
            self.state == self.State.TEAM_ASSIGNED
            and self.visit_due_on is not None
            and self.visit_due_on < timezone.localdate()
        )


class OdfVisit(models.Model):
    """What the verification team found in the village (one visit per claim)."""

    class Result(models.TextChoices):
        PASS = "pass", _("Pass: the village is ODF")
        FAIL = "fail", _("Fail: the village is not ODF")

    claim = models.OneToOneField(OdfClaim, on_delete=models.CASCADE, related_name="visit", verbose_name=_("claim"))
    visited_on = models.DateField(_("visited on"))
    households_visited = models.PositiveIntegerField(_("households visited"))
    result = models.CharField(_("result"), max_length=8, choices=Result.choices)
    reasons = models.TextField(_("reasons"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        verbose_name = _("ODF verification visit")
        verbose_name_plural = _("ODF verification visits")

    def __str__(self):
        return f"{self.claim.village} {self.visited_on}"


def photo_upload_to(instance, filename):
    # A random name: photos are served only through the scoped view, never by their path.
    return f"odf/{instance.visit.claim.village_id}/{uuid.uuid4().hex}.jpg"


class OdfPhoto(models.Model):
    """A photo the team took on the visit, resized and re-encoded as JPEG (reports/odf/photos.py) under MEDIA_ROOT;
    served only by the scoped view (reports:odf_photo)."""

    visit = models.ForeignKey(OdfVisit, on_delete=models.CASCADE, related_name="photos", verbose_name=_("visit"))
    image = models.FileField(_("photo"), upload_to=photo_upload_to)
    width = models.PositiveIntegerField(_("width (px)"))
    height = models.PositiveIntegerField(_("height (px)"))
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    class Meta:
        verbose_name = _("visit photo")
        verbose_name_plural = _("visit photos")
        ordering = ["pk"]

    def __str__(self):
        return self.image.name


class OdfVisitAnswer(models.Model):
    """The team's answer to one checklist item: met or not."""

    visit = models.ForeignKey(OdfVisit, on_delete=models.CASCADE, related_name="answers", verbose_name=_("visit"))
    item = models.ForeignKey(
        ChecklistItem, on_delete=models.PROTECT, related_name="answers", verbose_name=_("checklist item")
    )
    met = models.BooleanField(_("met"))

    class Meta:
        verbose_name = _("checklist answer")
        verbose_name_plural = _("checklist answers")
        ordering = ["item__order", "item__pk"]
        constraints = [models.UniqueConstraint(fields=["visit", "item"], name="odf_one_answer_per_item")]

    def __str__(self):
        return f"{self.item}: {self.met}"


class OdfSlippage(models.Model):
    """A certified village found practising open defecation again: it leaves the certified count until it is
    certified again (a certification later than this record)."""

    class Source(models.TextChoices):
        REVERIFICATION = "reverification", _("Failed re-verification")
        QUARTERLY_REPORT = "quarterly_report", _("Quarterly report shows open defecation")
        REVIEWER = "reviewer", _("Recorded by the PDRD")

    village = models.ForeignKey(
        Village, on_delete=models.PROTECT, related_name="odf_slippages", verbose_name=_("village")
    )
    slipped_on = models.DateField(_("slipped on"))
    reason = models.TextField(_("reason"))
    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    claim = models.ForeignKey(
        OdfClaim,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="slippages",
        verbose_name=_("re-verification"),
    )
    village_quarter = models.OneToOneField(
        VillageQuarter,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="odf_slippage",
        verbose_name=_("village figures"),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        verbose_name = _("ODF slippage")
        verbose_name_plural = _("ODF slippages")
        ordering = ["-recorded_at", "-pk"]

    def __str__(self):
        return f"{self.village} {self.slipped_on}"


class OdfEvent(models.Model):
    """One step of a village's ODF history: who, when, what, from which state to which, and why."""

    village = models.ForeignKey(Village, on_delete=models.PROTECT, related_name="odf_events", verbose_name=_("village"))
    claim = models.ForeignKey(
        OdfClaim, null=True, blank=True, on_delete=models.CASCADE, related_name="events", verbose_name=_("claim")
    )
    action = models.CharField(_("action"), max_length=16, choices=OdfAction.choices)
    from_state = models.CharField(_("from"), max_length=16, blank=True)
    to_state = models.CharField(_("to"), max_length=16, blank=True)
    note = models.TextField(_("comment or reason"), blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("by"),
    )
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("ODF event")
        verbose_name_plural = _("ODF events")
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.get_action_display()} {self.at:%Y-%m-%d %H:%M}"

    @property
    def to_state_label(self) -> str:
        """The claim's state after this step, in the reader's language ("" for a slippage without a claim)."""
        return OdfClaim.State(self.to_state).label if self.to_state else ""
