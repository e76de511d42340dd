from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from .models import Access, Merchant, MerchantGroup, User
from .selectors import manageable_points


class LoginForm(AuthenticationForm):
    """Username or e-mail address (merchants.auth), the same field ids as Django's form."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("Username or e-mail")
        self.fields["username"].max_length = 254
        self.fields["username"].widget.attrs["maxlength"] = 254

    def clean(self):
        from .auth import account_delay, axes_username, pair_locked

        login = self.cleaned_data.get("username")
        if login and self.request is not None:
            username = axes_username(self.request, {"username": login})
            # A pair already locked gets the lockout page (axes), not a delay.
            wait = 0 if pair_locked(username, self.request) else account_delay(username)
            if wait:
                # Not a lockout: the owner waits seconds, a guesser gets few tries an hour.
                raise forms.ValidationError(
                    _("Too many failed logins for this account: try again in %(seconds)d seconds.")
                    % {"seconds": wait},
                    code="slowed_down",
                )
        return super().clean()

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if user.is_payment_server:
            raise forms.ValidationError(
                _("This account feeds transactions through the API: it has no web access."),
                code="machine_account",
            )


class AccessPointField(forms.ChoiceField):
    """One access point of the actor's: "shop:<pk>" or "group:<pk>"."""

    def __init__(self, *, actor, **kwargs):
        shops, groups = manageable_points(user=actor)
        choices = [
            (f"shop:{m.pk}", f"{m.merchant_id} {m.name}") for m in shops.order_by("merchant_id")
        ]
        choices += [
            (f"group:{g.pk}", _("Group: %(name)s") % {"name": g.name})
            for g in groups.order_by("name")
        ]
        super().__init__(choices=choices, label=_("Shop or group"), **kwargs)

    def clean(self, value):
        value = super().clean(value)
        kind, _sep, pk = value.partition(":")
        if kind == "shop":
            return {"merchant": Merchant.objects.get(pk=pk), "group": None}
        return {"merchant": None, "group": MerchantGroup.objects.get(pk=pk)}


class AccessGrantForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Access.Role.choices)

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["point"] = AccessPointField(actor=actor)


class UserCreateForm(AccessGrantForm):
    username = forms.RegexField(
        label=_("Username"),
        max_length=150,
        regex=r"^[\w.@+-]+\Z",
        error_messages={"invalid": _("Letters, digits and @/./+/-/_ only.")},
    )
    email = forms.EmailField(label=_("E-mail address"))
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    field_order = ["username", "email", "first_name", "last_name", "role", "point"]

    def clean_username(self):
        username = self.cleaned_data["username"]
        if User.objects.filter(username__iexact=username).exists():
            raise forms.ValidationError(_("This username is taken."))
        return username

    def clean_email(self):
        email = self.cleaned_data["email"]
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(_("An account already uses this e-mail address."))
        return email


class ProfileForm(forms.Form):
    language = forms.ChoiceField(
        label=_("Language"),
        choices=[("", _("As my browser says")), *settings.LANGUAGES],
        required=False,
    )


class SecretKeyForm(forms.Form):
    """The key a payment server gave a shop, never shown back (a password input)."""

    secret = forms.CharField(
        label=_("Secret key"), widget=forms.PasswordInput(render_value=False), max_length=200
    )
    version = forms.IntegerField(label=_("Key version"), min_value=1, max_value=999)


class AutomaticResponseUrlForm(forms.Form):
    automatic_response_url = forms.URLField(
        label=_("Automatic response URL"),
        required=False,
        max_length=511,
        assume_scheme="https",
        help_text=_("Each new transaction is posted there, sealed with the shop's secret key."),
    )


class JournalEmailForm(forms.Form):
    journal_email = forms.EmailField(label=_("Journal e-mail address"), required=False)


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Token name"),
        max_length=64,
        help_text=_("What the token is for, e.g. the program that uses it."),
    )
