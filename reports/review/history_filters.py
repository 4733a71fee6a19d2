"""The history page's filters: GET parameters, checked against what the report itself offers."""

from collections.abc import Mapping
from typing import Any, cast

from django import forms
from django.contrib.auth.models import User
from django.utils.translation import gettext_lazy as _

from districts.models import Village
from districts.people import display_name


class HistoryFilterForm(forms.Form):
    """A village of the report (by code) and a person who changed something (by id); empty for all.

    The choices are the report's own villages and people, so a value from anywhere else (another district's
    village, a made-up id, markup) is not a choice: the form is invalid and the page shows every change.
    """

    village = forms.ChoiceField(label=_("Village"), required=False)
    person = forms.ChoiceField(label=_("Who"), required=False)

    def __init__(self, data: Mapping[str, Any], *, villages: list[Village], people: list[User]) -> None:
        super().__init__(data)
        self._villages = {village.code: village for village in villages}
        self._people = {str(user.pk): user for user in people}
        village, person = (
            cast(forms.ChoiceField, self.fields["village"]),
            cast(forms.ChoiceField, self.fields["person"]),
        )
        village.choices = [("", _("All villages")), *((v.code, str(v)) for v in villages)]
        person.choices = [("", _("Everyone")), *((key, display_name(user)) for key, user in self._people.items())]

    def chosen(self) -> tuple[Village | None, User | None]:
        """The village and the person to show (None: all); both None when either value is not a choice."""
        if not self.is_valid():
            return None, None
        return self._villages.get(self.cleaned_data["village"]), self._people.get(self.cleaned_data["person"])
