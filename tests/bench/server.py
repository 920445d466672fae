"""`foyer serve` as a subprocess on a free loopback port, stopped however the run ends."""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

import httpx

from tests.bench.database import foyer_command

HOST = "127.0.0.1"
START_TIMEOUT = 60.0


def wait_until_answering(
    name: str,
    process: subprocess.Popen[bytes],
    ask: Callable[[], httpx.Response],
    log_tail: Callable[[], str],
) -> None:
    """Until `ask` gets a 200 from the server `process` runs; refused when it exits or does
    not answer within START_TIMEOUT, with the end of its log."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited:\n{log_tail()}")
        try:
            if ask().status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{name} did not answer in {START_TIMEOUT:.0f} s:\n{log_tail()}")


STOP_TIMEOUT = 15.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


class FoyerServer:
    """The API server; its output goes to `log_path` so a busy pipe never stalls it."""

    def __init__(self, env: dict[str, str], log_path: Path, workers: int = 1) -> None:
        """`workers` > 1: that many API processes, and a `foyer relay` beside them, as in
        production; `env` must then name RabbitMQ (FOYER_BROKER_URL)."""
        self.port = free_port()
        self.base_url = f"http://{HOST}:{self.port}"
        self._env = env
        self._log_path = log_path
        self._workers = workers
        self._process: subprocess.Popen[bytes] | None = None
        self._relay: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int:
        """The API process's (for its memory)."""
        assert self._process is not None
        return self._process.pid

    def __enter__(self) -> FoyerServer:
        serve = ("serve", "--host", HOST, "--port", str(self.port), "--workers", str(self._workers))
        with self._log_path.open("wb") as log:
            self._process = subprocess.Popen(
                foyer_command(*serve), env=self._env, stdout=log, stderr=subprocess.STDOUT
            )
            if self._workers > 1:
                self._relay = subprocess.Popen(
                    foyer_command("relay"), env=self._env, stdout=log, stderr=subprocess.STDOUT
                )
        try:
            self._wait_until_healthy()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def _wait_until_healthy(self) -> None:
        assert self._process is not None
        wait_until_answering(
            "foyer serve",
            self._process,
            lambda: httpx.get(f"{self.base_url}/healthz", timeout=1.0),
            self.log_tail,
        )

    def stop(self) -> None:
        for process in (self._process, self._relay):
            if process is None or process.poll() is not None:
                continue
            process.terminate()
            try:
                process.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self._process = self._relay = None

    def log_tail(self, lines: int = 30) -> str:
        return "\n".join(self._log_path.read_text(errors="replace").splitlines()[-lines:])
