"""The e-mails of going live: to the shop's users and to the bank, each in its reader's language.

Sent after the change commits (transaction.on_commit), one message a recipient, so an address
never shows another's. A mail server down loses the e-mail, never the change: it is logged.
"""

import logging

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext as _

from merchants.models import User

from .models import GoLiveRequest

logger = logging.getLogger(__name__)

EVENTS = ("RECEIVED", "APPROVED", "REFUSED", "WITHDRAWN", "DONE", "EXPIRED")


def shop_recipients(merchant) -> list[User]:
    """Active users with a role on the shop, directly or through a group holding it."""
    return list(
        User.objects.filter(
            Q(accesses__merchant=merchant) | Q(accesses__group__merchants=merchant),
            is_active=True,
            is_payment_server=False,
        )
        .exclude(email="")
        .distinct()
        .order_by("pk")
    )


def bank_recipients() -> list[User]:
    return list(
        User.objects.filter(is_bank_staff=True, is_active=True).exclude(email="").order_by("pk")
    )


def _text(event: str, request: GoLiveRequest) -> tuple[str, str]:
    values = {
        "merchant_id": request.merchant.merchant_id,
        "name": request.merchant.name,
        "from": request.get_from_environment_display(),
        "to": request.get_environment_display(),
        "date": request.switch_date.isoformat(),
        "reason": request.reason,
        "by": request.requested_by_username,
        "decider": request.decided_by_username,
    }
    subjects = {
        "RECEIVED": _("Go-live request received: shop %(merchant_id)s to %(to)s on %(date)s"),
        "APPROVED": _("Go-live approved: shop %(merchant_id)s to %(to)s on %(date)s at 10:00"),
        "REFUSED": _("Go-live refused: shop %(merchant_id)s to %(to)s on %(date)s"),
        "WITHDRAWN": _("Go-live request withdrawn: shop %(merchant_id)s to %(to)s on %(date)s"),
        "DONE": _("Shop %(merchant_id)s is now in %(to)s"),
        "EXPIRED": _("Go-live not carried out: shop %(merchant_id)s to %(to)s on %(date)s"),
    }
    bodies = {
        "RECEIVED": _(
            "%(by)s asked for shop %(merchant_id)s (%(name)s) to move from %(from)s to %(to)s "
            "on %(date)s at 10:00 (Paris time). The bank will approve or refuse the request."
        ),
        "APPROVED": _(
            "%(decider)s approved the move of shop %(merchant_id)s (%(name)s) from %(from)s to "
            "%(to)s. It happens on %(date)s at 10:00 (Paris time)."
        ),
        "REFUSED": _(
            "%(decider)s refused the move of shop %(merchant_id)s (%(name)s) from %(from)s to "
            "%(to)s on %(date)s. Reason: %(reason)s"
        ),
        "WITHDRAWN": _(
            "The request to move shop %(merchant_id)s (%(name)s) from %(from)s to %(to)s on "
            "%(date)s was withdrawn."
        ),
        "DONE": _(
            "Shop %(merchant_id)s (%(name)s) moved from %(from)s to %(to)s on %(date)s. "
            "In production, the first journals arrive the next morning."
        ),
        "EXPIRED": _(
            "The move of shop %(merchant_id)s (%(name)s) from %(from)s to %(to)s planned on "
            "%(date)s did not happen that day. Ask for a new date."
        ),
    }
    return subjects[event] % values, bodies[event] % values + "\n"


def golive_notify(*, request_pk: int, event: str) -> int:
    """E-mail the shop's users and the bank about `event` on the request; → messages sent."""
    assert event in EVENTS, event
    request = GoLiveRequest.objects.select_related("merchant").get(pk=request_pk)
    messages = []
    recipients = [(u, u.language) for u in shop_recipients(request.merchant)]
    recipients += [(u, u.language) for u in bank_recipients() if u not in dict(recipients)]
    for user, language in recipients:
        with translation.override(language or settings.LANGUAGE_CODE):
            subject, body = _text(event, request)
        messages.append(
            EmailMessage(
                subject=subject,
                body=body,
                from_email=settings.DEFAULT_FROM_EMAIL,
                to=[user.email],
                headers={"X-Gestion-Go-Live": f"{request.pk} {event}"},
            )
        )
    try:
        return get_connection().send_messages(messages) or 0
    except Exception:  # noqa: BLE001 - the change is committed; the e-mail is only news of it
        logger.exception("go-live %s %s: e-mails not sent", request.pk, event)
        return 0
