import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from .models import Journal


class JournalTable(tables.Table):
    merchant = tables.Column(accessor="merchant__merchant_id", verbose_name=_("Shop"))
    kind = tables.Column(verbose_name=_("Journal"))
    journal_date = tables.DateColumn(verbose_name=_("Date"), format="Y-m-d")
    sequence = tables.TemplateColumn(
        "{{ value|stringformat:'06d' }}", verbose_name=_("Sequence number")
    )
    record_count = tables.Column(verbose_name=_("Records"))
    state = tables.Column(verbose_name=_("State"))
    download = tables.TemplateColumn(
        '<a href="{% url \'journals:download\' record.pk %}" data-testid="download">'
        "{{ record.filename }}</a>",
        verbose_name=_("File"),
        orderable=False,
    )

    class Meta:
        model = Journal
        fields = ["merchant", "kind", "journal_date", "sequence", "record_count", "state"]
        orderable = False
        attrs = {"class": "table", "data-testid": "journals"}
        empty_text = _(
            "No journal yet: each shop's journals are built every morning for the day before."
        )
