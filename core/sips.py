"""Sips formats and codes the whole project relies on, each written once (docs/domain.md).

Models, URL patterns, the feed, search filters and templates read them from here.
"""

import re

from django.utils.translation import gettext_lazy as _

# A shop's merchant_id: 1 to 15 digits (Sips n..15), kept as given, leading zeros included.
MERCHANT_ID_PATTERN = r"[0-9]{1,15}"
MERCHANT_ID_REGEX = rf"^{MERCHANT_ID_PATTERN}$"
MERCHANT_ID_RE = re.compile(MERCHANT_ID_REGEX)

# A stored transaction_id: 6 digits, zero-padded (people and URLs may give 1 to 6 digits).
TRANSACTION_ID_REGEX = r"^[0-9]{6}$"

# A transaction's key in a URL: merchant_id / payment date (YYYY-MM-DD, Paris) / transaction_id.
SIPS_KEY_URL = (
    rf"(?P<merchant_id>{MERCHANT_ID_PATTERN})/(?P<payment_date>[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}})/"
    r"(?P<transaction_id>[0-9]{1,6})/"
)

# Characters Sips forbids in customer_id, order_id and return_context.
FORBIDDEN_CHARS = frozenset('|;:"')

# The only card number ever stored or shown: first 4 and last 2 digits, `xxxx.yy`.
CARD_MASK_PATTERN = r"[0-9]{4}\.[0-9]{2}"
CARD_MASK_REGEX = rf"^{CARD_MASK_PATTERN}$"

# Authorisation response codes (docs/domain.md "Response codes"), shown next to the code wherever
# a merchant reads one.
RESPONSE_CODES = {
    "00": _("Accepted"),
    "02": _("Referral"),
    "03": _("Invalid merchant"),
    "05": _("Refused"),
    "12": _("Invalid transaction"),
    "17": _("Cancelled by the customer"),
    "30": _("Format error"),
    "34": _("Fraud suspected"),
    "75": _("Too many attempts"),
    "90": _("Service unavailable"),
}
ACCEPTED = "00"
REFUSAL_CODES = frozenset(RESPONSE_CODES) - {ACCEPTED}
