"""Every example README.md shows its users runs as written against `foyer serve --demo`.

The blocks are read from README.md itself, so an edited example is tested as it now reads.
The server is a subprocess in a new folder on the embedded default (SQLite, the in-process
broker), as the README's tour starts it; the one thing changed in the examples is the
address, `http://127.0.0.1:8000`, for the free port the server was given.

- each ```graphql block is sent as it is with the demo key;
- the ```sh blocks that call the API run in order in one shell in the demo's folder, as a
  reader pasting them into one terminal would (a block may use what an earlier one set,
  such as `$KEY` or `$CUSTOMER`);
- the Administration block runs in another new folder, as the README promises it can;
- the rest are named in NOT_RUN with the reason, and a block that is none of these fails.

Every answer must carry no `errors`, top-level or in a payload.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.bench.server import free_port, wait_until_answering

README = Path(__file__).parents[2] / "README.md"
WRITTEN_ADDRESS = "http://127.0.0.1:8000"
PASSWORD = "a long enough password"
# Blocks not run here, by their first line, with the reason.
NOT_RUN = {
    "python3 -m venv .venv && .venv/bin/pip install -e . && .venv/bin/foyer serve --demo": (
        "the installation and start this test does itself (`foyer serve --demo`)"
    ),
    "python3 -m venv .venv && .venv/bin/pip install -q -e '.[dev]' && .venv/bin/pytest": (
        "runs this suite"
    ),
    "export FOYER_DATABASE_URL=postgresql+psycopg://foyer@db.internal/foyer": (
        "a production install on the operator's own database and broker hosts"
    ),
}
ADMINISTRATION = 'SLUG=$(foyer org create "Riverside Playhouse" --currency GBP)'
BLOCK = re.compile(r"^```(\w+)\n(.*?)^```", re.MULTILINE | re.DOTALL)


def blocks(language: str) -> list[str]:
    return [body for lang, body in BLOCK.findall(README.read_text()) if lang == language]


def first_line(block: str) -> str:
    return block.strip().splitlines()[0].strip()


def api_blocks() -> list[str]:
    return [b for b in blocks("sh") if "curl " in b]


def test_every_shell_block_of_the_readme_is_run_or_said_why_not() -> None:
    shell = blocks("sh")
    run = api_blocks() + [b for b in shell if first_line(b) == ADMINISTRATION]
    unknown = [first_line(b) for b in shell if b not in run and first_line(b) not in NOT_RUN]
    assert unknown == []
    assert set(NOT_RUN) <= {first_line(b) for b in shell}, "NOT_RUN names a block now gone"
    assert blocks("graphql"), "the README shows no GraphQL example"
    assert all("<" not in b and "…" not in b for b in run + blocks("graphql"))


def answers(output: str) -> list[Any]:
    """The JSON values printed one after another (curl adds no newline between them)."""
    decoder, found, at = json.JSONDecoder(), [], 0
    while True:
        while at < len(output) and output[at].isspace():
            at += 1
        if at == len(output):
            return found
        value, at = decoder.raw_decode(output, at)
        found.append(value)


def errors_in(value: Any, path: str = "") -> list[str]:
    """Where `value` holds a non-empty `errors`, with what it says."""
    if isinstance(value, dict):
        return [
            found
            for key, item in value.items()
            for found in (
                [f"{path}.{key}: {item}"] if key == "errors" and item else errors_in(item, key)
            )
        ]
    if isinstance(value, list):
        return [found for item in value for found in errors_in(item, path)]
    return []


def environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FOYER_")}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    return env


@contextmanager
def demo_server(folder: Path) -> Iterator[str]:
    port = free_port()
    log_path = folder / "serve.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "infra.cli.main", "serve", "--demo", "--port", str(port)],
            cwd=folder,
            env=environment(),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            wait_until_answering(
                "foyer serve --demo",
                process,
                lambda: httpx.get(f"{url}/readyz", timeout=1),
                lambda: log_path.read_text()[-3000:],
            )
            yield url
        finally:
            process.terminate()
            process.wait(timeout=30)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    folder = tmp_path_factory.mktemp("demo")
    with demo_server(folder) as url:
        yield url, folder


def shell(script: str, folder: Path, stdin: str = "") -> subprocess.CompletedProcess[str]:
    """`script` in bash, stopping at the first failing command, with no terminal of its
    own (so a password prompt reads stdin, as `getpass` does without one)."""
    env = environment() | {"PASSWORD": PASSWORD}
    return subprocess.run(
        ["bash", "-e", "-u", "-o", "pipefail", "-c", script],
        cwd=folder,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        start_new_session=True,
    )


@pytest.mark.parametrize("example", blocks("graphql"), ids=first_line)
def test_each_graphql_example_answers_without_errors(demo: tuple[str, Path], example: str) -> None:
    url, folder = demo
    key = (folder / ".foyer-demo-key").read_text().strip()
    answer = httpx.post(
        f"{url}/graphql",
        json={"query": example},
        headers={"Authorization": f"Bearer {key}"},
        timeout=30,
    ).json()
    assert errors_in(answer) == [], answer
    assert answer["data"], answer


def test_the_shell_examples_run_in_order_and_every_answer_is_without_errors(
    demo: tuple[str, Path],
) -> None:
    url, folder = demo
    # curl ends an answer with no newline: each mark starts a line of its own.
    marked = [
        f"echo; echo '@@ {i}'\n{b.replace(WRITTEN_ADDRESS, url)}"
        for i, b in enumerate(api_blocks())
    ]
    run = shell("\n".join(marked), folder)

    assert run.returncode == 0, (run.stdout, run.stderr)
    printed = re.split(r"^@@ \d+$", run.stdout, flags=re.MULTILINE)[1:]
    assert len(printed) == len(api_blocks())
    for block, output in zip(api_blocks(), printed, strict=True):
        answered = answers(output)
        assert answered, f"no answer from:\n{block}"
        for answer in answered:
            assert errors_in(answer) == [], (block, answer)
    # The export the jobs example downloaded: an Excel workbook, a zip file.
    assert (folder / "customers.xlsx").read_bytes().startswith(b"PK")


def test_the_administration_commands_run_as_written_in_a_new_folder(tmp_path: Path) -> None:
    [block] = [b for b in blocks("sh") if first_line(b) == ADMINISTRATION]

    run = shell(block, tmp_path, stdin=f"{PASSWORD}\n")

    assert run.returncode == 0, (run.stdout, run.stderr)
    assert "Traceback" not in run.stderr
    assert "riverside-playhouse" in run.stdout
