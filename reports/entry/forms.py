"""Data-entry forms. They validate and normalise; the rules themselves live in validation.py."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Fieldset, Layout, Submit
from django import forms
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _

from reports.entry import validation
from reports.entry.dates import DayMonthYearWidget
from reports.models import (
    CommuneQuarter,
    DistrictPlanTarget,
    DistrictReport,
    NationalSettings,
    OdfStatus,
    ProvincialReport,
    ReportingPeriod,
    Training,
    VillageQuarter,
)


class CountField(forms.IntegerField):
    """A whole, non-negative count; empty means "not entered yet"."""

    widget = forms.NumberInput

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("min_value", 0)
        super().__init__(**kwargs)

    def to_python(self, value):
        return validation.parse_count(value)

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        attrs.update({"min": 0, "step": 1, "inputmode": "numeric"})
        return attrs


def count_formfield(model_field, **kwargs):
    """The entry forms' formfield_callback: the model's integer fields become CountField, keeping labels. Done once
    per form class (swapped in every form's __init__, it was a fifth of a 22-village save)."""
    field = model_field.formfield(**kwargs)
    # DecimalField and FloatField subclass IntegerField: money and percentages stay as they are.
    if type(field) is forms.IntegerField:
        return CountField(label=field.label, required=field.required, help_text=field.help_text)
    return field


# A narrative answer is a few paragraphs: long enough for a 5,000-character Khmer text, short enough that the
# district report's PDF stays a document (a 2 MB narrative made a 333-page PDF).
NARRATIVE_MAX_CHARACTERS = 8000


def limit_narratives(form, names):
    """Cap the text fields `names` at NARRATIVE_MAX_CHARACTERS, with the message in the user's language."""
    message = _("Please shorten this text to at most %(limit_value)d characters (it has %(show_value)d).")
    for name in names:
        field = form.fields[name]
        field.max_length = NARRATIVE_MAX_CHARACTERS
        field.validators.append(MaxLengthValidator(NARRATIVE_MAX_CHARACTERS, message=message))
        field.widget.attrs["maxlength"] = NARRATIVE_MAX_CHARACTERS


class EntryForm(forms.ModelForm):
    """Common behaviour: errors from a rule map land next to their fields. Each subclass's Meta names
    count_formfield as its formfield_callback (counts are CountFields)."""

    def add_rule_errors(self, errors):
        for field, messages in errors.items():
            for message in messages:
                self.add_error(field if field in self.fields else None, message)


class VillageQuarterForm(EntryForm):
    class Meta:
        formfield_callback = count_formfield
        model = VillageQuarter
        fields = VillageQuarter.COUNT_FIELDS + ["odf_status", "odf_status_date", "explanation"]
        widgets = {
            "odf_status_date": DayMonthYearWidget(),
            "explanation": forms.Textarea(attrs={"rows": 1}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["odf_status"].choices = [("", "—")] + list(OdfStatus.choices)
        for name, field in self.fields.items():
            css = "form-select form-select-sm" if name == "odf_status" else "form-control form-control-sm"
            field.widget.attrs.setdefault("class", css)
            field.widget.attrs.setdefault("aria-label", str(field.label))

    def clean(self):
        cleaned = super().clean()
        self.add_rule_errors(validation.village_errors(cleaned))
        return cleaned


class BaseVillageFormSet(forms.BaseFormSet):
    """One form per village of the commune, in code order, bound to its row for the quarter.

    SECURITY: the set of villages comes from the server, not from the posted data: the n-th form
    always edits the n-th village of this commune, so no posted id can reach another village.
    """

    def __init__(self, *args, instances, **kwargs):
        self.instances = instances
        super().__init__(*args, **kwargs)

    def total_form_count(self):
        return len(self.instances)

    def initial_form_count(self):
        return len(self.instances)

    def get_form_kwargs(self, index):
        return {"instance": self.instances[index]}

    def clean(self):
        """SECURITY: a page that arrives without some village's row (a cut-off upload, a hand-made POST) is refused
        as a whole: the missing rows would otherwise be saved as blanks, wiping their figures."""
        super().clean()
        if self.is_bound:
            missing = [
                form.instance.village.code
                for form in self.forms
                if any(
                    field.widget.value_omitted_from_data(self.data, self.files, form.add_prefix(name))
                    for name, field in form.fields.items()
                )
            ]
            if missing:
                raise forms.ValidationError(
                    _(
                        "The page arrived incomplete (%(count)d village rows are missing, e.g. %(first)s). Nothing "
                        "was saved: open the commune page again and enter the figures once more."
                    )
                    % {"count": len(missing), "first": missing[0]}
                )

    def rows_to_save(self):
        """New rows (pre-filled or empty), changed ones and ones confirmed now. A row carried over from last quarter
        stays unconfirmed until one of its figures is changed or its "Unchanged" box (villages-N-confirm, read here:
        not a form field, an unticked box is not posted) is ticked."""
        rows = []
        for form in self.forms:
            row = form.instance
            carried = getattr(row, "prefilled", False) or (row.pk is not None and not row.confirmed)
            confirming = carried and (form.has_changed() or self.data.get(form.add_prefix("confirm")) == "on")
            if carried:
                row.confirmed = confirming
            if row.pk is None or form.has_changed() or confirming:
                rows.append(row)
        return rows


VillageFormSet = forms.formset_factory(VillageQuarterForm, formset=BaseVillageFormSet, extra=0)


class CommuneActivityForm(EntryForm):
    class Meta:
        formfield_callback = count_formfield
        model = CommuneQuarter
        fields = CommuneQuarter.ACTIVITY_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Drawn by a plain loop on the commune page (commune_entry.html), not by crispy-forms: it was a third of
        # the page's template time.
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-control"


class DistrictSectionForm(EntryForm):
    class Meta:
        formfield_callback = count_formfield
        model = DistrictReport
        fields = DistrictReport.SECTION_FIELDS
        widgets = {
            "wg_meeting_date": DayMonthYearWidget(),
            "achievements": forms.Textarea(attrs={"rows": 3}),
            "challenges": forms.Textarea(attrs={"rows": 3}),
            "support_needed": forms.Textarea(attrs={"rows": 3}),
            "next_quarter_plan": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        limit_narratives(self, ["achievements", "challenges", "support_needed", "next_quarter_plan"])
        self.fields["ft_annual_allocation"].help_text = _(
            "Filled in from last quarter's report of the same year: change it if the allocation changed."
        )
        held = self.fields["wg_meeting_held"] = forms.NullBooleanField(
            label=_("District working-group meeting held"), required=False, widget=forms.NullBooleanSelect
        )
        held.widget.choices = [("unknown", "—"), ("true", _("Yes")), ("false", _("No"))]
        col = "col-sm-6 col-lg-4"
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Fieldset(
                _("District working group"),
                Div(
                    *[
                        Div(f, css_class=col)
                        for f in [
                            "wg_meeting_held",
                            "wg_meeting_date",
                            "wg_meeting_attendance",
                            "wg_meeting_attendance_women",
                        ]
                    ],
                    css_class="row",
                ),
            ),
            Fieldset(
                _("Functional-transfer budget (USD)"),
                Div(
                    *[Div(f, css_class=col) for f in ["ft_annual_allocation", "ft_carried_over", "ft_received"]],
                    css_class="row",
                ),
                Div(*[Div(f, css_class=col) for f in DistrictReport.SPENT_FIELDS], css_class="row"),
            ),
            Fieldset(
                _("Latrine suppliers and masons"),
                Div(*[Div(f, css_class=col) for f in ["active_suppliers", "active_masons"]], css_class="row"),
            ),
            Fieldset(_("Narrative"), "achievements", "challenges", "support_needed", "next_quarter_plan"),
        )
        self.fields["ft_carried_over"].help_text = _(
            "Received in earlier quarters of this year and not yet spent. Filled in from last quarter's report: its "
            "balance plus what it received, minus what it spent; check it against the accounts."
        )

    def clean(self):
        cleaned = super().clean()
        spent_values = [cleaned.get(f) for f in DistrictReport.SPENT_FIELDS]
        spent = sum(v for v in spent_values if v is not None) if any(v is not None for v in spent_values) else None
        message = validation.budget_error(
            spent=spent, received=cleaned.get("ft_received"), carried_over=cleaned.get("ft_carried_over")
        )
        if message:
            self.add_error("ft_received", message)
        message = validation.participants_error(
            women=cleaned.get("wg_meeting_attendance_women"), participants=cleaned.get("wg_meeting_attendance")
        )
        if message:
            self.add_error("wg_meeting_attendance_women", message)
        if cleaned.get("wg_meeting_held") is False and cleaned.get("wg_meeting_date"):
            self.add_error("wg_meeting_date", _("The meeting is marked as not held; leave the date empty."))
        return cleaned


class TrainingForm(EntryForm):
    class Meta:
        formfield_callback = count_formfield
        model = Training
        fields = [
            "topic",
            "topic_detail",
            "participants_provincial",
            "participants_district",
            "participants_commune",
            "participants_village",
            "women",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            field.widget.attrs.setdefault(
                "class", "form-select form-select-sm" if name == "topic" else "form-control form-control-sm"
            )
            field.widget.attrs.setdefault("aria-label", str(field.label))
            if isinstance(field, CountField):
                field.required = False
                field.widget.attrs["placeholder"] = "0"  # a blank count is 0, and the row shows it

    def clean(self):
        cleaned = super().clean()
        levels = ["participants_provincial", "participants_district", "participants_commune", "participants_village"]
        for name in [*levels, "women"]:
            if name in cleaned and cleaned[name] is None and name not in self.errors:
                cleaned[name] = 0
        if all(cleaned.get(f) is not None for f in levels):
            message = validation.participants_error(
                women=cleaned.get("women"), participants=sum(cleaned[f] for f in levels)
            )
            if message:
                self.add_error("women", message)
        return cleaned


TrainingFormSet = forms.inlineformset_factory(DistrictReport, Training, form=TrainingForm, extra=1, can_delete=True)


class PlanTargetForm(EntryForm):
    # The targets' edit version (when they were last saved), posted back to detect a concurrent save.
    version = forms.CharField(widget=forms.HiddenInput, required=False)

    class Meta:
        formfield_callback = count_formfield
        model = DistrictPlanTarget
        fields = ["coverage_pct", "odf_villages", "triggering_events", "budget"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("save", _("Save targets")))


class ReportingPeriodForm(forms.ModelForm):
    class Meta:
        model = ReportingPeriod
        fields = ["year", "quarter", "deadline", "is_open"]
        widgets = {"deadline": DayMonthYearWidget()}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("save", _("Save period")))


class NationalSettingsForm(forms.ModelForm):
    class Meta:
        model = NationalSettings
        fields = ["target_year", "khmer_digits"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("save_settings", _("Save")))


class ProvincialNarrativeForm(forms.ModelForm):
    class Meta:
        model = ProvincialReport
        fields = ["achievements", "challenges", "support_needed", "next_quarter_plan"]
        widgets = {f: forms.Textarea(attrs={"rows": 3}) for f in fields}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        limit_narratives(self, self.Meta.fields)
        self.helper = FormHelper()
        self.helper.form_tag = False
