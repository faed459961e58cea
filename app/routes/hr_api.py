"""The HR API ``/api/v1/hr/...``: an organisation's cohorts, invitations, people, identified results and
aggregates, for HR systems. Authenticated by an organisation API token (``Authorization: Bearer rft_...``,
made on /hr/api-tokens); read tokens read, read-write tokens also create and close.

The same rules as the HR pages: every query is scoped to the token's organisation (another organisation's
object: 404), identified results only for people who chose to be identified, aggregates with the k >= 5
suppression and differencing checks of :func:`app.services.hr.dashboard`. Every call is audited with the
token's name as the actor. Errors use the API's envelope (``{"error": {code, field, message}}``).
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field, ValidationError

from app.db import Database
from app.inputs import PublicId
from app.models import AuditEvent, Person
from app.routes.api import ApiError, _json_body, api_lang, error_response_doc
from app.routes.deferred import DeferredRoute
from app.services import api_tokens, hr, invitations, people, retention
from app.web import BankDep, DbDep

MAX_LIMIT = 100


def _errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    what = {
        400: "the body is not UTF-8 JSON, is nested too deeply, or the address has control characters",
        401: "no API token, or an unknown, expired or revoked one",
        403: "a read-only token asked to change something",
        404: "no such object in the token's organisation (for a list: the cohort it is filtered by)",
        405: "method not allowed (the Allow header lists the methods)",
        409: "the object exists already (a person with this e-mail address)",
        413: "the body is larger than the limit",
        414: "the address is too long",
        415: "the body is not JSON",
        422: "a field or parameter is invalid; error.code and error.field say which",
    }
    return {status: error_response_doc(what[status]) for status in statuses}


bearer = HTTPBearer(
    auto_error=False,
    scheme_name="OrganisationToken",
    description="an organisation API token (rft_...), made by an owner on /hr/api-tokens",
)


def caller(
    request: Request, db: DbDep, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
) -> api_tokens.Caller:
    """The calling token; 401 without a valid one."""
    found = api_tokens.authenticate(db, credentials.credentials if credentials else None, request.app.state.clock())
    if found is None:
        raise ApiError(401, "api_token")
    return found


def _audited(request: Request, db: Database, who: api_tokens.Caller, what: str = "") -> None:
    """The call, in the organisation's audit log with the token's name as the actor (once it succeeded:
    a call refused for its input changes nothing, the log included)."""
    route = request.scope.get("route")
    detail = f"{request.method} {getattr(route, 'path', request.url.path)} {what}".strip()
    address = request.client.host[:64] if request.client else None
    with db.write() as session:
        session.add(AuditEvent(org_id=who.org_id, user_id=who.actor, action="api.call", detail=detail, address=address))


CallerDep = Annotated[api_tokens.Caller, Depends(caller)]


def writer(who: CallerDep) -> api_tokens.Caller:
    if who.scope != "write":
        raise ApiError(403, "read_only_token")
    return who


WriterDep = Annotated[api_tokens.Caller, Depends(writer)]

router = APIRouter(
    prefix="/api/v1/hr",
    tags=["hr"],
    dependencies=[Depends(api_lang)],
    responses=_errors(400, 401, 405, 414, 422),
    route_class=DeferredRoute,
)
WITH_BODY = _errors(403, 413, 415)
Page = Annotated[int, Query(ge=1, le=100_000, description="the page, from 1")]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description=f"items per page, at most {MAX_LIMIT}")]


class CohortIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    departments: list[str] = Field(default_factory=list, max_length=50)
    levels: list[str] = Field(default_factory=list, max_length=50)
    closes_at: datetime | None = Field(None, description="ISO 8601, in the future")
    max_participants: int | None = Field(None, ge=1, le=1_000_000)


class InvitationIn(BaseModel):
    label: str | None = Field(None, max_length=80, description="your own name for the link")


class PersonIn(BaseModel):
    email: str = Field(max_length=254)
    name: str = Field(max_length=200)
    department: str | None = Field(None, max_length=100)
    level: str | None = Field(None, max_length=100)
    lang: str | None = Field(None, description="en, zh-Hans or vi")
    manager_email: str | None = Field(None, max_length=254)


def _body(schema: type[BaseModel]) -> dict[str, Any]:
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema.model_json_schema()}}}}


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _cohort(row: hr.CohortRow, now: datetime) -> dict[str, Any]:
    c = row.cohort
    closes = c.closes_at
    closed = closes is not None and (closes if closes.tzinfo else closes.replace(tzinfo=now.tzinfo)) <= now
    return {
        "id": c.id,
        "name": c.name,
        "departments": list(c.departments),
        "levels": list(c.levels),
        "form": c.form,
        "created_at": _iso(c.created_at),
        "closes_at": _iso(c.closes_at),
        "closed": closed,
        "archived": c.archived_at is not None,
        "max_participants": c.max_participants,
        "participants": row.participants,
        "finished": row.finished,
    }


def _paged(items: list[Any], page: int, limit: int, total: int) -> dict[str, Any]:
    return {"items": items, "page": page, "limit": limit, "total": total, "has_next": page * limit < total}


def _found_cohort(db: DbDep, who: api_tokens.Caller, cohort_id: str) -> hr.CohortRow:
    row = hr.cohort_row(db, who.org_id, cohort_id)
    if row is None:
        raise ApiError(404, "not_found")
    return row


@router.get("/cohorts", summary="The organisation's cohorts, newest first")
def list_cohorts(request: Request, db: DbDep, who: CallerDep, page: Page = 1, limit: Limit = 50) -> dict[str, Any]:
    rows = hr.cohorts_of(db, who.org_id)
    now = request.app.state.clock()
    chosen = rows[(page - 1) * limit : page * limit]
    _audited(request, db, who)
    return _paged([_cohort(r, now) for r in chosen], page, limit, len(rows))


@router.get("/cohorts/{cohort_id}", summary="One cohort with its counts", responses=_errors(404))
def read_cohort(request: Request, cohort_id: PublicId, db: DbDep, who: CallerDep) -> dict[str, Any]:
    row = _found_cohort(db, who, cohort_id)
    _audited(request, db, who, cohort_id)
    return _cohort(row, request.app.state.clock())


@router.post(
    "/cohorts",
    status_code=201,
    summary="Create a cohort and its first invitation link (read-write token)",
    responses=WITH_BODY | {201: {"description": "created; invitation_link is shown only now"}},
    openapi_extra=_body(CohortIn),
)
async def create_cohort(request: Request, db: DbDep, who: WriterDep) -> dict[str, Any]:
    data = _valid(CohortIn, await _json_body(request))
    now = request.app.state.clock()
    try:
        cohort, made = hr.create_cohort(
            db,
            who.org_id,
            name=data.name,
            departments=data.departments,
            levels=data.levels,
            closes_at=data.closes_at,
            max_participants=data.max_participants,
            now=now,
        )
    except hr.HrError as err:
        raise ApiError(422, err.code, err.field) from err
    row = _found_cohort(db, who, cohort.id)
    _audited(request, db, who, cohort.id)
    return _cohort(row, now) | {"invitation_link": _link(request, made.token), "invitation_id": made.invitation.id}


@router.post(
    "/cohorts/{cohort_id}/close",
    summary="Close a cohort: nobody joins any more; its data stays (read-write token)",
    responses=_errors(403, 404),
)
def close_cohort(request: Request, cohort_id: PublicId, db: DbDep, who: WriterDep) -> dict[str, Any]:
    now = request.app.state.clock()
    if not retention.close(db, who.org_id, who.actor, cohort_id, now):
        raise ApiError(404, "not_found")
    _audited(request, db, who, cohort_id)
    return _cohort(_found_cohort(db, who, cohort_id), now)


@router.get("/cohorts/{cohort_id}/invitations", summary="A cohort's shared invitation links", responses=_errors(404))
def list_invitations(request: Request, cohort_id: PublicId, db: DbDep, who: CallerDep) -> dict[str, Any]:
    row = _found_cohort(db, who, cohort_id)
    items = [
        {
            "id": inv.id,
            "label": inv.label,
            "uses": inv.uses,
            "max_uses": inv.max_uses,
            "created_at": _iso(inv.created_at),
            "revoked_at": _iso(inv.revoked_at),
        }
        for inv in sorted(row.invitations, key=lambda i: (i.created_at, i.id))
    ]
    _audited(request, db, who, cohort_id)
    return {"items": items}


@router.post(
    "/cohorts/{cohort_id}/invitations",
    status_code=201,
    summary="A new shared invitation link for a cohort (read-write token); the link is shown only now",
    responses=_errors(404) | WITH_BODY,
    openapi_extra=_body(InvitationIn),
)
async def create_invitation(request: Request, cohort_id: PublicId, db: DbDep, who: WriterDep) -> dict[str, Any]:
    data = _valid(InvitationIn, await _json_body(request))
    try:
        made = hr.new_invitation(db, who.org_id, cohort_id, request.app.state.clock(), label=data.label)
    except hr.HrError as err:
        raise ApiError(404, "not_found") from err
    _audited(request, db, who, cohort_id)
    return {"id": made.invitation.id, "label": made.invitation.label, "link": _link(request, made.token)}


PersonalState = Literal[
    "queued", "sending", "retrying", "sent", "failed", "revoked", "expired", "joined", "link"
]  # invitations.STATES


class PersonalInvitationOut(BaseModel):
    """A person's own invitation to a cohort. Its link is never here: the token is shown (or mailed) once
    and only its hash is kept."""

    id: str
    cohort_id: str
    person_id: str
    name: str
    email: str
    lang: str
    state: PersonalState = Field(
        description="queued, sending, retrying, sent or failed (the mail), link (made without mail), "
        "joined, expired or revoked"
    )
    error: str | None = Field(description="the mail server's last answer when the delivery failed or is retried")
    created_at: datetime | None
    sent_at: datetime | None
    opened_at: datetime | None = Field(description="when the person first opened the link")
    expires_at: datetime | None


class PersonalInvitationsOut(BaseModel):
    items: list[PersonalInvitationOut]
    page: int
    limit: int
    total: int
    has_next: bool


def _personal(row: invitations.Row) -> PersonalInvitationOut:
    return PersonalInvitationOut.model_validate(row, from_attributes=True)  # the same fields, by name


@router.get(
    "/personal-invitations",
    summary="The organisation's personal invitations with their delivery state, newest first",
    response_model=PersonalInvitationsOut,
    responses=_errors(404),
)
def list_personal_invitations(
    request: Request,
    db: DbDep,
    who: CallerDep,
    cohort_id: Annotated[PublicId | None, Query(description="only this cohort's")] = None,
    state: Annotated[PersonalState | None, Query(description="only those in this state")] = None,
    page: Page = 1,
    limit: Limit = 50,
) -> PersonalInvitationsOut:
    now = request.app.state.clock()
    if cohort_id is not None:
        _found_cohort(db, who, cohort_id)  # another organisation's cohort: 404, like every route naming one
    found = invitations.list_personal(
        db, who.org_id, now, cohort_id=cohort_id, state=state, limit=limit, offset=(page - 1) * limit
    )
    _audited(request, db, who, cohort_id or "")
    items = [_personal(r) for r in found.rows]
    return PersonalInvitationsOut(
        items=items, page=page, limit=limit, total=found.total, has_next=page * limit < found.total
    )


@router.post(
    "/personal-invitations/{personal_id}/revoke",
    summary="Revoke a personal invitation: its link stops working (read-write token)",
    response_model=PersonalInvitationOut,
    responses=_errors(403, 404),
)
def revoke_personal_invitation(
    request: Request, personal_id: PublicId, db: DbDep, who: WriterDep
) -> PersonalInvitationOut:
    now = request.app.state.clock()
    address = request.client.host[:64] if request.client else None
    if not invitations.revoke(db, who.org_id, personal_id, now, who.actor, address):
        raise ApiError(404, "not_found")
    _audited(request, db, who, personal_id)
    row = invitations.personal_row(db, who.org_id, personal_id, now)
    if row is None:  # deleted meanwhile (its cohort or person)
        raise ApiError(404, "not_found")
    return _personal(row)


def _person(p: Person) -> dict[str, Any]:
    return {
        "id": p.id,
        "email": p.email,
        "name": p.name,
        "department": p.department,
        "level": p.level,
        "lang": p.lang,
        "manager_email": p.manager_email,
        "created_at": _iso(p.created_at),
    }


@router.get("/people", summary="The organisation's people, by name")
def list_people(request: Request, db: DbDep, who: CallerDep, page: Page = 1, limit: Limit = 50) -> dict[str, Any]:
    found = people.list_people(db, who.org_id, limit=limit, offset=(page - 1) * limit)
    _audited(request, db, who)
    return _paged([_person(p) for p in found.people], page, limit, found.total)


@router.post(
    "/people",
    status_code=201,
    summary="Add a person (read-write token)",
    responses=_errors(409) | WITH_BODY,
    openapi_extra=_body(PersonIn),
)
async def create_person(request: Request, db: DbDep, who: WriterDep) -> dict[str, Any]:
    data = _valid(PersonIn, await _json_body(request))
    raw = {k: v for k, v in data.model_dump().items() if v is not None}
    try:
        person = people.add_person(db, who.org_id, raw, request.app.state.clock())
    except people.PeopleError as err:
        if err.code == "exists":
            raise ApiError(409, "exists", err.field) from err
        raise ApiError(422, "invalid", err.field) from err
    _audited(request, db, who, person.id)
    return _person(person)


@router.get(
    "/cohorts/{cohort_id}/results",
    summary="Finished results of the people who chose to be identified (aggregate-only people never appear)",
    responses=_errors(404),
)
def identified_results(
    request: Request, cohort_id: PublicId, bank: BankDep, db: DbDep, who: CallerDep
) -> dict[str, Any]:
    _found_cohort(db, who, cohort_id)
    rows = hr.identified_rows(db, bank, who.org_id, cohort_id)
    _audited(request, db, who, cohort_id)  # identified data read: in the log like the export
    return {"items": rows}


@router.get(
    "/cohorts/{cohort_id}/aggregates",
    summary="A cohort's aggregates: suppressed below 5 people, refused when filters would single someone out",
    responses=_errors(404),
)
def aggregates(
    request: Request,
    cohort_id: PublicId,
    bank: BankDep,
    db: DbDep,
    who: CallerDep,
    department: Annotated[str | None, Query(max_length=100)] = None,
    level: Annotated[str | None, Query(max_length=100)] = None,
    current_role: Annotated[str | None, Query(max_length=16)] = None,
) -> dict[str, Any]:
    _found_cohort(db, who, cohort_id)
    filters = hr.Filters(department=department, level=level, current_role=current_role)
    try:
        board = hr.dashboard(db, bank, who.org_id, cohort_id, filters)
    except hr.HrError as err:
        raise ApiError(404, "not_found") from err
    out = asdict(board)
    out.pop("options", None)
    out.pop("candidates", None)  # names: the identified results answer those, for consented people only
    _audited(request, db, who, cohort_id)
    return out


def _valid(schema: type[BaseModel], payload: Any) -> Any:
    if not isinstance(payload, dict):
        raise ApiError(422, "invalid")
    try:
        return schema.model_validate(payload)
    except ValidationError as err:
        where = err.errors()[0].get("loc", ()) if err.errors() else ()
        raise ApiError(422, "invalid", str(where[0]) if where else "") from err


def _link(request: Request, token: str) -> str:
    return str(request.base_url).rstrip("/") + f"/join/{token}"
