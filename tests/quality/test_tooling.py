"""The repository's own rules, checked with the suite so one command runs everything:
ruff, mypy --strict on the domain, the import-linter layer contracts, and a current
schema.graphql in which every type, field and argument is described."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from graphql import GraphQLInputObjectType, GraphQLObjectType, build_schema

from infra.settings import Settings
from schema.build import build_schema as build_foyer_schema
from schema.limits import Limits

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_ruff_finds_nothing() -> None:
    lint = run(str(BIN / "ruff"), "check", ".")
    assert lint.returncode == 0, lint.stdout
    formatting = run(str(BIN / "ruff"), "format", "--check", ".")
    assert formatting.returncode == 0, formatting.stdout


def test_the_domain_passes_mypy_strict() -> None:
    checked = run(str(BIN / "mypy"))
    assert checked.returncode == 0, checked.stdout


def test_the_layers_import_only_what_architecture_md_allows() -> None:
    linted = run(str(BIN / "lint-imports"))
    assert linted.returncode == 0, linted.stdout


def current_sdl() -> str:
    return str(build_foyer_schema(Limits.of(Settings()))) + "\n"


def test_schema_graphql_is_current() -> None:
    assert (ROOT / "schema.graphql").read_text() == current_sdl(), (
        "schema.graphql is stale: run `foyer schema export`"
    )


def test_every_type_field_and_argument_has_a_description() -> None:
    schema = build_schema(current_sdl())
    missing = []
    for name, kind in schema.type_map.items():
        if name.startswith("__") or name in {"String", "Int", "Boolean", "ID", "Float"}:
            continue
        if not kind.description:
            missing.append(name)
        if isinstance(kind, GraphQLObjectType | GraphQLInputObjectType):
            for field_name, field in kind.fields.items():
                if not field.description:
                    missing.append(f"{name}.{field_name}")
                for argument_name, argument in getattr(field, "args", {}).items():
                    if not argument.description:
                        missing.append(f"{name}.{field_name}({argument_name})")
    assert missing == []
