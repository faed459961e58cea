"""Taking the quiz in the browser: start, one question at a time (htmx or plain forms), review, finish, resume."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import parse_qsl

from fastapi import APIRouter, Form, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from app import auth
from app.db import Database
from app.i18n import LANGS, fmt_wait, normalise
from app.inputs import Line, clean_line, parse_int
from app.messages import message
from app.routes.deferred import DeferredRoute
from app.services import duration, forms, quiz
from app.templating import is_htmx, render, render_fragment
from app.tokens import normalise_resume_code
from app.web import (
    BankDep,
    CsrfDep,
    DbDep,
    NotFound,
    QuizCookie,
    SettingsDep,
    check_csrf,
    current_assessment,
    read_quiz_cookie,
    set_lang_cookie,
    set_quiz_cookie,
)
from scoring import AnswerError
from scoring.model import ROLES, AnswerValue, Bank

router = APIRouter(include_in_schema=False, route_class=DeferredRoute)
SKIP = "skip"


def _redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def _start_context(
    request: Request,
    bank: Bank,
    db: Database,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
) -> dict[str, object]:
    role_q = next(c for c in bank.context if c.field == "current_role")
    years_q = next(c for c in bank.context if c.field == "years_experience")
    # the time each form takes in the page's language (the median of real completions of that form, once enough)
    minutes = {form: duration.estimate(db, bank, request.state.lang, form).minutes for form in forms.FORMS}
    return {"role_q": role_q, "years_q": years_q, "errors": errors or {}, "values": values or {}, "minutes": minutes}


@router.get("/start", response_class=HTMLResponse)
async def start_form(request: Request, bank: BankDep, db: DbDep) -> HTMLResponse:
    return render(request, "start.html", _start_context(request, bank, db))


@router.post("/start", dependencies=[CsrfDep])
async def start(
    request: Request,
    bank: BankDep,
    db: DbDep,
    settings: SettingsDep,
    lang: Annotated[Line, Form(max_length=16)] = "",
    current_role: Annotated[Line, Form(max_length=16)] = "",
    years_experience: Annotated[Line, Form(max_length=8)] = "",
    form: Annotated[Line, Form(max_length=16)] = "",
) -> Response:
    chosen_lang = normalise(lang) if lang else request.state.lang
    values = {"lang": lang, "current_role": current_role, "years_experience": years_experience, "form": form}
    errors: dict[str, str] = {}
    if chosen_lang not in LANGS:
        errors["lang"] = message("bad_lang", request.state.lang)
    if current_role not in ROLES:
        errors["current_role"] = message("bad_role", request.state.lang)
    years = years_experience or None
    allowed = {o.id for c in bank.context if c.field == "years_experience" for o in c.options}
    if years is not None and years not in allowed:
        errors["years_experience"] = message("bad_years", request.state.lang)
    chosen_form = form or forms.FULL
    if chosen_form not in forms.FORMS:
        errors["form"] = message("invalid", request.state.lang)
    if errors:
        return render(request, "start.html", _start_context(request, bank, db, errors, values), status_code=422)
    assert chosen_lang is not None
    started = quiz.start(db, bank, lang=chosen_lang, current_role=current_role, years=years, form=chosen_form)
    response = _redirect("/quiz/1")
    set_quiz_cookie(
        request, response, QuizCookie(started.assessment.id, started.owner_token, started.resume_code), settings
    )
    set_lang_cookie(request, response, chosen_lang)
    return response


@router.get("/quiz")
async def resume_point(request: Request, bank: BankDep, db: DbDep) -> RedirectResponse:
    mine = current_assessment(request, db)
    if mine is None:
        return _redirect("/start")
    if mine[0].form != forms.FULL:
        answers = quiz.answers_of(db, bank, mine[0].id)
        number = forms.resume_number(quiz.progress_of(db, bank, mine[0], answers), answers)
        return _redirect("/quiz/review" if number is None else f"/quiz/{number}")
    total = len(quiz.question_order(bank))
    position = mine[0].position
    return _redirect("/quiz/review" if position >= total else f"/quiz/{position + 1}")


def _question_page(
    request: Request,
    bank: Bank,
    db: Database,
    number: int,
    cookie: QuizCookie,
    status_code: int = 200,
    error: str | None = None,
    answers: dict[str, AnswerValue] | None = None,
    progress: forms.Progress | None = None,
) -> HTMLResponse:
    if answers is None:
        answers = quiz.answers_of(db, bank, cookie.assessment_id)
    if progress is None:
        progress = _progress(bank, db, cookie.assessment_id, answers)
    order = progress.order
    item = bank.item(order[number - 1])
    answered, current = item.id in answers, answers.get(item.id)
    options = quiz.option_order(cookie.assessment_id, item)
    first_skill = len(order) - len(bank.proficiency_items)
    stopped = (progress.asked, progress.orientation_total) if progress.stopped and number - 1 == first_skill else None
    shared = {
        "item": item,
        "options": options,
        "number": number,
        "total": len(order) if progress.stopped or progress.form == forms.FULL else len(quiz.question_order(bank)),
        "answered": answered,
        "current": current,
        "section": "skills" if item.kind == "proficiency" else "orientation",
        "first_skill": number - 1 == first_skill,
        "stopped": stopped,
        "error": error,
    }
    personal: dict[str, str | int] = {
        "answered_count": sum(1 for i in order if i in answers),
        "resume_code": cookie.resume_code,
    }
    if error is None:
        # the fragment is the same for everyone at this question with this answer given, but for the
        # personal values: cached
        key = ("question", number, item.id, shared["total"], stopped, answered, current, tuple(o.id for o in options))
        return render_fragment(request, "question.html", "quiz", key, shared, personal, status_code=status_code)
    return render(request, "question.html", {**shared, **personal}, block="quiz", status_code=status_code)


@router.get("/quiz/review", response_class=HTMLResponse)
async def review(request: Request, bank: BankDep, db: DbDep) -> Response:
    mine = current_assessment(request, db)
    if mine is None:
        return _redirect("/start")
    return _review_page(request, bank, db, mine[1])


def _progress(bank: Bank, db: Database, assessment_id: str, answers: dict[str, AnswerValue]) -> forms.Progress:
    """The order and state of this person's form, from the stored answers (and answer times) alone."""
    found = quiz.get(db, assessment_id)
    if found is None or found.form == forms.FULL:
        return forms.progress(bank, assessment_id, forms.FULL, answers)
    return quiz.progress_of(db, bank, found, answers)


def _review_page(
    request: Request,
    bank: Bank,
    db: Database,
    cookie: QuizCookie,
    answers: dict[str, AnswerValue] | None = None,
    progress: forms.Progress | None = None,
) -> HTMLResponse:
    if answers is None:
        answers = quiz.answers_of(db, bank, cookie.assessment_id)
    if progress is None:
        progress = _progress(bank, db, cookie.assessment_id, answers)
    order = progress.order
    missing = [n + 1 for n, i in enumerate(order) if i not in answers]
    skipped = [n + 1 for n, i in enumerate(order) if i in answers and answers[i] is None]
    context = {
        "total": len(order),
        "answered": len(order) - len(missing) - len(skipped),
        "missing": missing,
        "skipped": skipped,
        "resume_code": cookie.resume_code,
        "assessment_id": cookie.assessment_id,
        "stopped": (progress.asked, progress.orientation_total) if progress.stopped else None,
    }
    return render(request, "review.html", context, block="quiz")


@router.get("/quiz/{number:int}", response_class=HTMLResponse)
async def question(request: Request, number: int, bank: BankDep, db: DbDep) -> Response:
    mine = current_assessment(request, db)
    if mine is None:
        return _redirect("/start")
    answers = quiz.answers_of(db, bank, mine[0].id)
    progress = quiz.progress_of(db, bank, mine[0], answers)
    if not 1 <= number <= len(progress.order):
        raise NotFound
    return _question_page(request, bank, db, number, mine[1], answers=answers, progress=progress)


def _answer_fields(body: bytes) -> tuple[str, str]:
    """``item_id`` and ``value`` from the form: a missing, oversized or unclean field is a 422, like any form.

    The body is URL-encoded UTF-8 without control characters (``app.inputs.guard`` refused anything else
    before any route ran) and bounded by the body-size limit, so the standard library's parser reads it
    as Starlette's form parser would (the last of repeated names, ``+`` as a space), at a fraction of its
    cost on the busiest route.
    """
    form = dict(parse_qsl(body.decode("latin-1"), keep_blank_values=True))
    fields = {name: form.get(name) for name in ("item_id", "value")}
    for name, limit in (("item_id", 48), ("value", 16)):
        found = fields[name]
        if not isinstance(found, str) or len(found) > limit:
            raise RequestValidationError(
                [{"type": "value_error", "loc": ("body", name), "msg": "invalid", "input": None}]
            )
        try:
            clean_line(found)
        except ValueError as exc:
            raise RequestValidationError(
                [{"type": "control_characters", "loc": ("body", name), "msg": "invalid", "input": None}]
            ) from exc
    return str(fields["item_id"]), str(fields["value"])


async def answer(request: Request) -> Response:
    """The hot path (one request per answer): kept lean on purpose.

    A plain Starlette route (registered below: no FastAPI dependency resolution or parameter
    validation, as it has nothing for them to do) with no thread hand-off: the CSRF check and the form
    are read here, and the one short transaction (owner check, upsert, resume point, answers for the
    next page) and the fragment run on the event loop.
    """
    number: int = request.path_params["number"]
    body = await request.body()  # kept by the request: the CSRF check reads the token from it without htmx
    await check_csrf(request)
    item_id, value = _answer_fields(body)
    bank: Bank = request.app.state.bank
    db: Database = request.app.state.db
    cookie = read_quiz_cookie(request)
    if cookie is None:
        return _redirect("/start")
    order = quiz.question_order(bank)
    form, packed = await quiz.form_of_async(db, cookie.assessment_id)
    if packed and quiz.owned(db, cookie.assessment_id, cookie.secret) is not None:
        quiz.reopen(db, cookie.assessment_id)  # answered again after finishing: its answers become rows again
    if form not in (None, forms.FULL):
        order = _progress(bank, db, cookie.assessment_id, quiz.answers_of(db, bank, cookie.assessment_id)).order
    if not 1 <= number <= len(order) or order[number - 1] != item_id:
        raise NotFound
    item = bank.item(item_id)
    parsed: object
    if value == SKIP:
        parsed = None
    elif item.kind == "situational":
        parsed = value
    else:
        given = parse_int(value, 0, 99)  # ASCII digits only: "²" stays a string, refused as the wrong type
        parsed = value if given is None else given
    try:
        answers = await quiz.save_answer_owned_async(db, bank, cookie.assessment_id, cookie.secret, item_id, parsed)
    except AnswerError as err:
        if quiz.owned(db, cookie.assessment_id, cookie.secret) is None:
            return _redirect("/start")
        text = message(err.code, request.state.lang, item=number, **err.params)
        return _question_page(request, bank, db, number, cookie, status_code=422, error=text)
    if answers is None:
        return _redirect("/start")
    if form not in (None, forms.FULL):  # the adaptive form: the next question follows from the answers now
        progress = _progress(bank, db, cookie.assessment_id, answers)
        order = progress.order
    else:
        progress = forms.progress(bank, cookie.assessment_id, forms.FULL, answers)
    next_url = "/quiz/review" if number == len(order) else f"/quiz/{number + 1}"
    if is_htmx(request):
        if number == len(order):
            response = _review_page(request, bank, db, cookie, answers, progress)
        else:
            response = _question_page(request, bank, db, number + 1, cookie, answers=answers, progress=progress)
        response.headers["HX-Push-Url"] = next_url
        return response
    return _redirect(next_url)


# added to the app ahead of every router by create_app (see there)
answer_route = Route("/quiz/{number:int}", answer, methods=["POST"], include_in_schema=False)


@router.post("/quiz/continue", dependencies=[CsrfDep])
async def continue_full(request: Request, db: DbDep) -> Response:
    """The person chose the full form after the adaptive form stopped (from the quiz, the review or the result)."""
    mine = current_assessment(request, db)
    if mine is None:
        return _redirect("/start")
    forms.continue_full(db, mine[0].id)
    return _redirect("/quiz")


@router.post("/quiz/finish", dependencies=[CsrfDep])
async def finish(request: Request, bank: BankDep, db: DbDep) -> Response:
    mine = current_assessment(request, db)
    if mine is None:
        return _redirect("/start")
    quiz.finish(db, bank, mine[0], request.app.state.params)
    url = f"/result/{mine[0].id}"
    if is_htmx(request):
        return Response(status_code=204, headers={"HX-Redirect": url})
    return _redirect(url)


@router.get("/resume", response_class=HTMLResponse)
async def resume_form(request: Request, code: Annotated[Line, Query(max_length=100)] = "") -> HTMLResponse:
    return render(request, "resume.html", {"code": code[:40], "error": None})


@router.post("/resume", dependencies=[CsrfDep])
async def resume(
    request: Request,
    bank: BankDep,
    db: DbDep,
    settings: SettingsDep,
    code: Annotated[Line, Form(max_length=40)] = "",
) -> Response:
    now = request.app.state.clock()
    guesser = [(auth.throttle.RESUME, request.client.host if request.client else "unknown")]
    delay = auth.throttle.begin(db, guesser, now)
    if delay:
        error = message("resume_limited", request.state.lang, wait=fmt_wait(delay, request.state.lang))
        limited = render(request, "resume.html", {"code": code, "error": error}, status_code=429)
        limited.headers["Retry-After"] = str(delay)
        return limited
    found = quiz.by_resume_code(db, code)
    if found is None:
        error = message("bad_code", request.state.lang)
        return render(request, "resume.html", {"code": code, "error": error}, status_code=404)
    auth.throttle.succeeded(db, guesser, now)
    response = _redirect(f"/result/{found.id}" if found.finished_at else "/quiz")
    set_quiz_cookie(request, response, QuizCookie(found.id, "", normalise_resume_code(code)), settings)
    if found.locale in LANGS:
        set_lang_cookie(request, response, found.locale)
    return response
