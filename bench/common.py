"""Shared parts of the benchmarks: databases, servers started and always stopped, wrk runs and
tables. Each script seeds its own data on SQLite or, when DATABASE_URL points at PostgreSQL, on
a fresh database created next to it and dropped afterwards."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
SECONDS = float(os.environ.get("BENCH_SECONDS", "5"))
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def say(*parts: Any) -> None:
    print(*parts, flush=True)


def machine() -> str:
    cpu = "?"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    load = " ".join(f"{value:.2f}" for value in os.getloadavg())
    return (
        f"{os.cpu_count()} cores ({cpu}), Python {sys.version.split()[0]}, load {load}, "
        f"reference loop {reference_loop_ms():.0f} ms"
    )


def reference_loop_ms() -> float:
    """The time of a fixed pure-Python loop (3,000,000 additions), best of three: how fast
    this (virtual) machine runs at the moment, to compare figures of different runs by."""
    times = []
    for _ in range(3):
        began = time.perf_counter()
        total = 0
        for number in range(3_000_000):
            total += number
        times.append(time.perf_counter() - began)
    return min(times) * 1000


def cpu_ticks() -> tuple[int, int]:
    """The machine's CPU time so far, busy and in all, in ticks (/proc/stat): the share of
    the cores a run kept busy is the busy ticks over all ticks between two readings."""
    fields = [int(part) for part in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    idle = fields[3] + fields[4]  # idle and waiting for I/O (guest time is in user already)
    return sum(fields) - idle, sum(fields)


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    say("installing wrk (apt-get install -y wrk) ...")
    if subprocess.run(["apt-get", "install", "-y", "wrk"], capture_output=True).returncode:
        subprocess.run(["apt-get", "update"], capture_output=True)
        subprocess.run(["apt-get", "install", "-y", "wrk"], check=True, capture_output=True)
    found = shutil.which("wrk")
    if not found:
        raise SystemExit("wrk is needed: apt-get install -y wrk")
    return found


def postgres_url() -> str | None:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        return None
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            url = "postgresql+psycopg://" + url[len(prefix) :]
    return url


@contextlib.contextmanager
def database(label: str, postgres: bool | None = None) -> Iterator[str]:
    """A fresh, empty database for the block (PostgreSQL when DATABASE_URL says so)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    base = postgres_url()
    if postgres and base is None:
        base = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    if base is None or postgres is False:
        folder = tempfile.mkdtemp(prefix=f"bench-{label}-", dir=os.environ.get("TMPDIR"))
        try:
            yield f"sqlite:///{folder}/bench.sqlite"
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        return
    url = make_url(base)
    name = f"bench_{label}_{os.getpid()}"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def bench_app(url: str, **settings: Any) -> Any:
    """The real app on `url`, migrated."""
    import io

    from flask_migrate import upgrade

    from storefront import create_app

    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "RATELIMIT_ENABLED": False}
        | settings
    )
    log = io.StringIO()
    with app.app_context(), contextlib.redirect_stderr(log):  # alembic's INFO lines
        try:
            upgrade(revision="heads")
        except BaseException:
            sys.stderr.write(log.getvalue())
            raise
    return app


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class Servers:
    """Processes started by a benchmark, each in its own process group, all stopped at exit."""

    def __init__(self) -> None:
        self.processes: list[subprocess.Popen[bytes]] = []
        self.folder = Path(tempfile.mkdtemp(prefix="bench-servers-", dir=os.environ.get("TMPDIR")))

    def __enter__(self) -> Servers:
        return self

    def __exit__(self, exc_type: object, *_exc: object) -> None:
        if exc_type is not None:  # show what the servers said before their logs go
            for log in sorted(self.folder.glob("*.log")):
                say(f"--- {log.name} (last lines) ---")
                say(log.read_text(errors="replace")[-2500:])
        self.stop_all()

    def stop_all(self) -> None:
        for process in self.processes:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 15
        for process in self.processes:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        self.processes.clear()
        self._forget_cache_keys()
        shutil.rmtree(self.folder, ignore_errors=True)

    def _forget_cache_keys(self) -> None:
        """Drop the storefront cache versions the servers kept in Redis under their prefix."""
        from redis import Redis

        prefix = f"bench:{os.getpid()}:"
        with contextlib.suppress(Exception):
            client = Redis.from_url(REDIS_URL)
            keys = list(client.scan_iter(f"{prefix}*"))
            if keys:
                client.delete(*keys)

    def run(self, command: Sequence[str], env: dict[str, str], name: str) -> Any:
        """Start a process in its own group (stopped at the end if it is still running)."""
        with (self.folder / f"{name}.log").open("wb") as log:
            process = subprocess.Popen(
                list(command),
                cwd=ROOT,
                env=os.environ | env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.processes.append(process)
        return process

    def start(self, command: Sequence[str], port: int, env: dict[str, str], name: str) -> int:
        """Start a server and wait until it accepts connections on `port`."""
        process = self.run(command, env, name)
        deadline = time.monotonic() + 60
        while True:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    return port
            if process.poll() is not None or time.monotonic() > deadline:
                text = (self.folder / f"{name}.log").read_text(errors="replace")[-3000:]
                raise SystemExit(f"{name} did not start:\n{text}")
            time.sleep(0.1)

    def gunicorn(self, app: str, env: dict[str, str], name: str, workers: int = 2) -> int:
        """`app` under gunicorn with the repository's gunicorn.conf.py (sync workers)."""
        port = free_port()
        command = [
            PYTHON,
            "-m",
            "gunicorn",
            "-c",
            str(ROOT / "gunicorn.conf.py"),
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            app,
        ]
        return self.start(command, port, env, name)

    def storefront(self, database_url: str, name: str, **settings: str) -> int:
        """The real app (wsgi:app) on that database, with Redis, as it runs at scale."""
        instance = self.folder / f"{name}-instance"
        instance.mkdir()
        prefix = f"bench:{os.getpid()}:{name}:"
        (instance / "config.py").write_text(
            f"CACHE_KEY_PREFIX = {prefix!r}\nRATELIMIT_STORAGE_URI = {REDIS_URL!r}\n"
            + "".join(f"{key} = {value!r}\n" for key, value in settings.items())
        )
        env = {
            "DATABASE_URL": database_url,
            "REDIS_URL": REDIS_URL,
            "SECRET_KEY": "bench",
            "STOREFRONT_INSTANCE_PATH": str(instance),
            "STOREFRONT_ENV": "development",
        }
        return self.gunicorn("wsgi:app", env, name)


@dataclass
class Load:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s)", text.strip())
    if not match:
        raise ValueError(text)
    return float(match.group(1)) * _UNITS[match.group(2)]


def wrk(
    port: int,
    path: str,
    host: str,
    connections: int,
    seconds: float = SECONDS,
    script: str | None = None,
) -> Load:
    """wrk with 2 threads; `script` (Lua) may pick the Host of each request itself."""
    command = [
        ensure_wrk(),
        f"-t{min(2, connections)}",
        f"-c{connections}",
        f"-d{seconds:g}s",
        "--latency",
        f"http://127.0.0.1:{port}{path}",
    ]
    command += ["-s", script] if script else ["-H", f"Host: {host}"]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"\s50%\s+(\S+)", output).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"\s99%\s+(\S+)", output).group(1))  # type: ignore[union-attr]
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    socket_errors = re.search(r"Socket errors: (.*)", output)
    count = int(errors.group(1)) if errors else 0
    if socket_errors:
        count += sum(int(n) for n in re.findall(r"\d+", socket_errors.group(1)))
    return Load(rate, p50, p99, count)


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    cells = [[str(cell) for cell in row] for row in rows]
    widths = [max(len(str(h)), *(len(row[i]) for row in cells)) for i, h in enumerate(headers)]
    line = "  ".join(f"{h:>{w}}" for h, w in zip(headers, widths, strict=True))
    out = [line, "  ".join("-" * w for w in widths)]
    out += ["  ".join(f"{c:>{w}}" for c, w in zip(row, widths, strict=True)) for row in cells]
    return "\n".join(out)


def fetch(port: int, path: str, host: str) -> tuple[int, str]:
    import urllib.error
    import urllib.request

    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers={"Host": host})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.read().decode()


def normalised(html: str) -> str:
    """A page without what differs on every response (CSP nonce, CSRF token)."""
    html = re.sub(r'nonce="[^"]*"', 'nonce=""', html)
    return re.sub(r'name="csrf_token" value="[^"]*"', 'name="csrf_token" value=""', html)
