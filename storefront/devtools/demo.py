"""`make demo`: localstripe and the marketplace on loopback, with every URL and login printed."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

from werkzeug.serving import run_simple

from storefront import create_app
from storefront.demo.data import DEMO_PASSWORD, DEMO_TOTP_SECRET, demo_logins

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


def _register_webhook(stripe_port: int, app_url: str, secret: str) -> None:
    """localstripe keeps webhook registrations in memory: register ours at every start."""
    body = urllib.parse.urlencode({"url": f"{app_url}/stripe/webhook", "secret": secret}).encode()
    request = urllib.request.Request(
        f"http://127.0.0.1:{stripe_port}/_config/webhooks/storefront", data=body, method="POST"
    )
    with urllib.request.urlopen(request, timeout=10):  # noqa: S310
        pass


def main() -> None:
    app = create_app()
    app.config["PUBLIC_PORT"] = APP_PORT  # links in e-mails point at this demo server
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
        _register_webhook(
            STRIPE_PORT, f"http://{domain}:{APP_PORT}", app.config["STRIPE_WEBHOOK_SECRET"]
        )
        print(
            f"\nStorefront marketplace is running (localstripe on http://127.0.0.1:{STRIPE_PORT})."
        )
        print(f"\n  Marketplace:  http://{domain}:{APP_PORT}/")
        print(f"  Operator:     http://{domain}:{APP_PORT}/operator/")
        print(f"  Acme (USD, open):           http://acme.{domain}:{APP_PORT}/")
        print(f"  Sakura (JPY, open):         http://sakura.{domain}:{APP_PORT}/")
        print(f"  Berliner (EUR, not open):   http://berlin.{domain}:{APP_PORT}/")
        print("\n  Test cards: 4242 4242 4242 4242 pays; 4000 0025 0000 3155 asks for 3-D Secure;")
        print("  4000 0000 0000 0341 is declined (any future expiry, any CVC).")
        print(f"\n  Logins (password for all: {DEMO_PASSWORD}):")
        for email, role, where in demo_logins(domain, APP_PORT):
            print(f"    {email:<20} {role:<40} {where}")
        print(
            f"\n  The platform admin signs in with a second factor: authenticator key "
            f"{DEMO_TOTP_SECRET},\n  or read the current code with "
            "`.venv/bin/flask --app storefront two-factor-code admin@platform.test`."
        )
        print("\n  Stop with Ctrl-C.\n", flush=True)
        run_simple("127.0.0.1", APP_PORT, app, threaded=True, use_reloader=False)
    finally:
        stripe.terminate()
        stripe.wait(timeout=10)


if __name__ == "__main__":
    main()
