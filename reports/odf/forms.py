"""ODF forms: the declaration, the team, the visit (built from the MRD's checklist), a reason, a slippage.

They check what a form can (a date, a number, a reason given); the rules of the lifecycle stay in workflow.py,
whose refusals the views show on the form, with everything typed kept.
"""

import datetime

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.contrib.auth.models import User
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from districts.people import display_name
from reports.entry.dates import DayMonthYearWidget
from reports.odf import photos
from reports.odf.models import ChecklistItem, OdfVisit

YES, NO = "yes", "no"


def _helper(submit_name: str, label: str) -> FormHelper:
    helper = FormHelper()
    helper.form_tag = False  # the template writes the <form> with its action
    helper.add_input(Submit(submit_name, label, css_class="btn-primary"))
    return helper


class ClaimForm(forms.Form):
    declared_on = forms.DateField(label=_("Declared ODF on"), widget=DayMonthYearWidget())
    evidence = forms.CharField(
        label=_("Evidence"),
        help_text=_("What shows the village is ODF: the commune's follow-up, latrines counted, who checked and when."),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper("claim", _("Declare ODF"))


def verifier_label(user: User) -> str:
    """The person and the posts that make them eligible ("Sokha Chan — District Sanitation Officer — 0501 ...")."""
    posts = "; ".join(str(a) for a in user.assignments.all())
    return f"{display_name(user)} — {posts}" if posts else display_name(user)


class TeamForm(forms.Form):
    """The members offered are the eligible ones; any active user posted is taken, so that the workflow can refuse
    an ineligible one by name rather than with "select a valid choice"."""

    members = forms.ModelMultipleChoiceField(
        label=_("Verification team"),
        queryset=User.objects.filter(is_active=True),
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "District Sanitation Officers and commune focal points of the province who do not work in the "
            "village's district or commune."
        ),
        error_messages={"required": _("Choose at least one member of the verification team.")},
    )
    due_on = forms.DateField(label=_("Visit due by"), widget=DayMonthYearWidget())

    # A required date's selects have no empty choice: without a start value the browser would post the first day
    # of the first year offered, unseen. Two weeks from today is the usual time a team is given.
    DAYS_TO_VISIT = 14

    def __init__(self, *args, eligible, **kwargs):
        kwargs.setdefault("initial", {"due_on": timezone.localdate() + datetime.timedelta(days=self.DAYS_TO_VISIT)})
        super().__init__(*args, **kwargs)
        self.fields["members"].widget.choices = [(u.pk, verifier_label(u)) for u in eligible]
        self.helper = _helper("assign", _("Assign the team"))


class MultiplePhotoInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Up to MAX_PHOTOS images, each prepared (resized, re-encoded) by reports/odf/photos.py."""

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", MultiplePhotoInput(attrs={"accept": "image/*"}))
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if len(files) > photos.MAX_PHOTOS:
            raise forms.ValidationError(_("At most %(n)d photos.") % {"n": photos.MAX_PHOTOS})
        errors, prepared = [], []
        for upload in files:
            try:
                prepared.append(photos.prepare(upload))
            except forms.ValidationError as error:
                errors.extend(error.messages)
        if errors:
            raise forms.ValidationError(errors)
        return prepared


class VisitForm(forms.Form):
    """The visit: a yes/no question per active checklist item (`item_<id>`), then the result."""

    visited_on = forms.DateField(label=_("Visited on"), widget=DayMonthYearWidget())
    households_visited = forms.IntegerField(
        label=_("Households visited"), min_value=1, widget=forms.NumberInput(attrs={"inputmode": "numeric"})
    )
    result = forms.ChoiceField(label=_("Result"), choices=OdfVisit.Result.choices, widget=forms.RadioSelect)
    reasons = forms.CharField(
        label=_("Reasons"),
        required=False,
        help_text=_("Required when the village fails: what the team found."),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
    )
    photos = PhotosField(
        label=_("Photos"),
        required=False,
        help_text=_(
            "Optional, at most 5 (latrines, handwashing places). If the form is refused, choose them again: "
            "a browser cannot keep chosen files."
        ),
    )

    def __init__(self, *args, items, **kwargs):
        super().__init__(*args, **kwargs)
        self.items = list(items)
        choices = [(YES, _("Yes")), (NO, _("No"))]
        for item in self.items:
            self.fields[f"item_{item.pk}"] = forms.ChoiceField(
                label=item.text,
                choices=choices,
                widget=forms.RadioSelect,
                error_messages={"required": _("Answer yes or no.")},
            )
        # The checklist first, then the result: the order the team works in.
        order = [
            "visited_on",
            "households_visited",
            *(f"item_{i.pk}" for i in self.items),
            "result",
            "reasons",
            "photos",
        ]
        self.order_fields(order)
        self.helper = _helper("record", _("Record the visit"))

    def answers(self) -> dict[int, bool]:
        return {item.pk: self.cleaned_data[f"item_{item.pk}"] == YES for item in self.items}

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("result") == OdfVisit.Result.FAIL and not (cleaned.get("reasons") or "").strip():
            self.add_error("reasons", _("Give the reasons the village failed."))
        unmet = [item for item in self.items if cleaned.get(f"item_{item.pk}") == NO]
        if cleaned.get("result") == OdfVisit.Result.PASS and unmet:
            self.add_error(
                "result",
                _("A village passes only when every checklist item is met; otherwise record a fail with the reasons."),
            )
        return cleaned


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=4000,
        error_messages={"required": _("Give the reason for returning the claim.")},
    )


class SlippageForm(forms.Form):
    slipped_on = forms.DateField(label=_("Slipped on"), widget=DayMonthYearWidget())
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), max_length=4000)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper("record", _("Record the slippage"))


def checklist() -> list[ChecklistItem]:
    return list(ChecklistItem.objects.active())
