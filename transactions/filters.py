"""The search criteria, as query-string filters (django-filter): one set for the web form, where
amounts are typed as people write them ("12,50" in French), one for the API (minor units).

Every filter narrows a queryset that already holds only the user's scope
(selectors.transactions_visible_to); nothing here widens it.
"""

import datetime as dt
import re

import django_filters
from django import forms
from django.db.models import Value
from django.db.models.functions import Lower
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from core.dates import DATE_RANGE_VALIDATORS, check_date_order, paris_midnight
from core.money import CURRENCY_CHOICES, AmountError, parse_amount
from core.sips import CARD_MASK_PATTERN, FORBIDDEN_CHARS, MERCHANT_ID_RE
from merchants.models import Merchant, PaymentMeans

from . import search_box, sips_codes
from .feed import normalise_transaction_id
from .models import AutomaticResponseStatus, CaptureMode, Origin, Status

# Codes with their meaning in the user's language (annexes T, F, K).
RESPONSE_CODE_CHOICES = sips_codes.labelled_choices(sips_codes.RESPONSE_CODES)
BANK_RESPONSE_CODE_CHOICES = sips_codes.labelled_choices(sips_codes.BANK_RESPONSE_CODES)
CVV_RESPONSE_CODE_CHOICES = sips_codes.labelled_choices(sips_codes.CVV_RESPONSE_CODES)


class TransactionFilterBase(django_filters.FilterSet):
    transaction_id = django_filters.CharFilter(
        label=_("Transaction number"), method="filter_transaction_id", max_length=6
    )
    merchant_id = django_filters.CharFilter(
        label=_("Shops (merchant_id)"),
        method="filter_merchant_id",
        help_text=_("One or several, separated by spaces or commas."),
    )
    payment_date_from = django_filters.DateFilter(
        label=_("Paid from"),
        method="filter_date_from",
        validators=DATE_RANGE_VALIDATORS,
        input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    payment_date_to = django_filters.DateFilter(
        label=_("Paid until"),
        method="filter_date_to",
        validators=DATE_RANGE_VALIDATORS,
        input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    status = django_filters.MultipleChoiceFilter(
        distinct=False,  # one row per transaction already: DISTINCT would sort every match
        label=_("Status"),
        choices=Status.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    currency_code = django_filters.ChoiceFilter(label=_("Currency"), choices=CURRENCY_CHOICES)
    payment_means = django_filters.ChoiceFilter(
        label=_("Payment means"), choices=PaymentMeans.Means.choices
    )
    customer_id = django_filters.CharFilter(
        label=_("Customer id"), method="filter_any_case", max_length=19
    )
    customer_email = django_filters.CharFilter(
        label=_("Customer e-mail"), method="filter_any_case", max_length=128
    )
    order_id = django_filters.CharFilter(
        label=_("Order id (or its start)"), method="filter_prefix", max_length=32
    )
    response_code = django_filters.ChoiceFilter(
        label=_("Response code"), choices=RESPONSE_CODE_CHOICES
    )
    bank_response_code = django_filters.ChoiceFilter(
        label=_("Bank response code"), choices=BANK_RESPONSE_CODE_CHOICES
    )
    cvv_response_code = django_filters.ChoiceFilter(
        label=_("CVV response code"), choices=CVV_RESPONSE_CODE_CHOICES
    )
    capture_mode = django_filters.ChoiceFilter(label=_("Capture mode"), choices=CaptureMode.choices)
    automatic_response_status = django_filters.ChoiceFilter(
        label=_("Automatic response"), choices=AutomaticResponseStatus.choices
    )
    origin = django_filters.ChoiceFilter(label=_("Origin"), choices=Origin.choices)
    # The shop's environment now (docs/go-live.md): e.g. leave the demo shops out.
    environment = django_filters.ChoiceFilter(
        label=_("Shop environment"),
        choices=Merchant.Environment.choices,
        method="filter_environment",
    )

    def filter_environment(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(
            merchant_id__in=Merchant.objects.filter(environment=value).values("pk")
        )

    def filter_transaction_id(self, queryset, name, value):
        return queryset.filter(transaction_id=value) if value else queryset

    def filter_merchant_id(self, queryset, name, value):
        return queryset.filter(merchant__merchant_id__in=value) if value else queryset

    def filter_date_from(self, queryset, name, value):
        # payment_date is the Paris day; the payment_at bound lets the time indexes serve it.
        return queryset.filter(payment_date__gte=value, payment_at__gte=paris_midnight(value))

    def filter_date_to(self, queryset, name, value):
        next_day = paris_midnight(value + dt.timedelta(days=1))
        return queryset.filter(payment_date__lte=value, payment_at__lt=next_day)

    def filter_any_case(self, queryset, name, value):
        """Whatever the case (`Lea.Durand@…` finds `lea.durand@…`): LOWER(column) = LOWER(value),
        the expression the transaction_*_ci_by_time indexes hold."""
        value = value.strip()
        if not value:
            return queryset
        return queryset.alias(**{f"{name}_ci": Lower(name)}).filter(
            **{f"{name}_ci": Lower(Value(value))}
        )

    def filter_prefix(self, queryset, name, value):
        """The references starting with `value` (`CMD-20261127` finds `CMD-20261127-0042`); a
        LIKE 'value%' the transaction_order_prefix index serves on PostgreSQL."""
        value = value.strip()
        return queryset.filter(**{f"{name}__startswith": value}) if value else queryset

    def filter_amount(self, queryset, name, value):
        """An amount is in one currency: the one chosen, else the default (EUR); 1 343 ¥ is not
        between 10,00 € and 20,00 €."""
        if value is None or value == "":
            return queryset
        bound = {"amount__gte" if name == "amount_min" else "amount__lte": value}
        if not self.form.cleaned_data.get("currency_code"):
            bound["currency_code"] = search_box.DEFAULT_CURRENCY
        return queryset.filter(**bound)


class SearchFormBase(forms.Form):
    """Cleans what filters cannot check one field at a time, with messages in the user's terms."""

    def clean_transaction_id(self):
        value = self.cleaned_data.get("transaction_id", "")
        if not value:
            return ""
        try:
            return normalise_transaction_id(value)
        except ValueError:
            raise forms.ValidationError(
                _("A transaction number has 1 to 6 digits."), code="invalid"
            ) from None

    def clean_merchant_id(self):
        value = self.cleaned_data.get("merchant_id", "")
        ids = [part for part in re.split(r"[\s,;]+", value or "") if part]
        bad = [part for part in ids if not MERCHANT_ID_RE.match(part)]
        if bad:
            raise forms.ValidationError(
                _("A merchant_id has 1 to 15 digits: %(value)s"),
                code="invalid",
                params={"value": ", ".join(bad)},
            )
        if len(ids) > 500:
            raise forms.ValidationError(_("At most 500 shops at once."), code="too_many")
        return ids

    def _clean_text(self, name):
        value = (self.cleaned_data.get(name) or "").strip()
        if FORBIDDEN_CHARS & set(value):
            raise forms.ValidationError(
                _('The characters | ; : " are not allowed here.'), code="invalid"
            )
        return value

    def clean_customer_id(self):
        return self._clean_text("customer_id")

    def clean_order_id(self):
        return self._clean_text("order_id")

    def clean_customer_email(self):
        return (self.cleaned_data.get("customer_email") or "").strip()

    def clean(self):
        data = super().clean()
        check_date_order(self, "payment_date_from", "payment_date_to")
        low, high = data.get("amount_min"), data.get("amount_max")
        if isinstance(low, int) and isinstance(high, int) and low > high:
            self.add_error("amount_max", _("The maximum amount is below the minimum."))
        return data


class WebSearchForm(SearchFormBase):
    """Amounts as the person types them, in their language and the chosen currency (EUR if none)."""

    def _clean_amount(self, name):
        text = (self.cleaned_data.get(name) or "").strip()
        if not text:
            return None
        code = self.data.get("currency_code") or "978"
        try:
            return parse_amount(text, code if code in dict(CURRENCY_CHOICES) else "978",
                                language=get_language())  # fmt: skip
        except AmountError:
            raise forms.ValidationError(
                _("Not an amount: %(value)s (for example 12,50 in French, 12.50 in English)."),
                code="invalid",
                params={"value": text},
            ) from None

    def clean_amount_min(self):
        return self._clean_amount("amount_min")

    def clean_amount_max(self):
        return self._clean_amount("amount_max")

    def clean_q(self):
        """The search box's readings (transactions.search_box), the first one applied."""
        try:
            return search_box.read(
                self.cleaned_data.get("q") or "",
                language=get_language(),
                currency=self.data.get("currency_code") or "",
            )
        except ValueError:
            raise forms.ValidationError(
                _(
                    "Type a transaction number, a customer e-mail, the start of an order "
                    "reference, card digits (4539 or **07) or an amount (113,19 €)."
                ),
                code="invalid",
            ) from None

    def clean_card_first_digits(self):
        value = (self.cleaned_data.get("card_first_digits") or "").strip()
        if value and not re.fullmatch(r"[0-9]{4}", value):
            raise forms.ValidationError(_("Type the first 4 digits of the card."), code="invalid")
        return value

    def clean_card_last_digits(self):
        value = (self.cleaned_data.get("card_last_digits") or "").strip()
        if value and not re.fullmatch(r"[0-9]{2}", value):
            raise forms.ValidationError(_("Type the last 2 digits of the card."), code="invalid")
        return value


class TransactionFilter(TransactionFilterBase):
    """The web search form."""

    q = django_filters.CharFilter(
        label=_("Search"), method="filter_box", max_length=search_box.MAX_LENGTH
    )
    period = django_filters.ChoiceFilter(
        label=_("Period"), choices=search_box.PERIOD_CHOICES, method="filter_period"
    )
    amount_min = django_filters.CharFilter(label=_("Amount from"), method="filter_amount")
    amount_max = django_filters.CharFilter(label=_("Amount up to"), method="filter_amount")
    card_first_digits = django_filters.CharFilter(
        label=_("Card: first 4 digits"), method="filter_card_first", max_length=4
    )
    card_last_digits = django_filters.CharFilter(
        label=_("Card: last 2 digits"), method="filter_card_last", max_length=2
    )

    class Meta:
        form = WebSearchForm
        fields: list[str] = []

    def filter_box(self, queryset, name, readings):
        """The first reading of the search box, through the filters of the criteria it names."""
        reading = readings[0]
        for criterion, value in reading.criteria.items():
            if criterion == "amount":
                queryset = queryset.filter(amount=reading.minor, currency_code=reading.currency)
            elif criterion != "currency_code":
                queryset = self.filters[criterion].filter(queryset, value)
        return queryset

    def filter_period(self, queryset, name, value):
        start, end = search_box.period_days(value)
        return self.filter_date_to(self.filter_date_from(queryset, name, start), name, end)

    def filter_card_first(self, queryset, name, value):
        return queryset.filter(card_number__startswith=f"{value}.") if value else queryset

    def filter_card_last(self, queryset, name, value):
        return queryset.filter(card_number__endswith=f".{value}") if value else queryset


class ApiSearchForm(SearchFormBase):
    def _clean_minor(self, name):
        value = self.cleaned_data.get(name)
        if value is not None and value != int(value):
            raise forms.ValidationError(
                f"{name}: an integer amount in minor units.", code="invalid"
            )
        return None if value is None else int(value)

    def clean_amount_min(self):
        return self._clean_minor("amount_min")

    def clean_amount_max(self):
        return self._clean_minor("amount_max")

    def clean_card_number(self):
        value = (self.cleaned_data.get("card_number") or "").strip()
        if value and not re.fullmatch(rf"{CARD_MASK_PATTERN}|[0-9]{{4}}\.?|\.[0-9]{{2}}", value):
            raise forms.ValidationError(
                "card_number: 1234.56, 1234 (first 4 digits) or .56 (last 2 digits).",
                code="invalid",
            )
        return value


class ApiTransactionFilter(TransactionFilterBase):
    """The API's query parameters: amounts in minor units, the card as 1234.56, 1234 or .56."""

    amount_min = django_filters.NumberFilter(method="filter_amount", min_value=0)
    amount_max = django_filters.NumberFilter(method="filter_amount", min_value=0)
    card_number = django_filters.CharFilter(method="filter_card_number", max_length=7)
    status = django_filters.MultipleChoiceFilter(
        distinct=False,  # one row per transaction already: DISTINCT would sort every match
        choices=Status.choices,
    )

    class Meta:
        form = ApiSearchForm
        fields: list[str] = []

    def filter_card_number(self, queryset, name, value):
        if not value:
            return queryset
        if len(value) == 7:
            return queryset.filter(card_number=value)
        if value.startswith("."):
            return queryset.filter(card_number__endswith=value)
        return queryset.filter(card_number__startswith=value.rstrip(".") + ".")
