"""Review forms: returning a report with comments on figures, reopening, the provincial report, the MRD's decision."""

from django import forms
from django.utils.translation import gettext_lazy as _

from reports.models import comment_targets


class ReturnCommentForm(forms.Form):
    """One comment of a return: on the whole report, or on a figure of the district, a commune or a village."""

    figure = forms.ChoiceField(label=_("Figure"), required=False)
    unit = forms.ChoiceField(label=_("Commune or village"), required=False)
    text = forms.CharField(label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, report, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.report = report
        self.units = units  # {code: Commune or Village} of the report's communes and villages
        self.fields["figure"].choices = comment_targets.figure_choices()
        self.fields["unit"].choices = [("", "—")] + [
            (code, comment_targets.unit_label(unit)) for code, unit in sorted(units.items())
        ]

    def clean(self):
        cleaned = super().clean()
        figure, unit, text = cleaned.get("figure") or "", cleaned.get("unit") or "", (cleaned.get("text") or "").strip()
        cleaned["target"], cleaned["target_label"] = "", ""
        if not text:
            if figure or unit:
                self.add_error("text", _("Write the comment, or clear the figure."))
            return cleaned
        if figure:
            kind, field = figure.split(":", 1)
            if kind == "district":
                cleaned["target"] = figure
            elif len(unit) != comment_targets.UNIT_DIGITS[kind] or unit not in self.units:
                self.add_error(
                    "unit",
                    _("Choose the commune or village this figure belongs to.")
                    if kind == "commune"
                    else _("Choose the village this figure belongs to."),
                )
                return cleaned
            else:
                cleaned["target"] = f"{kind}:{unit}:{field}"
            # In the reviewer's language; readers see the label in theirs (ReviewComment.target_label).
            cleaned["target_label"] = comment_targets.label(cleaned["target"], self.units)
        return cleaned


class BaseReturnCommentFormSet(forms.BaseFormSet):
    def clean(self):
        if any(self.errors):
            return
        if not any((form.cleaned_data.get("text") or "").strip() for form in self.forms):
            raise forms.ValidationError(_("Write at least one comment so the district knows what to correct."))


ReturnCommentFormSet = forms.formset_factory(ReturnCommentForm, formset=BaseReturnCommentFormSet, extra=3, max_num=10)


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for reopening"),
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
        error_messages={"required": _("Give the reason for reopening the report.")},
    )


class MrdDecisionForm(forms.Form):
    comment = forms.CharField(
        label=_("Comment to the province"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


def return_units(report):
    """{code: Commune or Village} of the communes and villages a comment can point at (each village's commune
    loaded with it). Two queries."""
    units = {}
    for commune in report.district.communes.active_on(report.period.bounds[0]).prefetch_related("villages"):
        units[commune.code] = commune
        units.update((village.code, village) for village in commune.villages.all())
    return units
