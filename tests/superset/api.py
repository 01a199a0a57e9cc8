"""A small Superset REST client used by the tests and bench/dashboards.py."""

from __future__ import annotations

import json
from typing import Any

import requests


class SupersetClient:
    """Logged-in session (JWT for reads, session cookie + CSRF token for writes)."""

    def __init__(self, url: str, username: str, password: str) -> None:
        self.url = url
        self.session = requests.Session()
        response = self.session.post(
            f"{url}/api/v1/security/login",
            json={"username": username, "password": password, "provider": "db", "refresh": False},
            timeout=30,
        )
        response.raise_for_status()
        self.session.headers["Authorization"] = f"Bearer {response.json()['access_token']}"
        csrf = self.session.get(f"{url}/api/v1/security/csrf_token/", timeout=30).json()
        self.session.headers.update({"X-CSRFToken": csrf["result"], "Referer": url})
        # Legacy endpoints (deck.gl data) authenticate by the web session, not the JWT.
        form = {"username": username, "password": password, "csrf_token": csrf["result"]}
        self.session.post(f"{url}/login/", data=form, timeout=30).raise_for_status()

    def get(self, path: str, **params: Any) -> requests.Response:
        return self.session.get(f"{self.url}{path}", params=params, timeout=120)

    def post(self, path: str, payload: dict[str, Any]) -> requests.Response:
        return self.session.post(f"{self.url}{path}", json=payload, timeout=120)

    def list_all(self, resource: str) -> list[dict[str, Any]]:
        query = json.dumps({"page_size": 100})
        response = self.get(f"/api/v1/{resource}/", q=query)
        response.raise_for_status()
        return response.json()["result"]

    def chart_data(self, chart: dict[str, Any], force: bool = True) -> list[dict[str, Any]]:
        """Rows of one chart, through the endpoint its viz type uses in the browser."""
        if chart["viz_type"].startswith("deck_"):
            # deck.gl charts still go through the legacy endpoint (no saved query context).
            form_data = json.dumps({"slice_id": chart["id"]})
            response = self.session.post(
                f"{self.url}/superset/explore_json/",
                params={"force": str(force).lower()},
                data={"form_data": form_data},
                timeout=120,
            )
            response.raise_for_status()
            payload = response.json()
            features = payload.get("data", {}).get("features", [])
            return features
        response = self.get(f"/api/v1/chart/{chart['id']}/data/", force=str(force).lower())
        response.raise_for_status()
        return response.json()["result"][0]["data"]

    def sql(self, database_id: int, sql: str) -> requests.Response:
        return self.post(
            "/api/v1/sqllab/execute/",
            {"database_id": database_id, "sql": sql, "schema": "marts", "runAsync": False},
        )
