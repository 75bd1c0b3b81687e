"""schemathesis against the OpenAPI document, in-process (WSGI): for every operation a
bounded number of generated requests, as the admin with a token, must get no 5xx and a
response that matches the document (status code, content type, headers, body schema)."""

from __future__ import annotations

import re

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
EXAMPLES = 5  # per operation and pass: bounded, so that it runs in the normal suite


@pytest.fixture
def schema(app):
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


@pytest.mark.schemathesis
@pytest.mark.parametrize("who", ["admin", "secretary", "applicant"])
def test_every_operation_answers_as_documented(schema, api_token, commission, who):
    """Each operation twice: with generated ids (mostly unknown: 404s), then with the ids of
    objects the fixtures made, so that the answers of found objects are checked too."""
    api_token(who)  # token #1: the one revokeToken may revoke, not the one the requests carry
    headers = {"Authorization": f"Bearer {api_token(who)}"}
    district = commission.district
    existing = {
        "application_id": commission.first,
        "contest_id": commission.contest_id,
        "subject_id": commission.first,
        "organization_id": district.organizations[0],
        "token_id": 1,
    }
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 25
    for operation in operations:
        names = re.findall(r"\{(\w+)\}", operation.path)
        known = {name: existing[name] for name in names if name in existing}
        for fixed in ({}, known) if known else ({},):

            @settings(
                max_examples=EXAMPLES,
                deadline=None,
                database=None,
                derandomize=True,
                suppress_health_check=list(HealthCheck),
            )
            @given(case=operation.as_strategy(path_parameters=fixed or None))
            def check(case):
                case.call_and_validate(headers=headers, checks=CHECKS)

            check()
