"""HR: the organisation's people: the identified participants (a table with search, sort, filters and pages;
each one's page), the people list (analysts and owners), import from a file and add by hand (owners);
personal invitations of a cohort: preview, send by e-mail (or make links to copy without SMTP), revoke.

Import is two requests: the file (or pasted CSV) is checked and shown row by row, nothing written but the
file's checked rows (people.pack), kept on the server under an unguessable id (app/services/staged_imports.py);
"Import" posts that id and applies exactly what was previewed, without reading the file again.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse

from app import auth
from app.inputs import Line, PublicId, Text, parse_int
from app.mail import invitation as invitation_mail
from app.messages import message
from app.routes.deferred import DeferredRoute
from app.routes.hr import OwnerDep, UserDep, client_address
from app.services import hr, invitations, participants, people, progress, staged_imports, trends
from app.templating import render
from app.tokens import join_link
from app.web import BankDep, CsrfDep, DbDep, NotFound, SettingsDep

router = APIRouter(include_in_schema=False, route_class=DeferredRoute)
PAGE = 50


def _page(
    request: Request, db: Any, user: Any, search: str = "", offset: int = 0, sort: str = "", **extra: Any
) -> dict[str, Any]:
    key = sort.removeprefix("-")
    key = key if key in people.SORTS else "name"
    descending = sort.startswith("-") and key == sort[1:]
    listing = people.list_people(
        db, user.org_id, search=search, limit=PAGE, offset=offset, sort=key, descending=descending
    )
    context: dict[str, Any] = {
        "user": user,
        "listing": listing,
        "search": search,
        "sort": key,
        "descending": descending,
        "offset": offset,
        "page_size": PAGE,
        "preview": None,
        "staged": None,
        "error": None,
        "values": {},
        "done": None,
    }
    return context | extra


PREVIEW_ROWS = 200


def _describe_rows(preview: people.Preview, lang: str) -> list[dict[str, Any]]:
    """Every row with an error or merged into another, and the first 200 others (the counts say the rest)."""
    others = [r for r in preview.rows if r.action not in ("error", "merged")][:PREVIEW_ROWS]
    shown = sorted([r for r in preview.rows if r.action in ("error", "merged")] + others, key=lambda r: r.line)
    return [{"row": row, "errors": [people.describe(error, lang) for error in row.errors]} for row in shown]


@router.get("/hr/people", response_class=HTMLResponse)
def people_page(
    request: Request,
    db: DbDep,
    user: UserDep,
    q: Annotated[Line, Query(max_length=100)] = "",
    offset: Annotated[Line, Query(max_length=9)] = "",
    imported: Annotated[Line, Query(max_length=9)] = "",
    sort: Annotated[Line, Query(max_length=20)] = "",
) -> HTMLResponse:
    start = parse_int(offset, 0, 10**9) or 0  # a page link: anything but a number starts at the top
    done = parse_int(imported, 0, 10**9)
    context = _page(request, db, user, search=q, offset=start, sort=sort, done=done)  # an unknown sort: by name
    return render(request, "hr/people.html", context)


@router.post("/hr/people", dependencies=[CsrfDep])
def add_person(
    request: Request,
    db: DbDep,
    user: OwnerDep,
    name: Annotated[Line, Form(max_length=200)] = "",
    email: Annotated[Line, Form(max_length=254)] = "",
    department: Annotated[Line, Form(max_length=100)] = "",
    level: Annotated[Line, Form(max_length=100)] = "",
    lang: Annotated[Line, Form(max_length=20)] = "",
    manager_email: Annotated[Line, Form(max_length=254)] = "",
) -> Any:
    values = {
        "name": name,
        "email": email,
        "department": department,
        "level": level,
        "lang": lang,
        "manager_email": manager_email,
    }
    try:
        people.add_person(db, user.org_id, values, request.app.state.clock())
    except people.PeopleError as err:
        error = people.describe(err, request.state.lang)
        context = _page(request, db, user, error=error, values=values)
        return render(request, "hr/people.html", context, status_code=422)
    return RedirectResponse("/hr/people", status_code=303)


async def _read_upload(file: UploadFile | None, content: str) -> tuple[bytes, str]:
    if file is not None and file.filename:
        return await file.read(), file.filename
    return content.encode("utf-8"), "pasted.csv"


@router.post("/hr/people/import", dependencies=[CsrfDep])
async def import_preview(
    request: Request,
    db: DbDep,
    user: OwnerDep,
    file: Annotated[UploadFile | None, File()] = None,
    content: Annotated[Text, Form(max_length=1_000_000)] = "",
) -> HTMLResponse:
    data, filename = await _read_upload(file, content)
    lang = request.state.lang
    try:
        preview = people.preview(db, user.org_id, data, filename)
    except people.PeopleError as err:
        context = _page(request, db, user, error=people.describe(err, lang))
        return render(request, "hr/people.html", context, status_code=422)
    # the checked rows are kept, not the file: the apply does not read and check it again
    packed = people.pack(preview)
    staged = staged_imports.stage(db, user.org_id, user.id, packed, filename, request.app.state.clock())
    context = _page(request, db, user, preview=preview, rows=_describe_rows(preview, lang), staged=staged)
    return render(request, "hr/people.html", context)


@router.post("/hr/people/import/apply", dependencies=[CsrfDep])
def import_apply(
    request: Request,
    db: DbDep,
    user: OwnerDep,
    staged: Annotated[Line, Form(max_length=100)] = "",
) -> Any:
    lang, now = request.state.lang, request.app.state.clock()
    found = staged_imports.take(db, user.org_id, user.id, staged, now)
    if found is None:
        context = _page(request, db, user, error=message("import_expired", lang))
        return render(request, "hr/people.html", context, status_code=422)
    data, filename = found
    try:
        if people.is_packed(data):
            result = people.apply_checked(db, user.org_id, *people.unpack(data), now)
        else:  # a file staged before the checked rows were kept (an upgrade within the hour)
            result = people.apply(db, user.org_id, data, filename, now)
    except people.PeopleError as err:
        context = _page(request, db, user, error=people.describe(err, lang))
        return render(request, "hr/people.html", context, status_code=422)
    staged_imports.discard(db, staged)
    written = result.counts["new"] + result.counts["update"]
    return RedirectResponse(f"/hr/people?imported={written}", status_code=303)


# --- personal invitations of a cohort ------------------------------------------------------------------


def _invite_context(
    request: Request, db: Any, user: Any, cohort_id: str, settings: Any, **extra: Any
) -> dict[str, Any]:
    now = request.app.state.clock()
    cohort = hr.cohort_of(db, user.org_id, cohort_id)
    if cohort is None:
        raise NotFound
    context: dict[str, Any] = {
        "user": user,
        "cohort": cohort,
        "rows": invitations.status(db, user.org_id, cohort_id, now),
        "mail_configured": bool(settings.smtp_host),
        "plan": None,
        "sample": None,
        "links": None,
        "queued": None,
        "error": None,
    }
    return context | extra


@router.get("/hr/cohorts/{cohort_id}/personal", response_class=HTMLResponse)
def personal_invitations(
    request: Request,
    cohort_id: PublicId,
    db: DbDep,
    user: UserDep,
    settings: SettingsDep,
    queued: Annotated[Line, Query(max_length=9)] = "",
) -> Any:
    return render(
        request,
        "hr/invite.html",
        _invite_context(request, db, user, cohort_id, settings, queued=parse_int(queued, 0, 10**9)),
    )


@router.post("/hr/cohorts/{cohort_id}/personal/preview", dependencies=[CsrfDep])
def personal_preview(request: Request, cohort_id: PublicId, db: DbDep, user: OwnerDep, settings: SettingsDep) -> Any:
    now = request.app.state.clock()
    if hr.cohort_of(db, user.org_id, cohort_id) is None:
        raise NotFound
    try:
        planned = invitations.plan(db, user.org_id, cohort_id, now)
    except invitations.InvitationError as err:
        context = _invite_context(request, db, user, cohort_id, settings, error=message("closed", request.state.lang))
        return render(request, "hr/invite.html", context, status_code=409 if err.code == "closed" else 404)
    sample = None
    if planned.recipients:
        first = planned.recipients[0]
        link = join_link(settings.base_url, invitation_mail.SAMPLE_TOKEN, first.lang)
        sample = invitation_mail.invitation_mail(
            first, planned.organisation, user, link, planned.expires_at, settings.smtp_from
        )
    context = _invite_context(request, db, user, cohort_id, settings, plan=planned, sample=sample)
    return render(request, "hr/invite.html", context)


@router.post("/hr/cohorts/{cohort_id}/personal/send", dependencies=[CsrfDep])
def personal_send(request: Request, cohort_id: PublicId, db: DbDep, user: OwnerDep, settings: SettingsDep) -> Any:
    now = request.app.state.clock()
    if hr.cohort_of(db, user.org_id, cohort_id) is None:
        raise NotFound
    try:
        if settings.smtp_host:
            queued = invitations.send(db, user.org_id, cohort_id, user.id, now)
            return RedirectResponse(f"/hr/cohorts/{cohort_id}/personal?queued={queued}", status_code=303)
        links = invitations.create_links(db, user.org_id, cohort_id, user.id, now, str(request.base_url))
    except invitations.InvitationError as err:
        if err.code != "closed":
            raise NotFound from err
        context = _invite_context(request, db, user, cohort_id, settings, error=message("closed", request.state.lang))
        return render(request, "hr/invite.html", context, status_code=409)
    return render(request, "hr/invite.html", _invite_context(request, db, user, cohort_id, settings, links=links))


@router.post("/hr/personal-invitations/{personal_id}/revoke", dependencies=[CsrfDep])
def personal_revoke(request: Request, personal_id: PublicId, db: DbDep, user: OwnerDep) -> Any:
    cohort_id = invitations.cohort_of(db, user.org_id, personal_id)
    now, address = request.app.state.clock(), request.client.host[:64] if request.client else None
    if cohort_id is None or not invitations.revoke(db, user.org_id, personal_id, now, user.id, address):
        raise NotFound
    return RedirectResponse(f"/hr/cohorts/{cohort_id}/personal", status_code=303)


# --- identified participants: the table and each one's page ---------------------------------------------


@router.get("/hr/participants", response_class=HTMLResponse)
def participants_page(
    request: Request,
    db: DbDep,
    user: UserDep,
    q: Annotated[Line, Query(max_length=100)] = "",
    cohort: Annotated[Line, Query(max_length=32)] = "",
    department: Annotated[Line, Query(max_length=100)] = "",
    level: Annotated[Line, Query(max_length=100)] = "",
    status: Annotated[Line, Query(max_length=20)] = "",
    call: Annotated[Line, Query(max_length=20)] = "",
    sort: Annotated[Line, Query(max_length=20)] = "",
    offset: Annotated[Line, Query(max_length=9)] = "",
) -> HTMLResponse:
    key = sort.removeprefix("-") or "name"
    refused = (
        (status and status not in participants.STATUSES)
        or (call and call not in participants.CALLS)
        or key not in participants.SORTS
    )
    query = participants.Query(
        search=q,
        cohort=cohort or None,
        department=department or None,
        level=level or None,
        status=None if refused else status or None,
        call=None if refused else call or None,
        sort="name" if refused else key,
        descending=not refused and sort.startswith("-"),
        offset=parse_int(offset, 0, 10**6) or 0,
    )
    listing = participants.listing(db, user.org_id, query)
    context = {"user": user, "listing": listing, "page_size": participants.PAGE, "refused": bool(refused)}
    return render(request, "hr/participants.html", context, block="table", status_code=422 if refused else 200)


@router.get("/hr/participants/{participation_id}", response_class=HTMLResponse)
def participant_page(
    request: Request, participation_id: PublicId, bank: BankDep, db: DbDep, user: UserDep
) -> HTMLResponse:
    found = participants.profile(db, bank, user.org_id, participation_id)
    if found is None:
        raise NotFound  # aggregate-only, withdrawn, another organisation's or unknown: the same 404
    # an identified person's result read: in the organisation's audit log (who, whom, from where)
    auth.audit(db, user.org_id, user.id, "participant.view", participation_id, client_address(request))
    ticked = progress.for_participant(db, bank, user.org_id, participation_id, request.state.lang)
    return render(request, "hr/participant.html", {"user": user, "person": found, "progress": ticked})


@router.get("/hr/compare", response_class=HTMLResponse)
def compare_page(
    request: Request,
    db: DbDep,
    user: UserDep,
    a: Annotated[Line, Query(max_length=32)] = "",
    b: Annotated[Line, Query(max_length=32)] = "",
) -> HTMLResponse:
    found = trends.compare(db, user.org_id, a or None, b or None)
    if found is None:
        raise NotFound  # a cohort of another organisation, or none at all
    cohorts = trends.cohort_choices(db, user.org_id)
    context = {"user": user, "comparison": found, "a": a, "b": b, "cohorts": cohorts, "K": hr.K}
    return render(request, "hr/compare.html", context, block="comparison")


@router.post("/hr/personal-invitations/{personal_id}/retry", dependencies=[CsrfDep])
def personal_retry(request: Request, personal_id: PublicId, db: DbDep, user: OwnerDep) -> Any:
    """A mail that was not delivered: try again now (the error stays on the page until it goes out)."""
    cohort_id = invitations.cohort_of(db, user.org_id, personal_id)
    if cohort_id is None:
        raise NotFound
    invitations.retry(db, user.org_id, personal_id)
    return RedirectResponse(f"/hr/cohorts/{cohort_id}/personal", status_code=303)
