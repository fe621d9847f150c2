"""The path of a fresh machine: embedded PostgreSQL and Redis started from pip packages, the schema
migrated, a small demo seeded, the platform served, /healthz answering 200."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
import requests

from app import embedded

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def var_dir():
    # Not pytest's tmp_path: the embedded server runs as its own system user when we are root,
    # and needs to reach its data folder.
    path = Path(tempfile.mkdtemp(prefix="baoyun-smoke-"))
    path.chmod(0o755)
    yield path
    embedded.stop_all(path)
    shutil.rmtree(path, ignore_errors=True)


def test_fresh_machine_path(var_dir):
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "FIELD_ENCRYPTION_KEY", "FIELD_HASH_KEY")}
    env["VAR_DIR"] = str(var_dir)
    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]

    def run(*args):
        done = subprocess.run(flask + list(args), cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    run("db", "upgrade")
    run("demo", "seed", "--policies", "300", "--seed", "7")
    assert "演示数据已存在" in run("demo", "seed", "--if-empty", "--policies", "300")
    credentials = (var_dir / "demo-credentials.txt").read_text()
    password = next(line for line in credentials.splitlines() if line.startswith("密码"))[3:].strip()

    port = _free_port()
    server = subprocess.Popen(flask + ["demo", "serve", "--port", str(port), "--web-workers", "1"],
                              cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                health = requests.get(f"{base}/healthz", timeout=10)
                break
            except (requests.ConnectionError, requests.Timeout):  # still booting
                assert server.poll() is None, server.stdout.read()
                assert time.monotonic() < deadline, "the demo server did not come up in 60 s"
                time.sleep(0.3)
        assert health.status_code == 200
        assert health.json()["checks"] == {"database": "ok", "redis": "ok"}
        spec = requests.get(f"{base}/api/openapi.json", timeout=5).json()
        assert "/api/staff/customers" in spec["paths"]

        session = requests.Session()
        page = session.get(f"{base}/admin/login", timeout=5)
        assert page.status_code == 200
        csrf = page.text.split('name="csrf_token" value="')[1].split('"')[0]
        resp = session.post(f"{base}/admin/login", data={"username": "admin", "password": password,
                                                         "csrf_token": csrf}, timeout=10)
        assert resp.status_code == 200
        assert "退出" in resp.text  # logged in: the navigation offers logout
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
