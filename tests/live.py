"""A real Penholder server in a child process, on a free loopback port: what the browser, the crash and the
scale-out tests talk to. It runs `python wsgi.py` exactly as a newcomer would."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class LiveServer:
    """`python wsgi.py` with its own environment; start, stop, kill -9 and start again on the same port."""

    def __init__(self, database_url: str, *, demo: bool = True, port: int | None = None, **env: str):
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.demo = demo
        self.env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "AUTO_MIGRATE": "1",
            "SECRET_KEY": "live-server-test-key",
            "HOST": "127.0.0.1",
            "PORT": str(self.port),
            "PYTHONUNBUFFERED": "1",
            **env,
        }
        self.process: subprocess.Popen | None = None
        self.log = b""

    def start(self, timeout: float = 30.0) -> LiveServer:
        argv = [sys.executable, str(PROJECT / "wsgi.py")] + (["--demo"] if self.demo else [])
        self.process = subprocess.Popen(
            argv, cwd=PROJECT, env=self.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.log = self.process.stdout.read()
                raise RuntimeError(f"server exited with {self.process.returncode}:\n{self.log.decode()}")
            try:
                with urllib.request.urlopen(f"{self.url}/login", timeout=1) as response:  # noqa: S310 (http only)
                    if response.status == 200:
                        return self
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"server did not answer on {self.url} within {timeout} s")

    def kill(self) -> None:
        """SIGKILL: no shutdown handler runs, as when the machine loses power."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)
        self._drain()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        self._drain()

    def _drain(self) -> None:
        if self.process and self.process.stdout:
            self.log += self.process.stdout.read() or b""
            self.process.stdout.close()

    def __enter__(self) -> LiveServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
