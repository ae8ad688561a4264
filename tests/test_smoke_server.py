"""The server starts as users start it and answers its health check."""

import requests


def test_healthz_reports_the_graph(server):
    response = requests.get(server.url + "/healthz", timeout=10)
    assert response.status_code == 200
    status = response.json()
    assert status["status"] == "ok"
    assert status["triples"] > 0
