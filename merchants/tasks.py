"""Celery tasks of accounts: thin, plain values in."""

import smtplib

from celery import shared_task
from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.db import InterfaceError, OperationalError
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from .models import User


@shared_task(
    name="merchants.send_invitation",
    autoretry_for=(smtplib.SMTPException, OSError, OperationalError, InterfaceError),
    retry_backoff=30,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=8,
    soft_time_limit=60,
    time_limit=90,
)
def send_invitation(*, user_pk: int, inviter_pk: int, site: str, language: str) -> bool:
    """E-mail a new user the link to choose a password (`site` is `https://host`, as the inviter
    used it). An account that has since chosen a password, or is gone, gets nothing."""
    user = User.objects.filter(pk=user_pk, is_active=True).first()
    if user is None or user.has_usable_password() or not user.email:
        return False
    inviter = User.objects.filter(pk=inviter_pk).first()
    protocol, _sep, domain = site.partition("://")
    context = {
        "user": user,
        "inviter": inviter,
        "protocol": protocol,
        "domain": domain,
        "uid": urlsafe_base64_encode(force_bytes(user.pk)),
        "token": default_token_generator.make_token(user),
    }
    with translation.override(language or settings.LANGUAGE_CODE):
        send_mail(
            subject=_("Your gestion account"),
            message=render_to_string("registration/invitation_email.txt", context),
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[user.email],
        )
    return True
