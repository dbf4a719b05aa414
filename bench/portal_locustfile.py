"""Locust users of ``bench/portal.py``: analysts mixing catalog pages, charts and aggregate queries."""
from __future__ import annotations

import json
import os
import random
import re

from locust import HttpUser, between, task

ACCOUNT = json.loads(open(os.environ["PORTAL_BENCH_ACCOUNT"], encoding="utf-8").read())
DATASET = ACCOUNT["dataset"]
QUERIES = ACCOUNT["queries"]  # typical aggregate queries over the published tables (bench/portal.py)


class Analyst(HttpUser):
    wait_time = between(0.5, 1.5)

    def on_start(self) -> None:
        page = self.client.get("/signin", name="signin form")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        self.client.post("/signin", data={"username": ACCOUNT["username"], "password": ACCOUNT["password"],
                                          "csrf_token": token}, name="signin")
        self.csrf = re.search(r'name="csrf_token" value="([^"]+)"', self.client.get("/account", name="page").text).group(1)
        self.client.post("/purpose", data={"purpose": ACCOUNT["purpose"], "csrf_token": self.csrf}, name="purpose")

    @task(4)
    def pages(self) -> None:
        self.client.get(random.choice(["/catalog", f"/datasets/{DATASET}"]), name="page")

    @task(2)
    def chart(self) -> None:
        self.client.get(f"/datasets/{DATASET}/chart/{random.choice(['month', 'province', 'chapter'])}.png", name="chart")

    @task(3)
    def query(self) -> None:
        self.client.post("/query", data={"sql": random.choice(QUERIES), "format": "html", "csrf_token": self.csrf},
                         name="query")
