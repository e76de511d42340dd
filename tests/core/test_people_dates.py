"""One rule for the dates people type: ISO or day first, the same day in every language."""

import datetime as dt

import pytest
from django import forms
from django.utils import translation

from operations.filters import OperationFilter
from operations.models import Operation
from transactions.views import NumberSearchForm


@pytest.mark.parametrize("language", ["fr", "en"])
def test_01_02_2026_is_the_first_of_february_in_every_language(language):
    with translation.override(language):
        assert forms.DateField().clean("01/02/2026") == dt.date(2026, 2, 1)
        assert forms.DateField().clean("2026-02-01") == dt.date(2026, 2, 1)
        form = NumberSearchForm({"transaction_id": "1", "payment_date": "01/02/2026"})
        assert form.is_valid(), form.errors
        assert form.cleaned_data["payment_date"] == dt.date(2026, 2, 1)


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_operations_search_reads_the_same_day(language):
    with translation.override(language):
        form = OperationFilter({"date_from": "01/02/2026"}, queryset=Operation.objects.none()).form
        assert form.is_valid(), form.errors
        assert form.cleaned_data["date_from"] == dt.date(2026, 2, 1)


@pytest.mark.parametrize("language", ["fr", "en"])
def test_month_first_is_refused_rather_than_misread(language):
    with translation.override(language):
        with pytest.raises(forms.ValidationError):
            forms.DateField().clean("12/31/2026")
