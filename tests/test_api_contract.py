"""The OpenAPI document says what the server does: a bounded schema-driven run (schemathesis)
over every documented operation, on the demo data, as two roles, finds no server error and no
response that contradicts the document (status, content type, body)."""

from __future__ import annotations

import os
from collections import Counter

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
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


# schemathesis's WSGI transport reads a streamed file response without closing it
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_no_response_contradicts_the_openapi_document(demo, web_app, client):
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

            @settings(
                max_examples=EXAMPLES,
                deadline=None,
                database=None,
                derandomize=True,
                suppress_health_check=list(HealthCheck),
                phases=[Phase.explicit, Phase.generate],
            )
            @given(case=operation.as_strategy(headers=headers))
            def run(case):
                cases[case.operation.label] += 1
                case.validate_response(case.call(), checks=CHECKS)

            try:
                run()
            except BaseException as failure:  # schemathesis raises a group of its findings
                if isinstance(failure, KeyboardInterrupt):
                    raise
                failures[f"{email} {operation.label}"] = str(failure)[:2000]
    print(f"contract run: {len(cases)} operations, {sum(cases.values())} cases")
    assert len(cases) >= len(declared), "an operation was not exercised"
    assert failures == {}, "\n\n".join(f"{k}:\n{v}" for k, v in failures.items())
