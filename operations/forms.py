from django import forms
from django.utils.translation import gettext_lazy as _

from core.money import AmountError, format_amount, parse_amount
from operations.models import REASON_MAX_LENGTH
from transactions.feed import normalise_transaction_id
from transactions.models import CaptureMode


class OperationForm(forms.Form):
    """The amount as the user's language writes it ("12,50" in French, "12.50" in English)."""

    amount = forms.CharField(label=_("Amount"), max_length=32)

    def __init__(self, *args, currency_code: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.currency_code = currency_code

    def clean_amount(self) -> int:
        try:
            minor = parse_amount(self.cleaned_data["amount"], self.currency_code)
        except AmountError:
            raise forms.ValidationError(
                _("Enter an amount such as %(example)s.")
                % {"example": format_amount(1250, self.currency_code, symbol=False)}
            ) from None
        if minor <= 0:
            raise forms.ValidationError(_("The amount must be greater than zero."))
        return minor


class DuplicateForm(OperationForm):
    transaction_id = forms.CharField(
        label=_("New transaction id"), max_length=6, help_text=_("Up to 6 digits, free today.")
    )
    capture_mode = forms.ChoiceField(
        label=_("Capture mode"), choices=CaptureMode.choices, required=False
    )
    capture_day = forms.IntegerField(
        label=_("Capture delay (days)"), min_value=0, max_value=99, required=False
    )

    def clean_transaction_id(self) -> str:
        try:
            return normalise_transaction_id(self.cleaned_data["transaction_id"])
        except ValueError:
            raise forms.ValidationError(_("A transaction id is 1 to 6 digits.")) from None


class AdviceForm(forms.Form):
    """Forcing a referral: the authorisation number the bank gave by phone (an..10)."""

    authorisation_id = forms.RegexField(
        label=_("Authorisation number given by the bank"),
        regex=r"^[A-Za-z0-9]{1,10}$",
        max_length=10,
        error_messages={"invalid": _("The authorisation number is 1 to 10 letters or digits.")},
    )

    def __init__(self, *args, currency_code: str, **kwargs):
        kwargs.pop("initial", None)
        super().__init__(*args, **kwargs)


class ConfirmForm(forms.Form):
    """The confirmation step: what was previewed, in canonical form, and a one-time token."""

    amount = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    token = forms.UUIDField(widget=forms.HiddenInput)
    transaction_id = forms.CharField(required=False, widget=forms.HiddenInput)
    capture_mode = forms.CharField(required=False, widget=forms.HiddenInput)
    capture_day = forms.IntegerField(required=False, widget=forms.HiddenInput)
    authorisation_id = forms.CharField(required=False, max_length=10, widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("Reason (optional)"),
        required=False,
        max_length=REASON_MAX_LENGTH,
        help_text=_("Kept with the operation, shown on the transaction and the operations list."),
    )
