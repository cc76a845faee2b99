"""The README's "API's first hour", as a new integrator follows it: the two admin steps, then its commands as
they are written (with this run's server, key and a free port), against a live server and a real worker."""

import os
import re
import signal
import socket
import subprocess
import sys
import time

import pytest

from integrations.models import ApiKey, WebhookDelivery
from orders.models import Fulfillment, Order
from tests.conftest import ROOT
from tests.integrations.snippets import snippet

BASH = "/bin/bash"  # the snippets are bash, as a reader's shell runs them
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("catalog")]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def as_written(block: str, *, port: int, base: str, key: str) -> str:
    """The README's commands with this run's values where a reader puts theirs."""
    return (
        block.replace("http://127.0.0.1:8000", base)
        .replace("ak_…", key)
        .replace("9000", str(port))
        .replace("python3 scripts/", f"{sys.executable} {ROOT}/scripts/")
        .replace("python3 -c", f"{sys.executable} -c")
    )


def test_the_readme_walks_from_a_key_to_a_verified_webhook(live_server, staff_client, run_worker, tmp_path):
    port = free_port()
    # 1. The key, made in admin: shown once, in the page's message.
    page = staff_client.post(
        "/admin/integrations/apikey/add/",
        {
            "name": "Warehouse",
            "scopes": "orders:write,fulfillments:write",
            "requests_per_minute": 120,
            "is_active": "on",
        },
        follow=True,
    ).content.decode()
    key = re.search(r"(ak_[0-9a-f]{8}_[A-Za-z0-9_-]+)", page)[1]
    assert ApiKey.objects.get().scopes == ["orders:write", "fulfillments:write"]
    # 2. The endpoint, made in admin.
    staff_client.post(
        "/admin/integrations/webhookendpoint/add/",
        {"url": f"http://127.0.0.1:{port}/", "secret": "whsec_demo", "events": "order.created", "is_active": "on"},
    )
    # 3. The receiver, the order and the shipment: the README's block.
    order_block = as_written(snippet("README.md", "first-hour: order"), port=port, base=live_server.url, key=key)
    with open(tmp_path / "out.txt", "w") as out:
        shell = subprocess.Popen(
            [BASH, "-c", "set -euo pipefail\n" + order_block],
            cwd=tmp_path,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its background receiver is ours to stop
        )
        try:
            assert shell.wait(timeout=60) == 0, (tmp_path / "out.txt").read_text()
            order = Order.objects.get(external_id="first-hour-1")
            assert Fulfillment.objects.get(order=order).tracking_number == "3SFIRST1"
            # 4. The worker posts order.created to the receiver; the README's check says it is genuine.
            run_worker()
            assert WebhookDelivery.objects.get().status == "succeeded"
            verify_block = as_written(snippet("README.md", "first-hour: verify"), port=port, base="", key="")
            env = {**os.environ, "SECRET": "whsec_demo"}
            checked = subprocess.run([BASH, "-c", verify_block], cwd=tmp_path, env=env, capture_output=True, text=True)
            assert checked.stdout.strip() == "valid", checked.stderr
            assert f'"number":{order.number}' in (tmp_path / "body.json").read_text()
        finally:
            os.killpg(shell.pid, signal.SIGTERM)
            time.sleep(0.1)
