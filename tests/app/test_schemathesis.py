"""schemathesis against the live app (ASGI), on SQLite and PostgreSQL: every /api/v1 operation with generated
requests, half of them on a real assessment with its owner token, so that they reach the handlers.

Checks: no server error, every status code documented, the content type and the body as documented.
Bounded: ``EXAMPLES`` per operation (about a minute per database on a loaded two-core machine).
"""

from __future__ import annotations

from typing import Any

import hypothesis
import schemathesis
from hypothesis import HealthCheck, Phase, given
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from app import auth
from app.models import utcnow
from app.services import api_tokens, hr, invitations, people, quiz, sharing
from scoring.model import Bank

EXAMPLES = 60
HR_EXAMPLES = 30  # per HR API operation (/api/v1/hr/..., with an organisation token half the time)
SCENARIOS = 30
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


def _real_ids(app: Any, bank: Bank) -> dict[str, str]:
    """A fresh assessment with a share link: its ids and owner token (the generated ids mostly name nothing)."""
    started = quiz.start(app.state.db, bank, lang="en", current_role="pm", years=None)
    link = sharing.create(app.state.db, started.assessment.id, "full", 7, utcnow())
    return {"assessment_id": started.assessment.id, "share_id": link.link.id, "token": started.owner_token}


def test_api_conforms_to_its_schema(app: Any, bank: Bank, record_property: Any) -> None:
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    operations = [op for op in operations if op.path.startswith("/api/v1/")]
    assert len(operations) >= 8
    item_ids = list(quiz.question_order(bank))
    calls = {"n": 0, "statuses": set()}
    org, _ = auth.create_org(app.state.db, "Acme", "owner@acme.test", utcnow())
    cohort, _ = hr.create_cohort(app.state.db, org.id, name="Spring", departments=["Sales"], now=utcnow())
    hr_token = api_tokens.create(app.state.db, org.id, "test", "schemathesis", "write", 30, utcnow()).token
    people.add_person(app.state.db, org.id, {"name": "Linh", "email": "linh@acme.test"}, utcnow())
    invitations.create_links(app.state.db, org.id, cohort.id, "test", utcnow(), "http://testserver")
    personal = invitations.status(app.state.db, org.id, cohort.id, utcnow())[0].id

    for operation in operations:
        hr_api = operation.path.startswith("/api/v1/hr/")

        @given(case=operation.as_strategy(), data=st.data())
        @hypothesis.settings(
            max_examples=HR_EXAMPLES if hr_api else EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def run(case: Any, data: Any) -> None:
            headers = {}
            if case.path.startswith("/api/v1/hr/"):
                if data.draw(st.booleans(), label="real token and cohort"):
                    if case.path_parameters and "cohort_id" in case.path_parameters:
                        case.path_parameters["cohort_id"] = cohort.id
                    if case.path_parameters and "personal_id" in case.path_parameters:
                        case.path_parameters["personal_id"] = personal
                    if case.query and "cohort_id" in case.query:
                        case.query["cohort_id"] = cohort.id
                    headers["Authorization"] = f"Bearer {hr_token}"
            elif data.draw(st.booleans(), label="real assessment"):
                real = _real_ids(app, bank)
                for name in ("assessment_id", "share_id"):
                    if case.path_parameters and name in case.path_parameters:
                        case.path_parameters[name] = real[name]
                if case.path_parameters and "item_id" in case.path_parameters:
                    case.path_parameters["item_id"] = data.draw(st.sampled_from(item_ids), label="item")
                headers["Authorization"] = f"Bearer {real['token']}"
            response = case.call_and_validate(headers=headers, checks=CHECKS)
            calls["n"] += 1
            calls["statuses"].add(response.status_code)  # type: ignore[union-attr]

        run()
    summary = f"schemathesis: {len(operations)} operations, {calls['n']} calls, statuses {sorted(calls['statuses'])}"
    print(summary)
    record_property("schemathesis", summary)
    assert {200, 201, 204, 404} <= calls["statuses"]


def test_api_scenarios_follow_the_links(app: Any, record_property: Any) -> None:
    """Stateful: create an assessment, then follow the schema's links (read, answer, finish, share, erase)
    with its owner token; every step is checked like above."""
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)
    tokens: dict[str, str] = {}
    steps: dict[str, int] = {}

    class Scenarios(schema.as_state_machine()):  # type: ignore[misc]
        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            owner = tokens.get((case.path_parameters or {}).get("assessment_id", ""))
            return {"headers": {"Authorization": f"Bearer {owner}"}} if owner else {}

        def after_call(self, response: Any, case: Any) -> None:
            super().after_call(response, case)
            key = f"{case.method} {case.path} {response.status_code}"
            steps[key] = steps.get(key, 0) + 1
            if case.method == "POST" and case.path == "/api/v1/assessments" and response.status_code == 201:
                created = response.json()
                tokens[created["id"]] = created["owner_token"]

        def validate_response(self, response: Any, case: Any, **kwargs: Any) -> None:
            case.validate_response(response, checks=CHECKS)

    Scenarios.run(
        settings=hypothesis.settings(
            max_examples=SCENARIOS,
            stateful_step_count=6,
            deadline=None,
            database=None,
            derandomize=True,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
    )
    summary = f"schemathesis scenarios: {sum(steps.values())} steps; " + ", ".join(sorted(steps))
    print(summary)
    record_property("schemathesis_stateful", summary)
    linked = [k for k in steps if "{assessment_id}" in k and not k.endswith((" 404", " 422"))]
    assert linked, "no linked step reached an assessment"
