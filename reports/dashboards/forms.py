"""The MRD's ODF checklist and scorecard weights page: the re-verification period, the five weights and the
checklist items (edited, added, deactivated; never deleted, since past visits answered them)."""

from django import forms
from django.db.models import Max

from reports.dashboards.models import DEFAULT_WEIGHTS, ScorecardWeights
from reports.odf.models import ChecklistItem, OdfSettings


class OdfSettingsForm(forms.ModelForm):
    class Meta:
        model = OdfSettings
        fields = ["reverification_months"]
        widgets = {"reverification_months": forms.NumberInput(attrs={"inputmode": "numeric"})}


class WeightsForm(forms.ModelForm):
    """Whole numbers from 0 to 100; the model refuses five zeros (ScorecardWeights.clean)."""

    class Meta:
        model = ScorecardWeights
        fields = list(DEFAULT_WEIGHTS)
        widgets = {name: forms.NumberInput(attrs={"inputmode": "numeric"}) for name in DEFAULT_WEIGHTS}


class ChecklistItemForm(forms.ModelForm):
    class Meta:
        model = ChecklistItem
        fields = ["order", "text_km", "text_en", "active"]
        widgets = {"order": forms.NumberInput(attrs={"inputmode": "numeric", "class": "form-control", "min": 0})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("text_km", "text_en"):
            self.fields[name].widget.attrs["class"] = "form-control"
        self.fields["active"].widget.attrs["class"] = "form-check-input"


# One empty row to add an item; no delete box: an item is deactivated, never deleted.
ChecklistFormSet = forms.modelformset_factory(
    ChecklistItem, form=ChecklistItemForm, extra=1, can_delete=False, can_delete_extra=False
)


def checklist_formset(data=None):
    """The formset of every item (inactive ones too, to reactivate them); the new row comes last in the order."""
    last = ChecklistItem.objects.aggregate(last=Max("order"))["last"]
    return ChecklistFormSet(
        data, prefix="items", queryset=ChecklistItem.objects.all(), initial=[{"order": (last or 0) + 1}]
    )
