"""A transaction's status as a badge whose colour means something (docs/search.md, "Status
badges"): success (the money is or will be the merchant's), neutral (nothing more will happen, or
not the merchant's doing), warning (waits for someone or something), danger (refused). Neutral
states are never red.

A payment partly refunded or partly cancelled says so, with the amount that remains: one
function used by the list (transactions.tables) and the detail page (the `status_badge` tag).
"""

from dataclasses import dataclass

from django.utils.html import format_html
from django.utils.translation import gettext as _

from core.money import format_amount

from .models import Status

TONES = {
    Status.CAPTURED: "success",
    Status.TO_CAPTURE: "success",
    Status.TO_VALIDATE: "warning",
    Status.TO_REPLAY: "warning",
    Status.TO_AUTHORIZE: "warning",
    Status.WAITING_AUTHOR: "warning",
    Status.REFERRAL: "warning",
    Status.TO_CREDIT: "neutral",
    Status.CREDITED: "neutral",
    Status.CANCELLED: "neutral",
    Status.EXPIRED: "neutral",
    Status.ENDED: "neutral",
    Status.REFUSED: "danger",
}
NOT_PARTIAL = frozenset({Status.CANCELLED, Status.REFUSED, Status.EXPIRED, Status.CREDITED})


@dataclass(frozen=True)
class Badge:
    status: str
    label: str
    tone: str
    # "partially refunded" / "partially cancelled", and what remains of the payment (minor units)
    partial: str = ""
    remaining: int | None = None


def badge(transaction) -> Badge:
    t = transaction
    label = Status(t.status).label if t.status in Status.values else t.status
    tone = TONES.get(t.status, "neutral")
    if 0 < t.refunded_amount < t.captured_amount:
        return Badge(
            t.status, label, tone, _("partially refunded"), t.captured_amount - t.refunded_amount
        )
    if t.status not in NOT_PARTIAL and 0 < t.amount < t.origin_amount:
        return Badge(t.status, label, tone, _("partially cancelled"), t.amount)
    return Badge(t.status, str(label), tone)


def badge_html(transaction) -> str:
    b = badge(transaction)
    if not b.partial:
        return format_html(
            '<span class="badge badge-{}" data-status="{}">{}</span>', b.tone, b.status, b.label
        )
    return format_html(
        '<span class="badge badge-{}" data-status="{}">{}</span> '
        '<span class="badge badge-partial" data-testid="partial">{}</span> '
        '<span class="remaining">{}</span>',
        b.tone,
        b.status,
        b.label,
        b.partial,
        _("%(amount)s left") % {"amount": format_amount(b.remaining, transaction.currency_code)},
    )
