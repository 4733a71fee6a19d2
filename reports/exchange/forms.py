from django import forms
from django.utils.translation import gettext_lazy as _

from reports.exchange.dhis2 import CSV_MAX_BYTES
from reports.rollups.models import DataState


class Dhis2ExportForm(forms.Form):
    """The quarter, data state and format of a download (a GET form: the URL says what was exported)."""

    FORMATS = [("adx", _("ADX (XML)")), ("json", _("DHIS2 dataValueSets (JSON)"))]

    quarter = forms.ChoiceField(label=_("Quarter"))
    state = forms.ChoiceField(label=_("Data"), choices=DataState.choices, initial=DataState.APPROVED)
    format = forms.ChoiceField(label=_("Format"), choices=FORMATS, initial="adx")

    def __init__(self, *args, quarters, **kwargs):
        """`quarters`: [(period, district reports it would send)] newest first (dhis2.quarters_with_counts)."""
        super().__init__(*args, **kwargs)
        self.fields["quarter"].choices = [
            (
                f"{period.year}Q{period.quarter}",
                _("%(quarter)s — %(count)d districts") % {"quarter": period.label, "count": count}
                if count
                else _("%(quarter)s — no reports") % {"quarter": period.label},
            )
            for period, count in quarters
        ]
        latest = next((period for period, count in quarters if count), None)
        if latest is not None:
            self.fields["quarter"].initial = f"{latest.year}Q{latest.quarter}"


class MappingUploadForm(forms.Form):
    file = forms.FileField(label=_("Mapping file (CSV)"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > CSV_MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than 1 MB: a mapping file is a few kilobytes."))
        return upload
