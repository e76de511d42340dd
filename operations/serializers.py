"""What an operation request's JSON body may hold: the API's input serializer.

It checks the body's shape (a JSON object), each field's JSON type and what each operation
requires; the values themselves (amount ceilings, the origin's Sips characters, the new number's
freedom, the authorisation number's format) are the services' rules (operations/services/cash.py),
checked there for the web and the API alike.
"""

from collections.abc import Mapping

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from transactions.models import CaptureMode

from .models import OperationKind
from .services.cash import MAX_AMOUNT


class StrictIntegerField(serializers.IntegerField):
    """A JSON integer: neither a string of digits nor a boolean nor a float."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictCharField(serializers.CharField):
    """A JSON string (a number is not silently turned into one)."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


@extend_schema_field({"oneOf": [{"type": "string"}, {"type": "integer"}]})
class TransactionIdField(serializers.Field):
    """The new transaction's number: 1 to 6 digits, as a string or an integer."""

    default_error_messages = {"invalid": "1 to 6 digits."}

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, str | int):
            self.fail("invalid")
        return str(data)

    def to_representation(self, value):
        return value


# Which fields each operation (Annexe N code) needs.
REQUIRED = {
    OperationKind.VALIDATE: ("amount",),
    OperationKind.CANCEL: ("amount",),
    OperationKind.CREDIT: ("amount",),
    OperationKind.DUPLICATE: ("amount", "transaction_id"),
    OperationKind.ADVICE: ("authorisation_id",),
}


class OperationRequestSerializer(serializers.Serializer):
    amount = StrictIntegerField(
        required=False,
        min_value=1,
        max_value=MAX_AMOUNT,
        help_text="Minor units (validate, cancel, refund, duplicate)",
    )
    origin = StrictCharField(
        required=False, allow_blank=True, trim_whitespace=False, help_text="Sips ans..20"
    )
    authorisation_id = StrictCharField(
        required=False,
        trim_whitespace=False,
        help_text="Advice: the number the bank gave by phone, 1 to 10 letters or digits",
    )
    transaction_id = TransactionIdField(
        required=False, help_text="Duplicate: the new transaction's number (1 to 6 digits)"
    )
    capture_mode = serializers.ChoiceField(
        choices=CaptureMode.choices, required=False, allow_null=True, help_text="Duplicate"
    )
    capture_day = StrictIntegerField(
        required=False, allow_null=True, min_value=0, max_value=99, help_text="Duplicate"
    )

    def to_internal_value(self, data):
        """Each field's errors and, at once, every field the operation needs but lacks."""
        errors, attrs = {}, {}
        try:
            attrs = super().to_internal_value(data)
        except serializers.ValidationError as invalid:
            errors = dict(invalid.detail)
        if isinstance(data, Mapping):
            for name in REQUIRED.get(self.context.get("kind"), ()):
                if name not in data:
                    errors[name] = [self.fields[name].error_messages["required"]]
        if errors:
            raise serializers.ValidationError(errors)
        return attrs
