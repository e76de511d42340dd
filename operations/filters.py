"""The operations search: one FilterSet for the page, its CSV export and the API."""

import datetime as dt

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from core.dates import DATE_RANGE_VALIDATORS, check_date_order, paris_midnight
from merchants.models import Merchant
from transactions.feed import normalise_transaction_id

from .models import OperationChannel, OperationKind

RESPONSE_CODE_CHOICES = [
    ("00", _("00 done")),
    ("12", _("12 invalid request")),
    ("24", _("24 incompatible with the status")),
    ("25", _("25 transaction not found")),
    ("40", _("40 not allowed")),
    ("02", _("02 referral")),
    ("05", _("05 authorisation refused")),
    ("51", _("51 amount too high")),
    ("90", _("90 service unavailable")),
    ("94", _("94 number already used that day")),
    ("99", _("99 temporary problem")),
]


class OperationFilter(django_filters.FilterSet):
    date_from = django_filters.DateFilter(
        label=_("From (Paris date)"),
        method="filter_date_from",
        validators=DATE_RANGE_VALIDATORS,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    date_to = django_filters.DateFilter(
        label=_("To (Paris date)"),
        method="filter_date_to",
        validators=DATE_RANGE_VALIDATORS,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    kind = django_filters.ChoiceFilter(label=_("Operation"), choices=OperationKind.choices)
    merchant_id = django_filters.CharFilter(
        label=_("Shop (merchant id)"), field_name="merchant__merchant_id"
    )
    user = django_filters.CharFilter(label=_("User"), field_name="user__username")
    channel = django_filters.ChoiceFilter(label=_("Channel"), choices=OperationChannel.choices)
    origin = django_filters.CharFilter(label=_("Origin"), field_name="origin")
    response_code = django_filters.ChoiceFilter(
        label=_("Response code"), choices=RESPONSE_CODE_CHOICES
    )
    transaction_id = django_filters.CharFilter(
        label=_("Transaction id"), method="filter_transaction_id"
    )
    # The shop's environment now (docs/go-live.md).
    environment = django_filters.ChoiceFilter(
        label=_("Shop environment"),
        choices=Merchant.Environment.choices,
        method="filter_environment",
    )

    def filter_date_from(self, queryset, name, value):
        return queryset.filter(created_at__gte=paris_midnight(value))

    def filter_date_to(self, queryset, name, value):
        return queryset.filter(created_at__lt=paris_midnight(value + dt.timedelta(days=1)))

    def filter_transaction_id(self, queryset, name, value):
        try:
            number = normalise_transaction_id(value)
        except ValueError:
            return queryset.none()
        return queryset.filter(transaction__transaction_id=number)

    def filter_environment(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(
            merchant_id__in=Merchant.objects.filter(environment=value).values("pk")
        )


class OperationPageForm(forms.Form):
    """The web page's criteria checked as a person typed them: a form error, never an empty
    table without a word (the API keeps its own answers)."""

    def clean_transaction_id(self):
        value = (self.cleaned_data.get("transaction_id") or "").strip()
        if value:
            try:
                normalise_transaction_id(value)
            except ValueError:
                raise forms.ValidationError(_("A transaction id is 1 to 6 digits.")) from None
        return value

    def clean(self):
        data = super().clean()
        check_date_order(self, "date_from", "date_to")
        return data


class OperationPageFilter(OperationFilter):
    class Meta:
        form = OperationPageForm
        fields: list[str] = []
