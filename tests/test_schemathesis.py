"""Schemathesis against the API's own OpenAPI spec, over a real uvicorn server on loopback.

Each operation gets generated requests (valid and invalid); the server must
never answer 5xx and its answers must match the spec (status codes declared,
bodies valid against the response schemas, content types). Bounded by
``ADEQUA_SCHEMATHESIS_EXAMPLES`` examples per operation (default 25).
"""

from __future__ import annotations

import os

import pytest

schemathesis = pytest.importorskip("schemathesis", reason="schemathesis not installed: pip install -e '.[test]'")
from hypothesis import HealthCheck, settings  # noqa: E402

from adequa.config import Settings  # noqa: E402
from adequa.publish.api import create_app  # noqa: E402

from test_api_security import Server, _fixture_warehouse  # noqa: E402

EXAMPLES = int(os.environ.get("ADEQUA_SCHEMATHESIS_EXAMPLES", "25"))


@pytest.fixture(scope="module")
def api_schema(tmp_path_factory):
    db = tmp_path_factory.mktemp("schemathesis") / "w.duckdb"
    _fixture_warehouse(db)
    app = create_app(db, settings=Settings(db=db, min_cell_size=3, api_token="schema-token"), warm_up=False,
                     annotator=lambda text, title=None: {"skills": [{"label": w} for w in text.split()[:3]]})
    with Server(app) as server:
        yield schemathesis.openapi.from_url(f"{server.url}/openapi.json")


def _operations(schema):
    out = []
    for result in schema.get_all_operations():
        out.append(result.ok())
    return out


def test_api_conforms_to_its_spec(api_schema):
    """Every operation, generated cases (schemathesis' pytest plugin does not run on pytest 9: driven by hand)."""
    from hypothesis import given, strategies as st
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (content_type_conformance, response_schema_conformance,
                                                   status_code_conformance)

    checks = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
    operations = _operations(api_schema)
    assert len(operations) >= 10
    calls = []
    for op in operations:
        @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        @given(case=op.as_strategy())
        def run(case):
            headers = {"Authorization": "Bearer schema-token"} if case.method.upper() == "POST" else None
            case.call_and_validate(checks=checks, headers=headers, timeout=60)
            calls.append(op.label)

        run()
    assert len(set(calls)) == len(operations)
