from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .models import Journal
from .services import journal_send


@admin.register(Journal)
class JournalAdmin(admin.ModelAdmin):
    """Bank staff: every journal's delivery state, and a resend on demand."""

    list_display = [
        "merchant",
        "kind",
        "journal_date",
        "sequence",
        "record_count",
        "state",
        "attempts",
        "sent_at",
        "next_attempt_at",
        "delivery_uncertain",
        "last_error",
    ]
    list_filter = ["state", "delivery_uncertain", "kind", "journal_date"]
    search_fields = ["merchant__merchant_id", "filename"]
    list_select_related = ["merchant"]
    ordering = ["-journal_date", "-id"]
    actions = ["resend"]
    exclude = ["content"]
    readonly_fields = [f.name for f in Journal._meta.fields if f.name not in ("id", "content")]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Resend the selected journals by e-mail"), permissions=["view"])
    def resend(self, request, queryset):
        states = [
            journal_send(journal_pk=pk, resend=True) for pk in queryset.values_list("pk", flat=True)
        ]
        sent = states.count("SENT")
        self.message_user(
            request,
            ngettext("%(count)d journal sent.", "%(count)d journals sent.", sent) % {"count": sent},
            messages.SUCCESS if sent == len(states) else messages.WARNING,
        )
        if sent != len(states):
            self.message_user(
                request,
                _("Some journals could not be sent: see their last error."),
                messages.ERROR,
            )
