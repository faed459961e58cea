"""JSON API ``/api/v1``: what the pages do, for other clients. Owner token as ``Authorization: Bearer``."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Annotated, Any, Literal, cast

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.encoders import jsonable_encoder
from fastapi.openapi.models import OpenAPI
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from pydantic.config import JsonDict
from pydantic.json_schema import GenerateJsonSchema

from app.i18n import LANGS, normalise
from app.inputs import InputError, ItemId, PublicId, parse_json
from app.messages import message
from app.models import Assessment
from app.routes.deferred import DeferredRoute
from app.services import checkin_mail, forms, manager_view, personal_data, quiz, sharing
from app.templating import labels_for
from app.web import BankDep, DbDep, NotFound
from scoring import AnswerError, plan
from scoring.labels import fill_all
from scoring.model import ROLES, Answers, Bank, Item
from scoring.sensitivity import levers, reproduces
from scoring.serialize import plan_to_dict, result_from_dict, result_to_dict

Lang = Literal["en", "zh-Hans", "vi"]
assert set(LANGS) == {"en", "zh-Hans", "vi"}, "the documented languages are the served ones"


async def api_lang(
    lang: Annotated[Lang | None, Query(description="the language of texts and error messages")] = None,
) -> None:
    """Documents and checks ``?lang=`` on every API route (the Language middleware has applied it)."""


class ErrorDetail(BaseModel):
    code: str = Field(description="a stable, machine-readable code, e.g. unknown_item, malformed_json")
    field: str = Field(description="the field or item the error is about; empty when it is about the request")
    message: str = Field(description="for people, in the request's language")


class ErrorOut(BaseModel):
    """Every 4xx answer of the API."""

    error: ErrorDetail


def _errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    what = {
        400: "the body is not UTF-8 JSON, is nested more than 32 levels, or the address has control characters",
        404: "no such assessment or link, or the owner token does not match it",
        405: "method not allowed (the Allow header lists the methods)",
        413: "the body is larger than the limit",
        414: "the address is too long",
        415: "the body is not JSON",
        422: "a field or parameter is invalid; error.code and error.field say which",
    }
    return {status: error_response_doc(what[status]) for status in statuses}


ERROR_REF = "#/components/schemas/ErrorOut"


def error_response_doc(description: str) -> dict[str, Any]:
    """One documented 4xx answer with the :class:`ErrorOut` body.

    By reference rather than ``"model": ErrorOut``: FastAPI builds a pydantic field for every model response
    of every route (about 130 here, a tenth of the import of the app); :func:`with_error_schemas` adds the
    two schemas the references name, so the OpenAPI document stays the same.
    """
    return {"description": description, "content": {"application/json": {"schema": {"$ref": ERROR_REF}}}}


def with_error_schemas(spec: dict[str, Any]) -> dict[str, Any]:
    """``spec`` (FastAPI's document) with ErrorOut and ErrorDetail among its components, made the way FastAPI
    makes the schemas of a model response (the same generator, then the document validated and encoded)."""
    schemas = spec.get("components", {}).get("schemas", {})
    if "ErrorOut" in schemas:
        return spec
    generator = GenerateJsonSchema(ref_template="#/components/schemas/{model}")
    _, definitions = generator.generate_definitions([("ErrorOut", "serialization", ErrorOut.__pydantic_core_schema__)])
    schemas = {**schemas, **definitions}
    spec = {**spec, "components": {**spec.get("components", {}), "schemas": dict(sorted(schemas.items()))}}
    return cast(dict[str, Any], jsonable_encoder(OpenAPI(**spec), by_alias=True, exclude_none=True))


router = APIRouter(
    prefix="/api/v1",
    tags=["api"],
    dependencies=[Depends(api_lang)],
    responses=_errors(400, 405, 414, 422),
    route_class=DeferredRoute,
)
WITH_BODY = _errors(413, 415)

AnswerValueSchema = int | str | None
_BY_ID = {"assessment_id": "$response.body#/id"}
# what a client does next with a new assessment (send its owner_token as the Bearer token); schemathesis follows them
CREATED_LINKS = {
    "ReadAssessment": {"operationId": "read_api_v1_assessments__assessment_id__get", "parameters": _BY_ID},
    "SaveAnswer": {
        "operationId": "put_answer_api_v1_assessments__assessment_id__answers__item_id__put",
        "parameters": _BY_ID,
    },
    "Finish": {"operationId": "finish_api_v1_assessments__assessment_id__finish_post", "parameters": _BY_ID},
    "CreateShare": {
        "operationId": "create_share_api_v1_assessments__assessment_id__shares_post",
        "parameters": _BY_ID,
    },
    "Erase": {"operationId": "erase_api_v1_assessments__assessment_id__delete", "parameters": _BY_ID},
}
ROLE_ENUM: JsonDict = {"enum": [*ROLES]}


class AssessmentIn(BaseModel):
    """The same format as ``rolefit score``; any subset of the items may be answered."""

    lang: Lang = Field("en", description="en, zh-Hans or vi")
    current_role: str = Field(description="am, pm, engineer, sales, other or student", json_schema_extra=ROLE_ENUM)
    years_experience: str | None = Field(None, description="0-1, 1-3, 3-5, 5-10 or 10+")
    answers: dict[str, AnswerValueSchema] = Field(
        default_factory=dict,
        description="item id -> 1-5 (likert, proficiency), 1-4 (paired), option id (situational), null = skip",
    )
    form: Literal["full", "adaptive"] = Field(
        "full", description="full (every question) or adaptive (GET .../next serves the questions; stops once settled)"
    )


class AnswerIn(BaseModel):
    value: AnswerValueSchema = Field(description="the answer; null = prefer not to answer")


class AssessmentCreated(BaseModel):
    id: str
    owner_token: str = Field(description="keep it: the only way to read, continue or delete this assessment")
    resume_code: str
    result: dict[str, Any]


class AssessmentOut(BaseModel):
    id: str
    status: str = Field(description="in_progress or finished")
    lang: str
    current_role: str
    answered: int
    total: int
    result: dict[str, Any] | None
    plan: dict[str, Any] | None
    what_would_change: list[dict[str, Any]] | None = Field(
        default=None,
        description="the answers that moved the overall orientation most, each re-scored neutral and opposite: "
        "change is same, less_sure (a clear call would become HYBRID), flip (the other track) or call "
        "(a HYBRID would become a clear call); a NOCALL stays NOCALL",
    )


class ApiError(Exception):
    def __init__(self, status: int, code: str, field: str = "", **params: Any) -> None:
        self.status, self.code, self.field, self.params = status, code, field, params


def error_response(lang: str, status: int, code: str, field: str = "", **params: Any) -> JSONResponse:
    body = {"error": {"code": code, "field": field, "message": message(code, lang, item=field, **params)}}
    return JSONResponse(body, status_code=status, headers={"Cache-Control": "no-store"})


async def _json_body(request: Request) -> Any:
    """The body through the input boundary: UTF-8 JSON, bounded depth and numbers, clean strings."""
    try:
        return parse_json(await request.body())
    except InputError as err:
        raise ApiError(err.status, err.code, err.field) from err


def _bearer(request: Request) -> str | None:
    auth = request.headers.get("authorization", "")
    scheme, _, token = auth.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def _owned(request: Request, db: DbDep, assessment_id: str) -> Assessment:
    found = quiz.owned_by_token(db, assessment_id, _bearer(request))
    if found is None:
        raise NotFound
    return found


def _served_item(item: Item, bank: Bank, lang: str, assessment_id: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"id": item.id, "kind": item.kind, "text": item.text[lang]}
    if item.kind in ("likert", "check"):
        out["options"] = [{"value": n + 1, "label": label[lang]} for n, label in enumerate(bank.scales["likert"])]
    elif item.kind == "paired":
        assert item.a is not None and item.b is not None
        out["a"], out["b"] = item.a.text[lang], item.b.text[lang]
        out["options"] = [{"value": n + 1, "label": label[lang]} for n, label in enumerate(bank.scales["paired"])]
    elif item.kind == "situational":
        options = item.options if assessment_id is None else quiz.option_order(assessment_id, item)
        out["options"] = [{"value": o.id, "label": o.text[lang]} for o in options]
    else:
        out["skill"] = item.skill
        out["options"] = [{"value": n + 1, "label": a[lang]} for n, a in enumerate(item.anchors)]
    return out


@router.get("/questions", summary="The question bank as served, in one language (no keys or weights)")
def questions(request: Request, bank: BankDep) -> dict[str, Any]:
    lang = request.state.lang
    served: dict[str, Any] = fill_all(_questions(bank, lang), labels_for(request))
    return served


def _questions(bank: Bank, lang: str) -> dict[str, Any]:
    return {
        "bank_version": bank.version,
        "lang": lang,
        "skip_label": bank.skip_label[lang],
        "context": [
            {
                "id": c.id,
                "field": c.field,
                "required": c.required,
                "text": c.text[lang],
                "options": [{"value": o.id, "label": o.text[lang]} for o in c.options],
            }
            for c in bank.context
        ],
        "items": [_served_item(bank.item(i), bank, lang) for i in quiz.question_order(bank)],
    }


@router.post(
    "/assessments",
    status_code=201,
    response_model=AssessmentCreated,
    summary="Create and score an assessment in one call (partial answers allowed)",
    responses=WITH_BODY | {201: {"description": "created and scored", "links": CREATED_LINKS}},
    openapi_extra={
        "requestBody": {"required": True, "content": {"application/json": {"schema": AssessmentIn.model_json_schema()}}}
    },
)
async def create(request: Request, bank: BankDep, db: DbDep) -> Any:
    payload = await _json_body(request)
    if isinstance(payload, dict):
        request.state.lang = (
            normalise(payload.get("lang") if isinstance(payload.get("lang"), str) else None) or request.state.lang
        )
    try:
        started, result = quiz.create_scored(db, bank, payload, request.app.state.params)
    except AnswerError as err:
        raise ApiError(422, err.code, err.item, **err.params) from err
    return {
        "id": started.assessment.id,
        "owner_token": started.owner_token,
        "resume_code": started.resume_code,
        "result": result_to_dict(result),
    }


@router.put(
    "/assessments/{assessment_id}/answers/{item_id}",
    summary="Save one answer (upsert)",
    responses=_errors(404) | WITH_BODY,
    openapi_extra={
        "requestBody": {"required": True, "content": {"application/json": {"schema": AnswerIn.model_json_schema()}}}
    },
)
async def put_answer(
    request: Request, assessment_id: PublicId, item_id: ItemId, bank: BankDep, db: DbDep
) -> dict[str, Any]:
    assessment = _owned(request, db, assessment_id)
    payload = await _json_body(request)
    if not isinstance(payload, dict) or set(payload) != {"value"}:
        raise ApiError(422, "invalid", "value")
    try:
        position = quiz.save_answer(db, bank, assessment, item_id, payload["value"])
    except AnswerError as err:
        raise ApiError(422, err.code, err.item, **err.params) from err
    return {"item_id": item_id, "value": payload["value"], "position": position}


@router.post("/assessments/{assessment_id}/finish", summary="Score the answers given so far", responses=_errors(404))
def finish(request: Request, assessment_id: PublicId, bank: BankDep, db: DbDep) -> dict[str, Any]:
    assessment = _owned(request, db, assessment_id)
    result = quiz.finish(db, bank, assessment, request.app.state.params)
    snapshot = quiz.result_of(db, assessment.id)  # the result as stored, with the form it came from
    return {"id": assessment.id, "result": snapshot.data if snapshot is not None else result_to_dict(result)}


@router.get(
    "/assessments/{assessment_id}/questions",
    summary="The questions as this person is served them (the options of each situation in their own order)",
    responses=_errors(404),
)
def assessment_questions(request: Request, assessment_id: PublicId, bank: BankDep, db: DbDep) -> dict[str, Any]:
    assessment = _owned(request, db, assessment_id)
    lang = request.state.lang
    served: dict[str, Any] = {
        "bank_version": bank.version,
        "lang": lang,
        "skip_label": bank.skip_label[lang],
        "items": [_served_item(bank.item(i), bank, lang, assessment.id) for i in quiz.question_order(bank)],
    }
    filled: dict[str, Any] = fill_all(served, labels_for(request))
    return filled


def _next(request: Request, bank: Bank, db: DbDep, assessment: Assessment) -> dict[str, Any]:
    answers = quiz.answers_of(db, bank, assessment.id)
    progress = quiz.progress_of(db, bank, assessment, answers)
    number = forms.resume_number(progress, answers)
    lang = request.state.lang
    item = None
    if number is not None:
        served: dict[str, Any] = fill_all(
            _served_item(bank.item(progress.order[number - 1]), bank, lang, assessment.id), labels_for(request)
        )
        item = served
    return {
        "form": assessment.form,
        "number": number,
        "item": item,
        "stopped": progress.stopped,
        "asked": progress.asked if progress.step is not None else None,
        "orientation_total": len(bank.orientation_items),
        "answered": len(answers),
    }


@router.get(
    "/assessments/{assessment_id}/next",
    summary="The next question to answer (the adaptive form chooses it from the answers so far); null when done",
    responses=_errors(404),
)
def next_question(request: Request, assessment_id: PublicId, bank: BankDep, db: DbDep) -> dict[str, Any]:
    return _next(request, bank, db, _owned(request, db, assessment_id))


@router.post(
    "/assessments/{assessment_id}/continue",
    summary="Continue an adaptive form that stopped to the full form; returns the next question",
    responses=_errors(404),
)
def continue_full(request: Request, assessment_id: PublicId, bank: BankDep, db: DbDep) -> dict[str, Any]:
    assessment = _owned(request, db, assessment_id)
    forms.continue_full(db, assessment.id)
    found = quiz.get(db, assessment.id)
    assert found is not None
    return _next(request, bank, db, found)


@router.get(
    "/assessments/{assessment_id}",
    response_model=AssessmentOut,
    summary="Read an assessment and its result",
    responses=_errors(404),
)
def read(
    request: Request,
    assessment_id: PublicId,
    bank: BankDep,
    db: DbDep,
    plan_for: Annotated[
        Literal["am", "pm"] | None, Query(alias="plan", description="the transition plan towards this track")
    ] = None,
) -> Any:
    assessment = _owned(request, db, assessment_id)
    snapshot = quiz.result_of(db, assessment.id)
    answers = quiz.answers_of(db, bank, assessment.id)
    track = plan_for
    plan_out = None
    changes = None
    if snapshot is not None:
        stored = result_from_dict(snapshot.data)
        transition = plan(bank, stored, assessment.current_role, track)
        plan_out = plan_to_dict(bank, transition, request.state.lang)
        known = Answers(lang=assessment.locale, current_role=assessment.current_role, values=answers)
        if snapshot.bank_version == bank.version or reproduces(bank, known, stored):
            changes = [asdict(lever) for lever in levers(bank, known)]
    return {
        "id": assessment.id,
        "status": "finished" if snapshot is not None else "in_progress",
        "lang": assessment.locale,
        "current_role": assessment.current_role,
        "answered": len(answers),
        "total": len(quiz.question_order(bank)),
        "result": snapshot.data if snapshot is not None else None,
        "plan": plan_out,
        "what_would_change": changes,
    }


@router.get(
    "/assessments/{assessment_id}/export",
    summary="All data held on this assessment: answers, result, plan, share links, cohorts (GDPR art. 15, 20)",
    responses=_errors(404),
)
def export_mine(request: Request, assessment_id: PublicId, bank: BankDep, db: DbDep) -> JSONResponse:
    assessment = _owned(request, db, assessment_id)
    return JSONResponse(personal_export(request, bank, db, assessment.id), headers={"Cache-Control": "no-store"})


def personal_export(request: Request, bank: Bank, db: Any, assessment_id: str) -> dict[str, Any]:
    """The person's data (app/services/personal_data.py) with the transition plan in their language."""
    lang = request.state.lang
    data = personal_data.export(db, bank, assessment_id, lang)
    if data is None:
        raise NotFound
    snapshot = quiz.result_of(db, assessment_id)
    if snapshot is not None:
        transition = plan(bank, result_from_dict(snapshot.data), data["assessment"]["current_role"], None)
        data["plan"] = fill_all(plan_to_dict(bank, transition, lang), labels_for(request))
    else:
        data["plan"] = None
    data["manager_ratings"] = manager_view.export(db, assessment_id)
    data["checkin_reminders"] = checkin_mail.export(db, assessment_id)
    return data


class ShareIn(BaseModel):
    scope: str = Field(
        "recommendation", description="recommendation (the recommendation only) or full (dimensions and plan)"
    )
    expires_in_days: int = Field(7, ge=1, le=90, description="1 to 90 days")


class ShareOut(BaseModel):
    id: str = Field(description="use it to revoke the link")
    url: str = Field(description="shown once; only its hash is stored")
    expires_at: datetime
    scope: str


@router.post(
    "/assessments/{assessment_id}/shares",
    status_code=201,
    response_model=ShareOut,
    summary="Create a share link (owner only)",
    responses=_errors(404) | WITH_BODY,
    openapi_extra={"requestBody": {"content": {"application/json": {"schema": ShareIn.model_json_schema()}}}},
)
async def create_share(request: Request, assessment_id: PublicId, db: DbDep) -> Any:
    assessment = _owned(request, db, assessment_id)
    raw = await request.body()
    payload = {} if not raw.strip() else await _json_body(request)
    if not isinstance(payload, dict) or set(payload) - {"scope", "expires_in_days"}:
        raise ApiError(422, "invalid", "")
    try:
        created = sharing.create(
            db,
            assessment.id,
            payload.get("scope", "recommendation"),
            payload.get("expires_in_days", sharing.DEFAULT_DAYS),
            request.app.state.clock(),
        )
    except sharing.ShareError as err:
        raise ApiError(422, err.code, err.field) from err
    return {
        "id": created.link.id,
        "url": str(request.base_url).rstrip("/") + f"/s/{created.token}",
        "expires_at": created.link.expires_at,
        "scope": created.link.scope,
    }


@router.delete(
    "/shares/{share_id}",
    status_code=204,
    summary="Revoke a share link (owner token of its assessment)",
    responses=_errors(404),
)
def revoke_share(request: Request, share_id: PublicId, db: DbDep) -> Response:
    assessment_id = sharing.owner_of(db, share_id)
    if assessment_id is None:
        raise NotFound
    assessment = _owned(request, db, assessment_id)
    if not sharing.revoke(db, assessment.id, share_id, request.app.state.clock()):
        raise NotFound
    return Response(status_code=204)


@router.delete(
    "/assessments/{assessment_id}",
    status_code=204,
    summary="Erase the assessment, its answers and result",
    responses=_errors(404),
)
def erase(request: Request, assessment_id: PublicId, db: DbDep) -> Response:
    assessment = _owned(request, db, assessment_id)
    quiz.delete_assessment(db, assessment.id)
    return Response(status_code=204)
