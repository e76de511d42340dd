from django.conf import settings

from gestion.celery import app


def test_every_beat_entry_names_a_registered_task():
    app.loader.import_default_modules()
    registered = set(app.tasks)

    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}

    assert scheduled <= registered, scheduled - registered
    assert "transactions.tasks.transactions_exports_purge" in scheduled
