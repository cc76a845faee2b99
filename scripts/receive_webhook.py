"""A webhook receiver for trying the API by hand (README, "The API's first hour"): answers 200 to every POST
and saves the last one's raw body as body.json and its X-Aftersale-Signature header as signature.txt.

    python3 scripts/receive_webhook.py 9000
"""

from __future__ import annotations

import sys
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path


class SaveDelivery(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        Path("body.json").write_bytes(body)
        Path("signature.txt").write_text(self.headers.get("X-Aftersale-Signature", ""))
        print(
            f"{self.headers.get('X-Aftersale-Event')} delivery {self.headers.get('X-Aftersale-Delivery')}", flush=True
        )
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


if __name__ == "__main__":
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 9000
    HTTPServer(("127.0.0.1", port), SaveDelivery).serve_forever()
