"""A private Redis server for tests: Debian's ``redis-server`` on a free loopback port, nothing
saved to disk, stopped by its pid. Never a shared server."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.conftest import missing


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def redis_server(workdir: Path, password: str | None = None, tls: bool = False) -> Iterator[str]:
    """Start ``redis-server`` on loopback; yields its URL (with the password, when given;
    ``rediss://`` with a self-signed certificate made here, when ``tls``)."""
    binary = shutil.which("redis-server") or "/usr/bin/redis-server"
    if not os.path.exists(binary):
        missing("redis-server is not installed (apt-get install redis-server)")
    port = free_port()
    args = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
            "--daemonize", "no", "--dir", str(workdir)]  # fmt: skip
    if password:
        args += ["--requirepass", password]
    query = ""
    if tls:
        cert, key = workdir / "redis-cert.pem", workdir / "redis-key.pem"
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
             "-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1",
             "-addext", "subjectAltName=IP:127.0.0.1"],
            check=True, capture_output=True,
        )  # fmt: skip
        args[args.index("--port") + 1] = "0"
        args += ["--tls-port", str(port), "--tls-cert-file", str(cert), "--tls-key-file",
                 str(key), "--tls-ca-cert-file", str(cert), "--tls-auth-clients", "no"]  # fmt: skip
        query = f"?ssl_ca_certs={cert}"
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("redis-server did not start") from None
                time.sleep(0.05)
        auth = f":{password}@" if password else ""
        scheme = "rediss" if tls else "redis"
        yield f"{scheme}://{auth}127.0.0.1:{port}/0{query}"
    finally:
        os.kill(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.kill(process.pid, signal.SIGKILL)
            process.wait()
