"""The OpenAPI document says what the server does: a bounded schema-driven run (schemathesis)
over every documented operation, on the demo data, as two roles, finds no server error and no
response that contradicts the document (status, content type, body)."""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import func, select

from qms.accounts.authentication import issue_token
from qms.accounts.models import User
from qms.api.core import operations
from qms.extensions import db

CHECKS = [
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
    content_type_conformance,
]
#: examples per operation and role (QMS_CONTRACT_EXAMPLES raises it for a longer run)
EXAMPLES = int(os.environ.get("QMS_CONTRACT_EXAMPLES", "6"))
ROLES = ("admin.kupang@demo.qms.id", "mutu.dukcapil@demo.qms.id")


@pytest.fixture
def demo(runner):
    for command in ("load-checklists", "seed-demo"):
        result = runner.invoke(args=["qms", command])
        assert result.exit_code == 0, result.output


def _declared_paths() -> set[tuple[str, str]]:
    return {
        (operation.path, operation.method)
        for declared in operations.values()
        for operation in declared
    }


def _within_the_data(document: dict, largest_id: int) -> dict:
    """Path ids drawn from the ids that exist, so most cases reach a record (a random 64-bit
    id only ever finds a 404)."""
    for methods in document["paths"].values():
        for operation in methods.values():
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "path":
                    parameter["schema"] = {"type": "integer", "minimum": 1, "maximum": largest_id}
    return document


#: where the run's counts are written (make test prints them at the end)
REPORT = Path(__file__).resolve().parent.parent / "test-output" / "api-contract.txt"


def _run_operation(operation, headers: dict, mode: GenerationMode, checks: list, cases: Counter):
    """Run one operation's generated cases; schemathesis raises a group of its findings."""

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.generate],
    )
    @given(case=operation.as_strategy(generation_mode=mode, headers=headers))
    def run(case):
        cases[(mode.value, case.operation.label)] += 1
        case.validate_response(case.call(), checks=checks)

    run()


# schemathesis's WSGI transport reads a streamed file response without closing it
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_no_response_contradicts_the_openapi_document(demo, web_app, client):
    """Positive cases (valid by the document) must get a documented answer that matches the
    document; negative cases (invalid by it) must still never get a server error."""
    document = client.get("/api/v1/openapi.json").get_json()
    largest_id = max(
        db.session.scalar(select(func.max(table.c.id))) or 1
        for table in db.metadata.sorted_tables
        if "id" in table.c
    )
    schema = schemathesis.openapi.from_dict(_within_the_data(document, min(largest_id, 400)))
    schema.app = web_app
    declared = _declared_paths()
    failures: dict[str, str] = {}
    cases: Counter = Counter()
    for email in ROLES:
        user = db.session.scalar(select(User).where(User.email == email))
        _token, token = issue_token(user, "contract")
        db.session.commit()
        headers = {"Authorization": f"Bearer {token}"}
        for result in schema.get_all_operations():
            operation = result.ok()
            if (operation.path, operation.method.upper()) not in declared:
                continue
            for mode, checks in (
                (GenerationMode.POSITIVE, CHECKS),
                (GenerationMode.NEGATIVE, [not_a_server_error, content_type_conformance]),
            ):
                try:
                    _run_operation(operation, headers, mode, checks, cases)
                except Unsatisfiable:
                    assert mode is GenerationMode.NEGATIVE  # nothing to send wrong
                except BaseException as failure:
                    if isinstance(failure, KeyboardInterrupt):
                        raise
                    failures[f"{email} {mode.value} {operation.label}"] = str(failure)[:2000]
    operations_run = {label for _mode, label in cases}
    summary = (
        f"API contract run: {len(operations_run)} operations, {len(ROLES)} roles, "
        f"{sum(n for (m, _), n in cases.items() if m == 'positive')} positive and "
        f"{sum(n for (m, _), n in cases.items() if m == 'negative')} negative cases, "
        f"{len(failures)} failing (5xx or contradiction)"
    )
    REPORT.parent.mkdir(exist_ok=True)
    REPORT.write_text(summary + "\n")
    print(summary)
    assert len(operations_run) >= len(declared), "an operation was not exercised"
    assert failures == {}, "\n\n".join(f"{k}:\n{v}" for k, v in failures.items())
