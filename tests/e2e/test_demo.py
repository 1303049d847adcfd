"""`orderline demo` as a user runs it: orders from all three platforms within a minute,
a scorecard whose trend spans the simulated weeks, the hints where to open it, and
Ctrl-C stops everything it started."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import httpx
import pytest

from tests.e2e.server_process import descendants, free_port, orderline_command, wait_gone

STORES = ("demo-shopify", "demo-woo", "demo-bigcommerce")


def _orders_per_store(base: str, token: str) -> dict[str, int]:
    counts = {}
    for store in STORES:
        request = urllib.request.Request(
            f"{base}/api/v1/orders?store={store}&limit=500", headers={"Authorization": f"Bearer {token}"}
        )
        with urllib.request.urlopen(request, timeout=5) as response:
            counts[store] = len(json.loads(response.read())["items"])
    return counts


def _console_queue_after_login(base: str, user: str, password: str) -> bool:
    """Log into the web console with the printed user, as a browser would; True when the
    exception queue answers inside the session."""
    with httpx.Client(base_url=base, timeout=10) as client:
        form = client.get("/console/login")
        token = re.search(r'name="login_token" value="([^"]+)"', form.text)
        assert form.status_code == 200 and token is not None, form.text
        fields = {"login_token": token.group(1), "next": "/console/", "username": user, "password": password}
        answer = client.post("/console/login", data=fields)
        assert answer.status_code in (302, 303), answer.text
        queue = client.get("/console/exceptions")
        return queue.status_code == 200 and user in queue.text


def _weeks_with_orders(base: str, token: str, deadline: float) -> int:
    """How many weeks of the last week's scorecard trend have orders (an exception rate),
    once the history is processed (or the deadline has passed)."""
    weeks = 0
    while weeks < 4 and time.monotonic() < deadline:
        request = urllib.request.Request(
            f"{base}/api/v1/scorecard", headers={"Authorization": f"Bearer {token}"}
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            trend = json.loads(response.read())["trend"]
        weeks = sum(point["values"]["exception_rate_pct"] is not None for point in trend)
        time.sleep(1)
    return weeks


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="checks child processes in /proc")
def test_demo_shows_all_three_platforms_within_a_minute_and_ctrl_c_stops_it(tmp_path: Path) -> None:
    port = free_port()
    log = tmp_path / "demo.log"
    with log.open("wb") as output:
        demo = subprocess.Popen(
            [*orderline_command(), "demo", "--port", str(port), "--orders", "30"],
            cwd=tmp_path,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        counts: dict[str, int] = {}
        token = None
        while time.monotonic() < deadline:
            time.sleep(1)
            found = re.search(r"olt_[A-Za-z0-9_-]+", log.read_text())
            if found:
                token = found.group(0)
                counts = _orders_per_store(f"http://127.0.0.1:{port}", token)
                if all(counts.values()):
                    break
        assert token is not None, log.read_text()
        assert all(counts.values()), counts
        mail = tmp_path / ".demo" / "mail"
        while time.monotonic() < deadline and not list(mail.glob("*.eml")):
            time.sleep(1)
        assert list(mail.glob("*.eml")), "no customer message was written within a minute"
        printed = log.read_text()
        assert (
            f"Scorecard: curl -H 'Authorization: Bearer {token}' 'http://127.0.0.1:{port}/api/v1/scorecard'"
            in printed
        )
        assert (
            "Scorecard report: orderline scorecard --config .demo/orderline.yaml --format html "
            "--output scorecard.html  (then open scorecard.html in a browser)"
        ) in printed
        assert "Rollout checklist: orderline rollout --config .demo/orderline.yaml" in printed
        login = re.search(r"Console:  (\S+)  user (\S+), password (\S+) \(operations\)", printed)
        assert login is not None, printed
        assert login.group(1) == f"http://127.0.0.1:{port}/console/"
        assert _console_queue_after_login(f"http://127.0.0.1:{port}", login.group(2), login.group(3))
        imported = re.search(r"imported (\d+) support tickets", printed)
        assert imported is not None and int(imported.group(1)) > 0, printed
        weeks = _weeks_with_orders(f"http://127.0.0.1:{port}", token, time.monotonic() + 60)
        assert weeks >= 4, f"the scorecard's trend has orders in {weeks} weeks"
        children = descendants(demo.pid)

        demo.send_signal(signal.SIGINT)

        assert demo.wait(20) == 0, log.read_text()
        assert wait_gone(children, 10) == []
        assert "demo stopped" in log.read_text()
    finally:
        if demo.poll() is None:
            demo.kill()
