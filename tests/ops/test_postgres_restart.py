"""PostgreSQL restarted mid-run: requests fail fast while it is down, and the running app
recovers by itself when it is back — no hung worker, no restart of the app.

The test starts its own PostgreSQL cluster (initdb + pg_ctl, in a temporary directory, on
a free port; as the `postgres` OS user when run as root) and its own gunicorn against
it. The shared cluster on 5432 is never touched. Skipped locally without the PostgreSQL
server binaries, a failure in CI (it needs no DATABASE_URL: it brings its own database).
"""

import glob
import json
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import require

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
FAST = 5.0  # seconds: a request while the database is down must be answered within this


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_binaries() -> Path | None:
    for candidate in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if Path(candidate, "initdb").exists() and Path(candidate, "pg_ctl").exists():
            return Path(candidate)
    found = shutil.which("initdb")
    return Path(found).parent if found and shutil.which("pg_ctl") else None


class PrivatePostgres:
    """A throwaway cluster: trust authentication, 127.0.0.1 only, fsync off."""

    def __init__(self, binaries: Path):
        self.bin = binaries
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="medlemsportal-pg-"))
        self.data = self.dir / "data"
        self.owner = None
        if os.geteuid() == 0:  # initdb refuses to run as root
            self.owner = pwd.getpwnam("postgres")
            os.chown(self.dir, self.owner.pw_uid, self.owner.pw_gid)

    def run(self, *args: str, timeout: float = 60) -> None:
        command = [str(self.bin / args[0]), *args[1:]]
        if self.owner is not None:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=timeout)  # noqa: S603

    def init(self) -> None:
        self.run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        self.run(
            "pg_ctl", "-D", str(self.data), "-l", str(self.dir / "log"), "-o", options,
            "-w", "-t", "30", "start",
        )  # fmt: skip
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.1)
        raise RuntimeError("PostgreSQL did not start")

    def stop(self) -> None:
        self.run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def restart(self) -> None:
        self.stop()
        self.start()

    def cleanup(self) -> None:
        if (self.data / "postmaster.pid").exists():
            try:
                self.run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
            except subprocess.CalledProcessError:
                pass
        shutil.rmtree(self.dir, ignore_errors=True)

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/medlemsportal"


@pytest.fixture(scope="module")
def private_postgres():
    binaries = server_binaries()
    require(binaries is not None, "PostgreSQL server binaries (initdb, pg_ctl)")
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            require(False, "a `postgres` OS user to run initdb as (running as root)")
    server = PrivatePostgres(binaries)
    try:
        server.init()
        server.start()
        yield server
    finally:
        server.cleanup()


def app_environment(database_url: str) -> dict:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DATABASE_", "REDIS_", "PYTEST", "DJANGO_"))
    }
    env.update(
        DEBUG="1",
        DATABASE_URL=database_url,
        DATABASE_CONNECT_TIMEOUT="2",
        CONN_MAX_AGE="60",
        REDIS_URL="",
        CELERY_TASK_ALWAYS_EAGER="1",
        LOG_LEVEL="WARNING",
    )
    return env


def get(url: str) -> tuple[int, dict | None, float]:
    """(status, JSON body or None, seconds) of a GET; never raises on an HTTP error."""
    started = time.monotonic()
    try:
        with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 - our own server
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, raw = error.code, error.read()
    try:
        body = json.loads(raw)
    except ValueError:
        body = None
    return status, body, time.monotonic() - started


def workers(master: int) -> set[int]:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return {int(pid) for pid in children}


@pytest.fixture(scope="module")
def app(private_postgres):
    env = app_environment(private_postgres.url)
    private_postgres.run("createdb", "-h", "127.0.0.1", "-p", str(private_postgres.port),
                         "-U", "postgres", "medlemsportal")  # fmt: skip
    subprocess.run(  # noqa: S603 - our own manage.py
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=120,
    )
    port = free_port()
    log = open(private_postgres.dir / "gunicorn.log", "w")  # noqa: SIM115
    server = subprocess.Popen(  # noqa: S603 - the venv's gunicorn
        [
            str(BIN / "gunicorn"),
            "config.wsgi:application",
            "-c",
            "config/gunicorn.conf.py",
            "--workers",
            "2",
            "--timeout",
            "20",
            "--bind",
            f"127.0.0.1:{port}",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if get(base + "/healthz")[0] == 200:
                break
        except OSError:
            time.sleep(0.2)
    else:
        server.kill()
        log_text = (private_postgres.dir / "gunicorn.log").read_text()
        pytest.fail("gunicorn did not answer: " + log_text)
    try:
        yield base, server
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


def test_requests_fail_fast_while_postgres_is_down_and_recover_without_restarting_the_app(
    private_postgres, app
):
    base, server = app
    for _ in range(4):  # both workers hold a persistent connection (CONN_MAX_AGE)
        status, body, _ = get(base + "/healthz")
        assert status == 200 and body["database"] == "ok"
    before = workers(server.pid)
    assert len(before) == 2

    private_postgres.stop()
    down = []
    for _ in range(6):
        status, body, seconds = get(base + "/healthz")
        down.append(seconds)
        assert status == 503
        assert body["database"] == "error"
        assert seconds < FAST, f"a request took {seconds:.1f} s with the database down"
        status, _, seconds = get(base + "/")  # a page that needs no database still answers
        assert status == 200 and seconds < FAST

    private_postgres.start()
    back = []
    for _ in range(6):
        status, body, seconds = get(base + "/healthz")
        back.append(seconds)
        assert status == 200, body
        assert body["database"] == "ok"
        assert seconds < FAST
    print(f"healthz: slowest {max(down):.3f} s while down, {max(back):.3f} s once back")
    assert server.poll() is None
    assert workers(server.pid) == before, "a worker hung and was replaced"


def test_a_restart_between_two_requests_breaks_no_request(private_postgres, app):
    """Persistent connections (CONN_MAX_AGE) to the old server are dead after a restart;
    the health check on reuse (CONN_HEALTH_CHECKS) reconnects instead of failing."""
    base, server = app
    for _ in range(4):
        assert get(base + "/healthz")[0] == 200
    before = workers(server.pid)

    private_postgres.restart()
    for _ in range(6):
        status, body, seconds = get(base + "/healthz")
        assert status == 200, body
        assert seconds < FAST
    assert workers(server.pid) == before
