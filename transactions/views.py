import datetime as dt

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone

from merchants.selectors import merchants_visible_to

from .selectors import merchants_day_summary


@login_required
def home(request):
    """Per shop in the user's scope: yesterday's (Paris) count, amount and acceptance rate."""
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    summaries = merchants_day_summary(
        merchants=merchants_visible_to(user=request.user), day=yesterday
    )
    return render(request, "transactions/home.html", {"summaries": summaries, "day": yesterday})
