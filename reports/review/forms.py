"""Review forms: returning a report with comments on figures, reopening, the provincial report, the MRD's decision."""

from django import forms
from django.utils.translation import gettext_lazy as _

from reports.review.targets import target_choices


class ReturnCommentForm(forms.Form):
    """One comment of a return: on the whole report, or on a figure of the district, a commune or a village."""

    figure = forms.ChoiceField(label=_("Figure"), required=False)
    unit = forms.ChoiceField(label=_("Commune or village"), required=False)
    text = forms.CharField(label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, report, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.report = report
        self.units = units  # {code: label} of the report's communes and villages
        self.fields["figure"].choices = target_choices()
        self.fields["unit"].choices = [("", "—")] + sorted(units.items())

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
            label = dict(c for _g, group in self.fields["figure"].choices for c in group)[figure]
            if kind == "district":
                cleaned["target"], cleaned["target_label"] = figure, str(label)
            else:
                digits = 6 if kind == "commune" else 8
                if len(unit) != digits or unit not in self.units:
                    self.add_error(
                        "unit",
                        _("Choose the commune or village this figure belongs to.")
                        if kind == "commune"
                        else _("Choose the village this figure belongs to."),
                    )
                    return cleaned
                cleaned["target"] = f"{kind}:{unit}:{field}"
                cleaned["target_label"] = f"{self.units[unit]} — {label}"
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
    """{code: label} of the communes and villages a comment can point at."""
    units = {}
    for commune in report.district.communes.active_on(report.period.bounds[0]).prefetch_related("villages"):
        units[commune.code] = f"{commune.code} {commune.name}"
        for village in commune.villages.all():
            units[village.code] = f"{village.code} {village.name} ({commune.name})"
    return units
