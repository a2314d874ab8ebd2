"""The API keeps its published contract, whatever it is sent.

Schemathesis reads the OpenAPI document the app publishes and, for EVERY operation, sends
valid and invalid requests (bounded, reproducible examples), as a signed-in member and as
nobody, on SQLite and on PostgreSQL, against the demo collective with its area data. Each
answer must:
- never be a server error (5xx);
- carry a status code, a content type, headers and a body that the document declares for
  that operation — error answers (401, 403, 404, 409, 422...) included, shaped as `ErrorOut`;
- refuse input the document says is invalid (never a 2xx for it).
Each operation is a subtest named after it ("GET /api/v1/decisions/{decision_id}"), so a
failure says which operation answered what, and how to reproduce it.
"""

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.helpers import MEMBERS, token_for

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_headers_conformance, response_schema_conformance, negative_data_rejection]

# Enough to reach every branch of the input shapes, small enough for the suite: a few minutes
# for every operation on both databases. Derandomized, so a failure is found again.
BOUNDED = settings(max_examples=25, deadline=None, derandomize=True, database=None,
                   phases=[Phase.explicit, Phase.generate],
                   suppress_health_check=list(HealthCheck))


@pytest.fixture
def demo_app(app, runtime):
    """The app on the demo collective with its decisions, meetings, grants, tasks..., so that
    small ids name real objects."""
    from tests.helpers import SEED_DAY

    with runtime.unit_of_work() as ctx:
        for _, hook in sorted(runtime.registry.demo_hooks, key=lambda h: h[0]):
            hook(ctx, SEED_DAY)
    yield app
    # Schemathesis keeps the lifespan of every app it called; this one ends with its test.
    from schemathesis.python import asgi

    asgi.shutdown_lifespans()


@pytest.fixture
def api_schema(demo_app):
    return schemathesis.openapi.from_asgi("/openapi.json", demo_app)


@pytest.fixture
def member_headers(client, demo_app):
    return token_for(client, MEMBERS[0])


contract = schemathesis.pytest.from_fixture("api_schema")


@contract.parametrize()
@BOUNDED
def test_every_operation_answers_as_documented_for_a_member(case, member_headers):
    case.call_and_validate(headers=member_headers, checks=CHECKS)


@contract.parametrize()
@BOUNDED
def test_every_operation_answers_as_documented_for_nobody(case):
    case.call_and_validate(checks=CHECKS)
