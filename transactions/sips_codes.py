"""Sips 1.0 code tables (data dictionary annexes E, F, K, M, O, P, T, U, V) and their meanings.

One place for every code the payment server may send, with its meaning in the user's language
(English msgids, French from the dictionary's own wording). The feed checks codes against these
tables; the detail page, the API and the search filters show and offer the same meanings.
See docs/sips.md for the rules we derive from them.
"""

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

# ---------------------------------------------------------------- Annexe E: means and networks

# Card (payment_means value) → its network. The network decides which table of Annexe F applies
# and whether Annexe K's CVV answer exists. Means the shop enables are merchants.PaymentMeans.
NETWORKS: dict[str, str] = {
    "CB": "CB",
    "VISA": "VISA",
    "MASTERCARD": "MASTERCARD",
    "AMEX": "AMEX",
    "FINAREF": "FINAREF",
    "FNAC": "FINAREF",
    "CYRILLUS": "FINAREF",
    "PRINTEMPS": "FINAREF",
    "KANGOUROU": "FINAREF",
    "SURCOUF": "FINAREF",
    "POCKETCARD": "FINAREF",
    "CONFORAMA": "FINAREF",
    "NUITEA": "CETELEM",
    "AURORE": "CETELEM",
    "PASS": "CETELEM",
    "PASS2": "S2P",
    "PASS3FOIS": "S2P",
    "CBPASS": "S2P",
    "PEUGEOT": "CREDITPAR",
    "COFINOGA": "COFINOGA",
    "ACCORD": "ACCORD",
    "FRANFINANCE": "FRANFINANCE",
    "1EUROCOM": "COFIDIS",
    "4ETOILES": "COFIDIS",
    "COFIDIS_3X": "COFIDIS",
    "PROFILPLUS": "COFIDIS",
    "LIBRAVOU": "COFIDIS",
    "JCB": "JCB",
    "DINERS": "DINERS",
    "SOLO": "UK",
    "SWITCH": "UK",
    "DELTA": "UK",
    "BANCONTACTMISTERCASH": "BANKSYS",
    # Later brands the shops already use, carried by the CB / card schemes' networks.
    "PAYLIB": "CB",
    "MAESTRO": "MASTERCARD",
    "VPAY": "VISA",
    "E-CARD": "CB",
}


def network(means: str) -> str:
    return NETWORKS.get(means, "CB")


# ---------------------------------------------------------------- Annexe F: bank response codes

_CB2A = {
    "00": _("Transaction approved or processed successfully"),
    "02": _("Contact the card issuer"),
    "03": _("Invalid acceptor"),
    "04": _("Keep the card"),
    "05": _("Do not honour"),
    "07": _("Keep the card, special conditions"),
    "08": _("Approve after identification"),
    "12": _("Invalid transaction"),
    "13": _("Invalid amount"),
    "14": _("Invalid cardholder number"),
    "15": _("Unknown card issuer"),
    "30": _("Format error"),
    "31": _("Unknown acquirer identifier"),
    "33": _("Card validity date passed"),
    "34": _("Fraud suspected"),
    "41": _("Lost card"),
    "43": _("Stolen card"),
    "51": _("Insufficient funds or credit exceeded"),
    "54": _("Card validity date passed"),
    "56": _("Card not in the file"),
    "57": _("Transaction not allowed for this cardholder"),
    "58": _("Transaction not allowed for the terminal"),
    "59": _("Fraud suspected"),
    "60": _("The card acceptor must contact the acquirer"),
    "61": _("Withdrawal amount limit exceeded"),
    "63": _("Security rules not respected"),
    "68": _("Answer not received or received too late"),
    "90": _("System temporarily stopped"),
    "91": _("Card issuer unreachable"),
    "96": _("System malfunction"),
    "97": _("Global monitoring time-out expired"),
    "98": _("Server unavailable, network routing asked again"),
    "99": _("Incident in the initiating domain"),
}
_AMEX = {
    "00": _("Transaction approved or processed successfully"),
    "02": _("Ceiling exceeded"),
    "04": _("Keep the card"),
    "05": _("Do not honour"),
    "97": _("Global monitoring time-out expired"),
}
_FINAREF = {
    "00": _("Transaction approved"),
    "03": _("Unknown merchant or wrong merchant identifier"),
    "05": _("Account or cardholder blocked or invalid"),
    "11": _("Unknown account or cardholder"),
    "16": _("Insufficient funds"),
    "20": _("Invalid merchant, currency or commercial operation"),
    "80": _("Transaction approved with overdraft"),
    "81": _("Transaction approved with capital increase"),
    "82": _("Transaction approved, address unknown"),
    "83": _("Invalid account or cardholder"),
}
BANK_TABLES = {"AMEX": _AMEX, "FINAREF": _FINAREF}
# Codes of each table that approve the payment.
BANK_APPROVALS = {"AMEX": {"00"}, "FINAREF": {"00", "80", "81", "82"}}
# Every bank code any table knows, for the search filter (CB2A meaning when they overlap).
BANK_RESPONSE_CODES = {**_FINAREF, **_AMEX, **_CB2A}


def bank_table(means: str) -> dict:
    """The Annexe F table of the card's network (CB2A for CB, VISA, MASTERCARD and the others:
    the dictionary gives no table for them)."""
    return BANK_TABLES.get(network(means), _CB2A)


def bank_response_label(code: str, means: str = "") -> str:
    return str(bank_table(means).get(code) or BANK_RESPONSE_CODES.get(code, "")) if code else ""


def bank_approves(code: str, means: str = "") -> bool:
    return code in BANK_APPROVALS.get(network(means), {"00"})


# ---------------------------------------------------------------- Annexe K: the CVV

CVV_FLAGS = {
    "0": _("Control number not sent by the merchant"),
    "1": _("Control number present"),
    "2": _("Control number on the card but unreadable"),
    "9": _("The cardholder says the card has no control number"),
}
CVV_RESPONSE_CODES = {
    "4E": _("Incorrect control number"),
    "4D": _("Correct control number"),
    "50": _("Control number not processed"),
    "53": _("Control number absent from the authorisation request"),
    "55": _("The cardholder's bank is not certified: no check made"),
    "NO": _("No control number on the card"),
}
# Flag 2 exists for CB, VISA and MASTERCARD only; flag 9 for those and FINAREF (Annexe K).
CVV_FLAG_NETWORKS = {
    "2": {"CB", "VISA", "MASTERCARD"},
    "9": {"CB", "VISA", "MASTERCARD", "FINAREF"},
}
# American Express and Finaref return no CVV answer of their own (Annexe K: "vide").
NO_CVV_ANSWER_NETWORKS = {"AMEX", "FINAREF"}

# ---------------------------------------------------------------- Annexe T: Sips response codes

RESPONSE_CODES = {
    "00": _("Authorisation accepted"),
    "02": _("Referral: ask the bank for an authorisation by phone"),
    "03": _("Invalid merchant_id or no distance-selling contract"),
    "05": _("Authorisation refused"),
    "12": _("Invalid transaction"),
    "14": _("Invalid bank details or control number"),
    "17": _("Cancelled by the customer"),
    "30": _("Format error"),
    "34": _("Fraud suspected"),
    "54": _("Card validity date passed"),
    "63": _("Security rules not respected, transaction stopped"),
    "75": _("Too many attempts at the card number"),
    "90": _("Service temporarily unavailable"),
}

# ---------------------------------------------------------------- other annexes

# Annexe U: the payment's authentication result (transaction_condition).
TRANSACTION_CONDITIONS = {
    "3D_SUCCESS": _("3-D Secure: the cardholder authenticated"),
    "3D_FAILURE": _("3-D Secure: the cardholder failed to authenticate"),
    "3D_ERROR": _("3-D Secure: technical problem during authentication"),
    "3D_NOTENROLLED": _("3-D Secure: card not enrolled"),
    "3D_ATTEMPT": _("3-D Secure: attempt, no authentication asked"),
    "SSL": _("No 3-D Secure authentication"),
}
# Annexe P: security_indicator.
SECURITY_INDICATORS = frozenset(
    {"09", "21", "22", "25", "26", "31", "32", "33", "81", "82", "84", "85", "86", "88", "92", "93"}
)
MPI_TX_STATUSES = frozenset({"Y", "A", "N", "U"})
# Annexe M: the payment pages' languages; Annexe O: the merchant countries.
LANGUAGES = frozenset({"fr", "ge", "en", "sp", "it"})
COUNTRIES = frozenset({"be", "fr", "de", "it", "es", "en"})


def labelled_choices(table: dict) -> list[tuple[str, str]]:
    """A code table as form choices: "05 · Do not honour", in the user's language."""
    return [(code, format_lazy("{} · {}", code, label)) for code, label in sorted(table.items())]


def code_labels(transaction) -> dict[str, str]:
    """The meaning of each code a transaction carries, in the active language ("" if none)."""

    def label(table, code):
        return str(table.get(code, "")) if code else ""

    return {
        "response_code": label(RESPONSE_CODES, transaction.response_code),
        "bank_response_code": bank_response_label(
            transaction.bank_response_code, transaction.payment_means
        ),
        "cvv_flag": label(CVV_FLAGS, transaction.cvv_flag),
        "cvv_response_code": label(CVV_RESPONSE_CODES, transaction.cvv_response_code),
        "transaction_condition": label(TRANSACTION_CONDITIONS, transaction.transaction_condition),
    }
