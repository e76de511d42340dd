from django import forms
from django.utils.translation import gettext_lazy as _

from merchants.models import Merchant


class GoLiveRequestForm(forms.Form):
    environment = forms.ChoiceField(
        label=_("Move to"),
        choices=[
            (Merchant.Environment.PRE_PRODUCTION, Merchant.Environment.PRE_PRODUCTION.label),
            (Merchant.Environment.PRODUCTION, Merchant.Environment.PRODUCTION.label),
        ],
        widget=forms.HiddenInput,
    )
    switch_date = forms.DateField(
        label=_("Go-live day (at 10:00 Paris time)"),
        input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


class RefusalForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=2000,
        widget=forms.TextInput(attrs={"placeholder": _("Reason"), "required": True}),
    )


class EnvironmentFilterForm(forms.Form):
    environment = forms.ChoiceField(
        label=_("Environment"),
        choices=[("", _("All")), *Merchant.Environment.choices],
        required=False,
    )
