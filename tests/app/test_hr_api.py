"""The HR API (/api/v1/hr/...) with organisation API tokens, and the token page, on SQLite and PostgreSQL.

Real parts: the app's database, its routes and the token page as an owner sees it. Asserted as a client of
the API would check: 401 without, with a wrong, an expired and a revoked token; 403 for a read token that
writes; another organisation's objects answer 404 on every route that names one, and lists never show them;
identified results only for people who chose to be identified; aggregates suppressed below 5 people.
"""

from __future__ import annotations

from typing import Any, get_args

from fastapi.testclient import TestClient
from sqlmodel import select

from app.models import ApiToken, AuditEvent, Invitation, Participation, utcnow
from app.routes.hr_api import PersonalState
from app.services import api_tokens, hr, invitations, people
from scoring.model import Bank
from tests.app.test_auth import Clock
from tests.app.test_hr import cohort_with_people, join_link, make_org, signed_in, take_part
from tests.app.test_identity import add_user


def token_for(app: Any, org_id: str, scope: str = "read", days: int = 30, name: str = "sync") -> str:
    return api_tokens.create(app.state.db, org_id, "test", name, scope, days, app.state.clock()).token


def api(app: Any, token: str | None) -> TestClient:
    client = TestClient(app, base_url="http://testserver", raise_server_exceptions=False)
    if token is not None:
        client.headers["Authorization"] = f"Bearer {token}"
    return client


def test_an_owner_makes_a_token_sees_it_once_and_revokes_it(app: Any) -> None:
    _, email = make_org(app)
    owner = signed_in(app, email)
    page = owner.post("/hr/api-tokens", {"name": "HR system sync", "scope": "write", "days": "30"})
    assert page.status_code == 200
    token = page.text.split('id="new-token"')[1].split(">", 1)[1].split("<", 1)[0]
    assert token.startswith("rft_") and len(token) > 40
    assert "Copy token" in page.text and "shown only once" in page.text
    again = owner.get("/hr/api-tokens")
    assert token not in again.text and token[:10] in again.text  # the prefix, for recognition
    with app.state.db.read() as session:
        (row,) = session.exec(select(ApiToken)).all()
    assert row.token_hash != token and token not in (row.prefix + row.token_hash)
    assert api(app, token).get("/api/v1/hr/cohorts").status_code == 200
    assert owner.post(f"/hr/api-tokens/{row.id}/revoke").status_code == 303
    refused = api(app, token).get("/api/v1/hr/cohorts")
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "api_token"
    assert "revoked" in owner.get("/hr/api-tokens").text


def test_token_form_errors_are_in_the_users_language_and_analysts_are_refused(app: Any) -> None:
    org_id, email = make_org(app)
    owner = signed_in(app, email)
    vi = {"accept-language": "vi"}
    long = owner.post("/hr/api-tokens", {"name": "x", "scope": "read", "days": "366"}, headers=vi)
    assert long.status_code == 422 and "365" in long.text
    nameless = owner.post("/hr/api-tokens", {"name": " ", "scope": "read", "days": "30"})
    assert nameless.status_code == 422
    with app.state.db.read() as session:
        assert session.exec(select(ApiToken)).all() == []
    add_user(app, org_id, "analyst@acme.test")
    analyst = signed_in(app, "analyst@acme.test")
    assert analyst.get("/hr/api-tokens").status_code == 403
    assert analyst.post("/hr/api-tokens", {"name": "x", "scope": "write", "days": "30"}).status_code == 403


def test_missing_wrong_expired_and_revoked_tokens_get_401(app: Any) -> None:
    clock = Clock(app)
    org_id, _ = make_org(app)
    token = token_for(app, org_id, days=1)
    assert api(app, None).get("/api/v1/hr/cohorts").status_code == 401
    assert api(app, "rft_" + "x" * 43).get("/api/v1/hr/cohorts").status_code == 401
    ok = api(app, token).get("/api/v1/hr/people")
    assert ok.status_code == 200
    clock.advance(86400 + 1)
    expired = api(app, token).get("/api/v1/hr/people?lang=zh-Hans")
    assert expired.status_code == 401 and expired.json()["error"]["message"] != ""


def test_last_used_is_written_at_most_once_a_minute(app: Any) -> None:
    clock = Clock(app)
    org_id, _ = make_org(app)
    token = token_for(app, org_id)
    client = api(app, token)
    client.get("/api/v1/hr/cohorts")
    with app.state.db.read() as session:
        first = session.exec(select(ApiToken.last_used_at)).one()
    clock.advance(30)
    client.get("/api/v1/hr/cohorts")
    with app.state.db.read() as session:
        assert session.exec(select(ApiToken.last_used_at)).one() == first
    clock.advance(31)
    client.get("/api/v1/hr/cohorts")
    with app.state.db.read() as session:
        assert session.exec(select(ApiToken.last_used_at)).one() != first


def test_a_read_token_reads_and_may_not_write(app: Any) -> None:
    org_id, _ = make_org(app)
    cohort_id, _ = join_link(app, org_id)
    client = api(app, token_for(app, org_id, "read"))
    assert client.get(f"/api/v1/hr/cohorts/{cohort_id}").json()["name"] == "Spring"
    for path, body in (
        ("/api/v1/hr/cohorts", {"name": "New"}),
        (f"/api/v1/hr/cohorts/{cohort_id}/close", None),
        (f"/api/v1/hr/cohorts/{cohort_id}/invitations", {}),
        ("/api/v1/hr/people", {"email": "a@acme.test", "name": "A"}),
    ):
        res = client.post(path, json=body)
        assert res.status_code == 403 and res.json()["error"]["code"] == "read_only_token", path
    assert len(hr.cohorts_of(app.state.db, org_id)) == 1


def test_a_write_token_creates_cohorts_links_and_people_and_closes_a_cohort(app: Any) -> None:
    org_id, _ = make_org(app)
    client = api(app, token_for(app, org_id, "write", name="HRIS"))
    made = client.post("/api/v1/hr/cohorts", json={"name": "Autumn", "departments": ["Sales"]})
    assert made.status_code == 201, made.text
    cohort = made.json()
    assert cohort["invitation_link"].startswith("http://testserver/join/") and not cohort["closed"]
    link = client.post(f"/api/v1/hr/cohorts/{cohort['id']}/invitations", json={"label": "March"})
    assert link.status_code == 201 and link.json()["label"] == "March"
    listed = client.get(f"/api/v1/hr/cohorts/{cohort['id']}/invitations").json()["items"]
    assert [i["label"] for i in listed] == [None, "March"]
    person = client.post("/api/v1/hr/people", json={"email": "Minh@Acme.test", "name": "Minh", "lang": "vi"})
    assert person.status_code == 201 and person.json()["email"] == "minh@acme.test"
    again = client.post("/api/v1/hr/people", json={"email": "minh@acme.test", "name": "Minh"})
    assert again.status_code == 409
    bad = client.post("/api/v1/hr/cohorts", json={"name": ""})
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "name"
    closed = client.post(f"/api/v1/hr/cohorts/{cohort['id']}/close")
    assert closed.status_code == 200 and closed.json()["closed"]
    with app.state.db.read() as session:
        actors = {e.user_id for e in session.exec(select(AuditEvent).where(AuditEvent.org_id == org_id))}
    assert "api:HRIS" in actors  # every use, with the token's name as the actor


def test_people_are_paged_with_a_maximum(app: Any) -> None:
    org_id, _ = make_org(app)
    client = api(app, token_for(app, org_id, "write"))
    for n in range(5):
        assert client.post("/api/v1/hr/people", json={"email": f"p{n}@acme.test", "name": f"P{n}"}).status_code == 201
    first = client.get("/api/v1/hr/people?limit=2").json()
    last = client.get("/api/v1/hr/people?limit=2&page=3").json()
    assert (first["total"], first["has_next"], len(first["items"])) == (5, True, 2)
    assert (len(last["items"]), last["has_next"]) == (1, False)
    assert client.get("/api/v1/hr/people?limit=101").status_code == 422


def test_results_are_identified_only_and_aggregates_suppressed_below_five(app: Any, bank: Bank) -> None:
    org_id, _ = make_org(app)
    cohort_id, path = join_link(app, org_id)
    take_part(app, bank, path, "identified", name="Lan Tran")
    take_part(app, bank, path, "aggregate", name="")
    client = api(app, token_for(app, org_id))
    results = client.get(f"/api/v1/hr/cohorts/{cohort_id}/results").json()["items"]
    assert [r["name"] for r in results] == ["Lan Tran"]
    small = client.get(f"/api/v1/hr/cohorts/{cohort_id}/aggregates").json()
    assert small["n"] is None and small["blocked"] == "small" and small["distribution"] == {}
    big = cohort_with_people(app, bank, org_id, 12)
    board = client.get(f"/api/v1/hr/cohorts/{big}/aggregates").json()
    assert board["n"] == 12 and "candidates" not in board
    assert all(v is None or v >= 5 for v in board["distribution"].values())


def test_another_organisations_token_never_reaches_our_data(app: Any, bank: Bank) -> None:
    org_id, _ = make_org(app)
    other_id, _ = make_org(app, "Globex", "owner@globex.test")
    cohort_id, path = join_link(app, org_id)
    take_part(app, bank, path, "identified", name="Lan Tran")
    hr.create_cohort(app.state.db, other_id, name="Theirs", now=utcnow())
    theirs = api(app, token_for(app, other_id, "write"))
    for method, route in (
        ("GET", "/api/v1/hr/cohorts/{c}"),
        ("POST", "/api/v1/hr/cohorts/{c}/close"),
        ("GET", "/api/v1/hr/cohorts/{c}/invitations"),
        ("POST", "/api/v1/hr/cohorts/{c}/invitations"),
        ("GET", "/api/v1/hr/cohorts/{c}/results"),
        ("GET", "/api/v1/hr/cohorts/{c}/aggregates"),
    ):
        res = theirs.request(method, route.format(c=cohort_id), json={} if method == "POST" else None)
        assert res.status_code == 404 and res.json()["error"]["code"] == "not_found", (method, route)
    assert [c["name"] for c in theirs.get("/api/v1/hr/cohorts").json()["items"]] == ["Theirs"]
    ours = api(app, token_for(app, org_id, "write"))
    assert ours.post("/api/v1/hr/people", json={"email": "lan@acme.test", "name": "Lan"}).status_code == 201
    assert theirs.get("/api/v1/hr/people").json()["items"] == []
    assert not hr.cohort_of(app.state.db, org_id, cohort_id).closes_at  # type: ignore[union-attr]


def test_the_hr_api_is_in_the_openapi_schema_with_a_bearer_scheme(app: Any) -> None:
    schema = api(app, None).get("/api/v1/openapi.json").json()
    assert schema["components"]["securitySchemes"]["OrganisationToken"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "an organisation API token (rft_...), made by an owner on /hr/api-tokens",
    }
    hr_paths = [p for p in schema["paths"] if p.startswith("/api/v1/hr/")]
    assert len(hr_paths) == 9
    assert schema["paths"]["/api/v1/hr/cohorts"]["get"]["security"] == [{"OrganisationToken": []}]


def test_hr_views_of_cohort_and_participant_pages_are_audited(app: Any, bank: Bank) -> None:
    org_id, email = make_org(app)
    cohort_id, path = join_link(app, org_id)
    take_part(app, bank, path, "identified", name="Lan Tran")
    with app.state.db.read() as session:
        pid = session.exec(select(Participation.id).where(Participation.display_name == "Lan Tran")).one()
    owner = signed_in(app, email)
    assert owner.get(f"/hr/cohorts/{cohort_id}").status_code == 200
    assert owner.get(f"/hr/participants/{pid}").status_code == 200
    with app.state.db.read() as session:
        seen = {(e.action, e.detail) for e in session.exec(select(AuditEvent).where(AuditEvent.org_id == org_id))}
    assert {("cohort.view", cohort_id), ("participant.view", pid)} <= seen
    log = owner.get("/hr/audit").text
    assert "participant.view" in log and "cohort.view" in log


def invited(app: Any, org_id: str) -> tuple[str, str, dict[str, str]]:
    """Two cohorts of the organisation: "Spring" with personal links for Linh, Wang and Ana (made without mail,
    returned here as the person would get them), "Autumn" with a queued mail to each."""
    db, now = app.state.db, utcnow()
    for name, email in (("Linh", "linh@acme.test"), ("Wang", "wang@acme.test"), ("Ana", "ana@acme.test")):
        people.add_person(db, org_id, {"name": name, "email": email}, now)
    spring, _ = hr.create_cohort(db, org_id, name="Spring", now=now)
    autumn, _ = hr.create_cohort(db, org_id, name="Autumn", now=now)
    made = invitations.create_links(db, org_id, spring.id, "test", now, "http://testserver")
    links = {m.person.email: m.link.split("/join/")[1].split("?")[0] for m in made}  # the tokens
    assert invitations.send(db, org_id, autumn.id, "test", now) == 3
    return spring.id, autumn.id, links


def test_personal_invitations_are_listed_by_cohort_and_state_a_page_at_a_time_without_their_links(app: Any) -> None:
    org_id, _ = make_org(app)
    spring, autumn, links = invited(app, org_id)
    client = api(app, token_for(app, org_id, "read"))
    everything = client.get("/api/v1/hr/personal-invitations")
    assert everything.status_code == 200, everything.text
    body = everything.json()
    assert (body["total"], body["has_next"], len(body["items"])) == (6, False, 6)
    first = body["items"][0]
    assert set(first) == {"id", "cohort_id", "person_id", "name", "email", "lang", "state", "error", "created_at",
                          "sent_at", "opened_at", "expires_at"}  # fmt: skip
    # no link, token or hash anywhere in the answer: only the hash is stored, and it is not given out either
    with app.state.db.read() as session:
        hashes = list(session.exec(select(Invitation.token_hash)))
    for secret in [*links.values(), *hashes]:
        assert secret not in everything.text
    spring_only = client.get(f"/api/v1/hr/personal-invitations?cohort_id={spring}").json()
    assert {i["cohort_id"] for i in spring_only["items"]} == {spring} and spring_only["total"] == 3
    assert {i["state"] for i in spring_only["items"]} == {"link"}
    queued = client.get("/api/v1/hr/personal-invitations?state=queued").json()
    assert {i["cohort_id"] for i in queued["items"]} == {autumn} and queued["total"] == 3
    assert sorted(i["name"] for i in queued["items"]) == ["Ana", "Linh", "Wang"]
    assert client.get(f"/api/v1/hr/personal-invitations?cohort_id={autumn}&state=link").json()["total"] == 0
    pages = [client.get(f"/api/v1/hr/personal-invitations?limit=4&page={n}").json() for n in (1, 2)]
    assert [(len(p["items"]), p["has_next"]) for p in pages] == [(4, True), (2, False)]
    assert len({i["id"] for p in pages for i in p["items"]}) == 6  # no row twice, none left out
    for bad in ("state=lost", "limit=101", "page=0", "cohort_id=%00"):
        refused = client.get(f"/api/v1/hr/personal-invitations?{bad}")
        assert refused.status_code in (400, 422) and "error" in refused.json(), bad


def test_the_api_states_are_the_services_states() -> None:
    assert set(get_args(PersonalState)) == set(invitations.STATES)


def test_a_write_token_revokes_a_personal_invitation_and_the_audit_log_says_so(app: Any) -> None:
    org_id, _ = make_org(app)
    spring, _, links = invited(app, org_id)
    reader = api(app, token_for(app, org_id, "read"))
    target = reader.get(f"/api/v1/hr/personal-invitations?cohort_id={spring}").json()["items"][0]
    refused = reader.post(f"/api/v1/hr/personal-invitations/{target['id']}/revoke")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "read_only_token"
    assert invitations.personal_row(app.state.db, org_id, target["id"], utcnow()).state == "link"  # type: ignore[union-attr]
    writer = api(app, token_for(app, org_id, "write", name="HRIS"))
    done = writer.post(f"/api/v1/hr/personal-invitations/{target['id']}/revoke")
    assert done.status_code == 200, done.text
    assert (done.json()["id"], done.json()["state"]) == (target["id"], "revoked")
    assert writer.post(f"/api/v1/hr/personal-invitations/{target['id']}/revoke").json()["state"] == "revoked"
    revoked = reader.get("/api/v1/hr/personal-invitations?state=revoked").json()["items"]
    assert [i["id"] for i in revoked] == [target["id"]]
    # the person's own link no longer lets them in (it did before)
    assert hr.open_invitation(app.state.db, links[target["email"]], utcnow()) is None
    other = next(e for e in links if e != target["email"])
    assert hr.open_invitation(app.state.db, links[other], utcnow()) is not None
    with app.state.db.read() as session:
        events = session.exec(select(AuditEvent).where(AuditEvent.org_id == org_id)).all()
    revokes = [e for e in events if e.action == "invitation.revoke"]
    assert [(e.user_id, e.detail.split()[0]) for e in revokes] == [("api:HRIS", target["id"])]  # once, not twice
    calls = [e.detail for e in events if e.action == "api.call" and "/revoke" in e.detail]
    assert calls == [f"POST /api/v1/hr/personal-invitations/{{personal_id}}/revoke {target['id']}"] * 2
    missing = writer.post("/api/v1/hr/personal-invitations/nosuchinvitation/revoke")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"


def test_another_organisations_token_neither_lists_nor_revokes_our_personal_invitations(app: Any) -> None:
    org_id, _ = make_org(app)
    other_id, _ = make_org(app, "Globex", "owner@globex.test")
    spring, _, _ = invited(app, org_id)
    ours = invitations.status(app.state.db, org_id, spring, utcnow())
    theirs = api(app, token_for(app, other_id, "write"))
    assert theirs.get("/api/v1/hr/personal-invitations").json()["items"] == []
    listed = theirs.get(f"/api/v1/hr/personal-invitations?cohort_id={spring}")
    assert listed.status_code == 404 and listed.json()["error"]["code"] == "not_found"
    for row in ours:
        res = theirs.post(f"/api/v1/hr/personal-invitations/{row.id}/revoke")
        assert res.status_code == 404 and res.json()["error"]["code"] == "not_found"
    assert {r.state for r in invitations.status(app.state.db, org_id, spring, utcnow())} == {"link"}
    with app.state.db.read() as session:
        assert not session.exec(select(AuditEvent).where(AuditEvent.action == "invitation.revoke")).all()
