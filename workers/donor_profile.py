"""The Donor Profile: one Individual's report as PDF or Excel, for its requester.

Everything is read from one snapshot, then rendered to a partial file that is published
whole; a second delivery of the message finds the job finished and does nothing.
"""

from __future__ import annotations

from domain.donor_profile import ProfileRequest, ReportFormat
from infra.clock import utc_now
from infra.db import job_progress
from infra.reports.donor_profile import CustomerGone, read_donor_profile
from infra.reports.pdf import render_pdf
from infra.reports.xlsx import render_xlsx
from workers.dependencies import WorkerDependencies

RENDERERS = {ReportFormat.PDF: (render_pdf, "pdf"), ReportFormat.XLSX: (render_xlsx, "xlsx")}


def render_donor_profile(deps: WorkerDependencies, job_id: int) -> None:
    job = job_progress.claim(deps.engine, job_id, deps.holder())
    if job is None:
        return
    request = ProfileRequest.from_parameters(job.parameters)
    try:
        profile = read_donor_profile(deps.engine, job.tenant_id, request, utc_now())
    except CustomerGone as gone:  # the input's failure: no retry can mend it
        job_progress.fail(deps.engine, job_id, str(gone))
        return
    render, suffix = RENDERERS[request.format]
    final = deps.files.path_for(job.tenant_id, f"donor-profile-{job_id}.{suffix}")
    partial = deps.files.temporary_path(final, job_id)
    try:
        render(profile, partial)
        deps.files.publish(partial, final)
    finally:
        deps.files.discard(partial)
    rows = sum(len(section.rows) for section in profile.sections)
    job_progress.succeed(deps.engine, job_id, deps.files.relative(final), rows)
