"""`make demo`: localstripe and the marketplace on loopback, with every URL and login printed."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

from werkzeug.serving import run_simple

from storefront import create_app
from storefront.demo.data import DEMO_PASSWORD, demo_logins

APP_PORT = 5000
STRIPE_PORT = 8420


def _wait_for_port(port: int, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise SystemExit(f"storefront: localstripe did not start on 127.0.0.1:{port}")


def main() -> None:
    app = create_app()
    store = Path(app.instance_path) / "localstripe.pickle"
    stripe = subprocess.Popen(  # noqa: S603 - our own module, fixed arguments
        [
            sys.executable,
            "-m",
            "storefront.devtools.localstripe_server",
            "--port",
            str(STRIPE_PORT),
            "--store",
            str(store),
        ]
    )
    try:
        _wait_for_port(STRIPE_PORT)
        domain = app.config["MARKETPLACE_DOMAIN"]
        print(
            f"\nStorefront marketplace is running (localstripe on http://127.0.0.1:{STRIPE_PORT})."
        )
        print(f"\n  Marketplace:  http://{domain}:{APP_PORT}/")
        print(f"  Operator:     http://{domain}:{APP_PORT}/operator/")
        print(f"  Acme (USD, open):           http://acme.{domain}:{APP_PORT}/")
        print(f"  Sakura (JPY, open):         http://sakura.{domain}:{APP_PORT}/")
        print(f"  Berliner (EUR, not open):   http://berlin.{domain}:{APP_PORT}/")
        print(f"\n  Logins (password for all: {DEMO_PASSWORD}):")
        for email, role, where in demo_logins(domain, APP_PORT):
            print(f"    {email:<20} {role:<40} {where}")
        print("\n  Stop with Ctrl-C.\n", flush=True)
        run_simple("127.0.0.1", APP_PORT, app, threaded=True, use_reloader=False)
    finally:
        stripe.terminate()
        stripe.wait(timeout=10)


if __name__ == "__main__":
    main()
