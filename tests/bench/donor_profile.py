"""The Donor Profile for a customer with 2,000 ticket orders and 500 donations in range:
reading the snapshot, the PDF with Typst (what the worker uses: tagged) against the same
source untagged and against WeasyPrint (the comparison: the same profile as HTML), the Excel
file, and the worker's peak memory.

    .venv/bin/python -m tests.bench.donor_profile [--backend sqlite|postgresql] [--rounds 3]

Prints medians over the rounds; asserts nothing. WeasyPrint needs `pip install -e '.[bench]'`
and Debian's Pango (`apt-get install libpango-1.0-0 libpangoft2-1.0-0`).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jinja2
import psycopg
import typst
from sqlalchemy import insert

from domain.donor_profile import DonorProfile, ProfileRequest, ReportFormat
from domain.roles import Role
from infra.clock import utc_now
from infra.db import tables as t
from infra.db.engine import build_sync_engine
from infra.db.migrate import upgrade
from infra.reports.donor_profile import read_donor_profile
from infra.reports.pdf import TEMPLATES, render_pdf, typst_source
from infra.reports.presentation import as_text, period_text
from infra.reports.xlsx import render_xlsx
from tests.bench.donor_profile_data import make_donor

POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"
HERE = Path(__file__).parent


def weasyprint_pdf(profile: DonorProfile, output: Path) -> None:
    import weasyprint

    def refuse(url: str, *args: Any, **kwargs: Any) -> Any:
        raise ValueError(f"No fetching: {url}")

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(HERE), autoescape=True)
    env.filters["text"] = as_text
    html = env.get_template("donor_profile.html.j2").render(
        profile=profile, period=period_text(profile.starts_on, profile.ends_on)
    )
    weasyprint.HTML(string=html, url_fetcher=refuse).write_pdf(output)


def untagged_pdf(profile: DonorProfile) -> None:
    typst.compile(
        typst_source(profile).encode(),
        root=str(TEMPLATES),
        ignore_system_fonts=True,
        timestamp=int(profile.generated_at.timestamp()),
        pdf_tags=False,
    )


def timed(work: Callable[[], Any], rounds: int) -> float:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def database(backend: str, folder: Path) -> str:
    if backend == "sqlite":
        return f"sqlite:///{folder / 'profile.db'}"
    name = f"foyer_bench_profile_{uuid.uuid4().hex[:6]}"
    with psycopg.connect(POSTGRES, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    return POSTGRES.rsplit("/", 1)[0] + f"/{name}"


def drop(url: str) -> None:
    if url.startswith("postgresql"):
        with psycopg.connect(POSTGRES, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')


def worker_peak_rss(url: str, tenant: int, request: dict[str, Any], folder: Path) -> float:
    """MB: a fresh process runs the worker's own function on a real job row."""
    engine = build_sync_engine(url)
    with engine.begin() as db:
        job_id = db.execute(
            insert(t.job)
            .values(
                tenant_id=tenant,
                kind="DONOR_PROFILE",
                status="PENDING",
                parameters=request,
                progress=0,
                requested_by="bench",
                attempts=0,
                created_at=utc_now(),
            )
            .returning(t.job.c.id)
        ).scalar_one()
    engine.dispose()
    child = subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.bench.donor_profile",
            "--child",
            url,
            str(job_id),
            str(folder / "files"),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    return float(child.stdout.strip().splitlines()[-1])


def child(url: str, job_id: int, files: str) -> None:
    from infra.mail.transport import FileTransport
    from infra.storage import FileStore
    from workers.dependencies import WorkerDependencies
    from workers.donor_profile import render_donor_profile

    engine = build_sync_engine(url)
    deps = WorkerDependencies(engine, FileStore(Path(files)), FileTransport(Path(files)))
    render_donor_profile(deps, job_id)
    # VmHWM, not ru_maxrss: Linux carries ru_maxrss over exec from the parent process.
    peak = next(
        line
        for line in Path("/proc/self/status").read_text().splitlines()
        if line.startswith("VmHWM:")
    )
    print(int(peak.split()[1]) / 1024)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--orders", type=int, default=2000)
    parser.add_argument("--donations", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--child", nargs=3)
    parser.add_argument("--keep", type=Path, help="Write the PDFs here to look at.")
    parser.add_argument("--no-weasyprint", action="store_true", help="Skip the comparison.")
    args = parser.parse_args()
    if args.child:
        child(args.child[0], int(args.child[1]), args.child[2])
        return
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        url = database(args.backend, folder)
        try:
            run(args, url, folder)
        finally:
            drop(url)


def run(args: argparse.Namespace, url: str, folder: Path) -> None:
    upgrade(url)
    engine = build_sync_engine(url)
    tenant, customer = make_donor(engine, args.orders, args.donations)
    today = utc_now().date()
    parameters = {
        "customerId": customer,
        "from": today.replace(year=today.year - 1).isoformat(),
        "to": today.isoformat(),
        "format": "PDF",
        "readerRoles": sorted(r.value for r in Role),
    }
    request = ProfileRequest.from_parameters(parameters)
    profile = read_donor_profile(engine, tenant, request, utc_now())
    rows = sum(len(s.rows) for s in profile.sections)
    out = args.keep or folder
    out.mkdir(parents=True, exist_ok=True)
    figures: dict[str, Any] = {"backend": args.backend, "rows": rows, "rounds": args.rounds}
    figures["read_s"] = timed(
        lambda: read_donor_profile(engine, tenant, request, utc_now()), args.rounds
    )
    figures["pdf_typst_s"] = timed(lambda: render_pdf(profile, out / "typst.pdf"), args.rounds)
    # The baseline: the same source untagged, as the worker wrote it before.
    figures["pdf_typst_untagged_s"] = timed(lambda: untagged_pdf(profile), args.rounds)
    figures["tagged_over_untagged"] = figures["pdf_typst_s"] / figures["pdf_typst_untagged_s"]
    figures["xlsx_s"] = timed(lambda: render_xlsx(profile, out / "profile.xlsx"), args.rounds)
    try:
        if args.no_weasyprint:
            raise ImportError("--no-weasyprint")
        figures["pdf_weasyprint_s"] = timed(
            lambda: weasyprint_pdf(profile, out / "weasyprint.pdf"), args.rounds
        )
        figures["weasyprint_over_typst"] = figures["pdf_weasyprint_s"] / figures["pdf_typst_s"]
    except (ImportError, OSError) as missing:
        figures["pdf_weasyprint_s"] = f"not measured: {missing}"
    for fmt in ReportFormat:
        figures[f"worker_{fmt.value.lower()}_peak_rss_mb"] = worker_peak_rss(
            url, tenant, {**parameters, "format": fmt.value}, folder
        )
    engine.dispose()
    print(json.dumps(figures, indent=2, default=str))


if __name__ == "__main__":
    main()
