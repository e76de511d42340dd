"""The clients of bench/load.py (locust): one mix of what merchants do, with no think time.

Read by locust in its own process (it patches the standard library with gevent), so it knows
nothing of Django: bench/load.py writes what the clients need (session cookie, API token, the
keys of existing transactions, the search criteria) to the JSON file named by
GESTION_LOAD_PLAN.
"""

import json
import os
import random

from locust import constant, task
from locust.contrib.fasthttp import FastHttpUser

with open(os.environ["GESTION_LOAD_PLAN"], encoding="utf-8") as plan_file:
    PLAN = json.load(plan_file)


class Merchant(FastHttpUser):
    """A merchant's office: the web pages on its session, the API with its operator's token."""

    wait_time = constant(0)

    def on_start(self):
        self.web = {"Cookie": PLAN["cookie"]}
        self.api = {"Authorization": f"Token {PLAN['token']}", "Accept": "application/json"}
        self.rng = random.Random()

    def _row(self):
        return self.rng.choice(PLAN["rows"])

    @task(3)
    def search_by_number(self):
        r = self._row()
        self.client.get(
            f"/transactions/find/?transaction_id={int(r['transaction_id'])}"
            f"&payment_date={r['payment_date']}",
            headers=self.web,
            name="web: search by number",
            allow_redirects=False,
        )

    @task(2)
    def search_by_criteria(self):
        self.client.get(
            self.rng.choice(PLAN["criteria"]), headers=self.web, name="web: search by criteria"
        )

    @task(3)
    def detail(self):
        r = self._row()
        self.client.get(
            f"/transactions/{r['merchant_id']}/{r['payment_date']}/{r['transaction_id']}/",
            headers=self.web,
            name="web: transaction detail",
        )

    @task(2)
    def api_list(self):
        self.client.get(self.rng.choice(PLAN["api_lists"]), headers=self.api, name="API: list")

    @task(2)
    def api_detail(self):
        r = self._row()
        self.client.get(
            f"/api/v1/transactions/{r['merchant_id']}/{r['payment_date']}/{r['transaction_id']}/",
            headers=self.api,
            name="API: transaction detail",
        )

    @task(1)
    def partial_refund(self):
        r = self.rng.choice(PLAN["refundable"])
        self.client.post(
            f"/api/v1/transactions/{r['merchant_id']}/{r['payment_date']}/"
            f"{r['transaction_id']}/refund/",
            json={"amount": PLAN["refund_amount"]},
            headers=self.api,
            name="API: partial refund",
        )

    @task(1)
    def export(self):
        self.client.get(PLAN["export"], headers=self.web, name="web: CSV export (one day)")
