"""The result page (owner only), share links, the PDF report, and "delete my data"."""

from __future__ import annotations

import json
from typing import Annotated, Any

import anyio.to_thread
from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app import cards, reports
from app.db import Database
from app.inputs import Line, PublicId, Token, parse_int
from app.messages import message
from app.models import Assessment, ResultSnapshot
from app.routes import checkin_mail, manager
from app.routes.api import personal_export
from app.routes.deferred import DeferredRoute
from app.security import is_https
from app.services import hr, labels, norms, personal_data, progress, quiz, results, retake, sharing
from app.templating import is_htmx, labels_for, render
from app.web import BankDep, CsrfDep, DbDep, NotFound, clear_quiz_cookie, current_assessment
from scoring.model import Bank

router = APIRouter(include_in_schema=False, route_class=DeferredRoute)
NEW_SHARE_COOKIE = "rolefit_new_share"


def _owned(request: Request, db: Database, assessment_id: str) -> Assessment:
    mine = current_assessment(request, db)
    if mine is None or mine[0].id != assessment_id:
        raise NotFound
    return mine[0]


def _page(
    request: Request, bank: Bank, db: Database, assessment: Assessment, snapshot: ResultSnapshot | None = None
) -> results.ResultPage:
    snapshot = snapshot or quiz.result_of(db, assessment.id)
    if snapshot is None:
        raise NotFound
    track = request.query_params.get("plan")
    values = quiz.answers_of(db, bank, assessment.id)
    return results.build(
        bank,
        snapshot,
        values,
        lang=request.state.lang,
        current_role=assessment.current_role,
        target="am" if track == "am" else "pm" if track == "pm" else None,
    )


def share_url(request: Request, token: str) -> str:
    return str(request.base_url).rstrip("/") + f"/s/{token}"


def _share_context(request: Request, db: Database, assessment: Assessment, token: str | None = None) -> dict[str, Any]:
    now = request.app.state.clock()
    new_share = None
    if token:
        url = share_url(request, token)
        new_share = {"url": url, "qr": reports.qr_data_uri(url)}
    return {"share_links": sharing.live_links(db, assessment.id, now), "new_share": new_share, "share_error": None}


@router.get("/result/{assessment_id}", response_class=HTMLResponse)
async def result_page(request: Request, assessment_id: PublicId, bank: BankDep, db: DbDep) -> HTMLResponse:
    assessment = _owned(request, db, assessment_id)
    snapshot = quiz.result_of(db, assessment.id)  # read once: the page and the form it came from
    page = _page(request, bank, db, assessment, snapshot)
    mine = current_assessment(request, db)
    token = request.cookies.get(NEW_SHARE_COOKIE)
    scores = {d.id: d.exact for d in page.dimensions if d.sufficient}
    min_n = request.app.state.settings.compare_min_n
    context = {
        "page": page,
        "form": snapshot.form if snapshot is not None else "full",
        "adaptive": (snapshot.data.get("adaptive") if snapshot is not None else None) or {},
        "resume_code": mine[1].resume_code if mine else "",
        "memberships": hr.memberships(db, assessment.id),
        "comparison": norms.compare(db, page.bank_version, assessment.locale, scores, min_n),
        "since_last": snapshot and retake.since_last(db, bank, assessment, snapshot, request.state.lang),
        "progress": progress.for_owner(db, bank, assessment, request.state.lang, page.plan.target, snapshot),
        "progress_editable": True,
        "progress_target": page.plan.target if page.plan.chosen_by == "person" else "",
    }
    context |= _share_context(request, db, assessment, token if token and len(token) < 100 else None)
    context |= manager.manager_context(request, bank, db, page)
    context |= checkin_mail.context(db, assessment.id)
    response = render(request, "result.html", context, block="plan")
    if token:
        response.delete_cookie(NEW_SHARE_COOKIE, path=f"/result/{assessment_id}")
    manager.forget_new_link(request, response, assessment_id)
    return response


@router.get("/result/{assessment_id}/report.pdf")
def result_pdf(request: Request, assessment_id: PublicId, bank: BankDep, db: DbDep) -> Response:
    assessment = _owned(request, db, assessment_id)
    snapshot = quiz.result_of(db, assessment.id)
    page = _page(request, bank, db, assessment, snapshot)
    extra = {
        "since_last": snapshot and retake.since_last(db, bank, assessment, snapshot, request.state.lang),
        "progress": progress.for_owner(db, bank, assessment, request.state.lang, page.plan.target, snapshot),
    } | manager.pdf_context(request, bank, db, page)
    pdf = reports.render_pdf(request, page, shared=False, extra=extra)
    return reports.pdf_response(pdf, f"rolefit-{page.scored_at:%Y-%m-%d}.pdf")


def _share_panel(
    request: Request, bank: Bank, db: Database, assessment: Assessment, *, status_code: int = 200, **extra: Any
) -> HTMLResponse:
    page = _page(request, bank, db, assessment)
    context = {"page": page, "resume_code": ""} | _share_context(request, db, assessment) | extra
    return render(request, "result.html", context, block="share", status_code=status_code)


@router.post("/result/{assessment_id}/shares", dependencies=[CsrfDep])
async def create_share(
    request: Request,
    assessment_id: PublicId,
    bank: BankDep,
    db: DbDep,
    scope: Annotated[Line, Form(max_length=20)] = "recommendation",
    days: Annotated[Line, Form(max_length=4)] = "7",
) -> Response:
    assessment = _owned(request, db, assessment_id)
    number = parse_int(days, 0, 9999)  # the service says which numbers of days are allowed
    try:
        created = sharing.create(db, assessment.id, scope, -1 if number is None else number, request.app.state.clock())
    except sharing.ShareError as err:
        error = message(err.code, request.state.lang)
        if is_htmx(request):
            return _share_panel(request, bank, db, assessment, share_error=error, status_code=422)
        page = _page(request, bank, db, assessment)
        context = {"page": page, "resume_code": ""} | _share_context(request, db, assessment) | {"share_error": error}
        return render(request, "result.html", context, status_code=422)
    if is_htmx(request):
        url = share_url(request, created.token)
        return _share_panel(request, bank, db, assessment, new_share={"url": url, "qr": reports.qr_data_uri(url)})
    response = RedirectResponse(f"/result/{assessment.id}#share", status_code=303)
    # shown once on the next page; the database keeps only the hash
    response.set_cookie(
        NEW_SHARE_COOKIE,
        created.token,
        max_age=300,
        path=f"/result/{assessment.id}",
        httponly=True,
        samesite="strict",
        secure=is_https(request),
    )
    return response


@router.post("/result/{assessment_id}/shares/{share_id}/revoke", dependencies=[CsrfDep])
async def revoke_share(
    request: Request, assessment_id: PublicId, share_id: PublicId, bank: BankDep, db: DbDep
) -> Response:
    assessment = _owned(request, db, assessment_id)
    if not sharing.revoke(db, assessment.id, share_id, request.app.state.clock()):
        raise NotFound
    if is_htmx(request):
        return _share_panel(request, bank, db, assessment)
    return RedirectResponse(f"/result/{assessment.id}#share", status_code=303)


SHARED_HEADERS = {
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "X-Robots-Tag": "noindex, nofollow",
}


def _shared(
    request: Request, bank: Bank, db: Database, token: str, *, count_view: bool
) -> tuple[results.ResultPage, str, dict[str, Any]]:
    found = sharing.resolve(db, token, request.app.state.clock(), count_view=count_view)
    if found is None:
        raise NotFound
    link, assessment = found
    request.state.role_labels = labels.for_assessment(db, assessment.id, request.state.lang)
    snapshot = quiz.result_of(db, assessment.id)
    if snapshot is None:
        raise NotFound
    page = results.build(bank, snapshot, {}, lang=request.state.lang, current_role=assessment.current_role, shared=True)
    return page, link.scope, _shared_extras(db, bank, request, assessment, snapshot, link.scope)


def _shared_extras(
    db: Database, bank: Bank, request: Request, assessment: Assessment, snapshot: ResultSnapshot, scope: str
) -> dict[str, Any]:
    """What only a "full" link shares besides the result: the change since the last result (scores and
    skill levels) and the plan's progress (never the notes)."""
    if scope != "full":
        return {"since_last": None, "progress": None}
    found = progress.for_owner(db, bank, assessment, request.state.lang)
    return {
        "since_last": retake.since_last(db, bank, assessment, snapshot, request.state.lang),
        "progress": found.without_notes() if found is not None else None,
    }


@router.get("/s/{token}", response_class=HTMLResponse)
async def shared_page(request: Request, token: Token, bank: BankDep, db: DbDep) -> HTMLResponse:
    # a view is a page load by a browser, not a link preview's prefetch of the same address
    prefetch = request.headers.get("sec-purpose", "").startswith("prefetch") or request.method == "HEAD"
    page, scope, extras = _shared(request, bank, db, token, count_view=not prefetch)
    title = reports.og_title(request, page)
    context = {
        "page": page,
        "scope": scope,
        "og_title": title,
        "og_image": share_url(request, token) + "/card.png",
        "pdf_url": f"/s/{token}/report.pdf",
    } | extras
    return render(request, "shared.html", context, headers=SHARED_HEADERS)


@router.get("/s/{token}/card.png")
def shared_card(request: Request, token: Token, bank: BankDep, db: DbDep) -> Response:
    """The link preview's picture: the recommendation, and the dimension bars only when the link shares them."""
    page, scope, _ = _shared(request, bank, db, token, count_view=False)
    labels = labels_for(request, getattr(request.state, "role_labels", None))
    bars = tuple((d.name, d.score) for d in page.dimensions) if scope == "full" else ()
    png = cards.share_card(
        request.state.lang,
        reports.og_title(request, page),
        reports.og_description(request),
        bars,
        (labels.delivery_short, labels.account_short) if bars else ("", ""),
    )
    return Response(png, media_type="image/png", headers=SHARED_HEADERS)


@router.get("/s/{token}/report.pdf")
def shared_pdf(request: Request, token: Token, bank: BankDep, db: DbDep) -> Response:
    page, scope, extras = _shared(request, bank, db, token, count_view=False)
    if scope != "full":
        raise NotFound
    pdf = reports.render_pdf(request, page, shared=True, extra=extras)
    return reports.pdf_response(pdf, f"rolefit-{page.scored_at:%Y-%m-%d}.pdf", SHARED_HEADERS)


@router.post("/result/{assessment_id}/withdraw/{participation_id}", dependencies=[CsrfDep])
async def withdraw(
    request: Request, assessment_id: PublicId, participation_id: PublicId, db: DbDep
) -> RedirectResponse:
    """Leave a cohort: HR loses this person's data at once (the participation row is deleted)."""
    assessment = _owned(request, db, assessment_id)
    # in a thread: an erasure ends with a WAL checkpoint that may wait for readers (up to 1 s)
    if not await anyio.to_thread.run_sync(hr.withdraw, db, assessment.id, participation_id):
        raise NotFound
    return RedirectResponse(f"/result/{assessment.id}#cohorts", status_code=303)


@router.post("/result/{assessment_id}/delete", dependencies=[CsrfDep])
async def delete_my_data(request: Request, assessment_id: PublicId, db: DbDep) -> RedirectResponse:
    assessment = _owned(request, db, assessment_id)
    await anyio.to_thread.run_sync(quiz.delete_assessment, db, assessment.id)  # as withdraw: off the event loop
    response = RedirectResponse("/?deleted=1", status_code=303)
    clear_quiz_cookie(request, response)
    return response


@router.get("/result/{assessment_id}/my-data", response_class=HTMLResponse)
def my_data_page(request: Request, assessment_id: PublicId, bank: BankDep, db: DbDep) -> HTMLResponse:
    """The same document as the JSON download, readable (GDPR art. 15): each answer in the words the person
    saw, the result, the cohorts and what they consented to, the share links, the plan's progress."""
    assessment = _owned(request, db, assessment_id)
    data = personal_export(request, bank, db, assessment.id)
    lang = request.state.lang
    answers = [a | {"label": personal_data.answer_label(bank, a["item_id"], a["value"], lang)} for a in data["answers"]]
    known = {action.id: action for action in bank.actions}
    ticked = [
        t | {"title": known[t["action_id"]].title[lang] if t["action_id"] in known else t["action_id"]}
        for t in data["plan_progress"]
    ]
    context = {"data": data, "answers": answers, "ticked": ticked, "assessment_id": assessment.id}
    return render(request, "my_data.html", context, headers=SHARED_HEADERS)


@router.get("/result/{assessment_id}/export.json")
def download_my_data(request: Request, assessment_id: PublicId, bank: BankDep, db: DbDep) -> Response:
    """Everything rolefit holds about this result, as JSON (the same document as the API's export)."""
    assessment = _owned(request, db, assessment_id)
    body = json.dumps(personal_export(request, bank, db, assessment.id), ensure_ascii=False, indent=2)
    return Response(
        body,
        media_type="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="rolefit-{assessment.id}.json"',
            "Cache-Control": "no-store",
        },
    )
