"""One way to render: :func:`render` (full page, or a named block for htmx), with ``Vary: HX-Request``."""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from functools import cache
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context, select_autoescape
from jinja2.runtime import Context
from markupsafe import Markup, escape
from starlette.requests import Request
from starlette.responses import HTMLResponse

from app.config import ROOT
from app.i18n import (
    LANG_NAMES,
    LANGS,
    colon,
    fmt_date,
    fmt_list,
    fmt_month,
    fmt_number,
    fmt_paren,
    fmt_percent,
    fmt_probability,
    fmt_signed,
    fmt_when,
    translations,
)
from app.security import CSRF_COOKIE, CSRF_FIELD, csrf_token, is_https
from scoring.labels import Labels, defaults, fill, with_overrides

STATIC_VERSION = "4"


def is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true" and request.headers.get("hx-history-restore-request") != "true"


@pass_context
def _tx(ctx: Context, text: Mapping[str, str] | None) -> str:
    """A bank text in the page's language."""
    if not text:
        return ""
    return text.get(ctx["lang"]) or text.get("en", "")


def labels_for(request: Request, overrides: Mapping[str, str] | None = None) -> Labels:
    """The role labels in the request's language: the bank's default, the deployment's override, then ``overrides``.

    ``overrides`` are an organisation's labels in this language (placeholder name -> label).
    """
    base = defaults(request.app.state.bank.tracks, request.state.lang)
    setting = request.app.state.settings.delivery_label
    if setting:
        base = with_overrides(base, {"delivery_short": setting})
    return with_overrides(base, overrides)


@pass_context
def _finalize(ctx: Context, value: Any) -> Any:
    """Every printed string gets its role placeholders ({delivery}, ...) filled with the page's labels."""
    labels = ctx.get("labels")
    if not isinstance(value, str) or "{" not in value or not isinstance(labels, Labels):
        return value
    if isinstance(value, Markup):  # already safe HTML: put escaped labels into it
        return Markup(fill(value, Labels(*(str(escape(v)) for v in labels.as_dict().values()))))  # noqa: S704
    return fill(value, labels)


@cache
def environment(lang: str, auto_reload: bool = False) -> Environment:
    """One Jinja environment per language, with that language's catalog installed (thread-safe)."""
    env = Environment(
        loader=FileSystemLoader(str(ROOT / "templates")),
        autoescape=select_autoescape(["html", "svg", "xml"]),
        extensions=["jinja2.ext.i18n"],
        undefined=StrictUndefined,
        auto_reload=auto_reload,
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=_finalize,
    )
    env.install_gettext_translations(translations(lang), newstyle=True)  # type: ignore[attr-defined]
    env.filters["tx"] = _tx
    env.filters["date"] = lambda value: fmt_date(value, lang)
    env.filters["month"] = lambda value: fmt_month(value, lang)
    env.filters["when"] = lambda value: fmt_when(value, lang)
    env.filters["percent"] = lambda value: fmt_percent(value, lang)
    env.filters["probability"] = lambda value: fmt_probability(value, lang)
    env.filters["number"] = lambda value, digits=0: fmt_number(value, lang, digits)
    env.filters["signed"] = fmt_signed
    env.filters["join_list"] = lambda items: fmt_list(items, lang)
    env.filters["skill_name"] = pass_context(lambda ctx, skill: _tx(ctx, ctx["bank"].skill(skill).name))
    env.filters["gap_item"] = lambda pair: str(pair[0]) + fmt_paren(f"−{pair[1]}", lang)
    # the pattern is a constant of ours; Markup.format escapes the text put into it
    env.filters["paren"] = lambda text: Markup(fmt_paren("{}", lang)).format(text)  # noqa: S704
    env.globals["colon"] = colon(lang)
    env.globals.update(LANGS=LANGS, LANG_NAMES=LANG_NAMES, CSRF_FIELD=CSRF_FIELD, STATIC_VERSION=STATIC_VERSION)
    return env


def page_context(request: Request) -> dict[str, Any]:
    """What every template may use."""
    return {
        "request": request,
        "lang": request.state.lang,
        "csrf_token": csrf_token(request),
        "bank": request.app.state.bank,
        "labels": labels_for(request, getattr(request.state, "role_labels", None)),
        "htmx": is_htmx(request),
        "current_path": request.url.path,
    }


_MARK = "\ue000"  # a private-use character: no template text contains it, and escaping leaves it alone


_FRAGMENTS: dict[Hashable, str] = {}
FRAGMENT_CACHE_SIZE = 4096


def render_fragment(
    request: Request,
    template: str,
    block: str,
    key: Hashable,
    shared: Mapping[str, Any],
    personal: Mapping[str, str | int],
    *,
    status_code: int = 200,
) -> HTMLResponse:
    """Like :func:`render` with ``block``, for fragments asked for again and again (the next question).

    ``shared`` is everything the block shows that is the same for everyone with the same ``key``
    (the caller's description of it); ``personal`` values (and the CSRF token) may only be printed,
    never tested, in the block. The block is rendered once per language and key with a marker where
    each personal value goes, kept in a bounded cache, and served with the values escaped and
    filled in. A full page, or templates that reload (development), take the plain :func:`render`.
    """
    settings = request.app.state.settings
    if not is_htmx(request) or settings.reload_templates:
        return render(request, template, {**shared, **personal}, block=block, status_code=status_code)
    values = {**personal, "csrf_token": csrf_token(request)}
    lang, bank = request.state.lang, request.app.state.bank
    labels = labels_for(request, getattr(request.state, "role_labels", None))
    cache_key = (lang, template, block, key, bank, labels, frozenset(values))
    text = _FRAGMENTS.get(cache_key)
    if text is None:
        tmpl = environment(lang).get_template(template)
        ctx = {"lang": lang, "htmx": True, "bank": bank, "labels": labels, **shared}
        ctx["delivery_label"] = ctx["labels"].delivery_short
        ctx.update({name: f"{_MARK}{name}{_MARK}" for name in values})
        text = "".join(tmpl.blocks[block](tmpl.new_context(ctx)))
        if len(_FRAGMENTS) >= FRAGMENT_CACHE_SIZE:
            _FRAGMENTS.clear()
        _FRAGMENTS[cache_key] = text
    for name, value in values.items():
        text = text.replace(f"{_MARK}{name}{_MARK}", str(escape(str(value))))
    return _respond(request, text, status_code, None)


def render(
    request: Request,
    template: str,
    context: Mapping[str, Any] | None = None,
    *,
    block: str | None = None,
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
) -> HTMLResponse:
    """Render ``template`` in the request's language; only ``block`` when htmx asked for a fragment."""
    env = environment(request.state.lang, request.app.state.settings.reload_templates)
    tmpl = env.get_template(template)
    ctx = page_context(request)
    ctx.update(context or {})
    ctx["delivery_label"] = ctx["labels"].delivery_short
    if block and ctx["htmx"]:
        body = "".join(tmpl.blocks[block](tmpl.new_context(ctx)))
    else:
        body = tmpl.render(ctx)
    return _respond(request, body, status_code, headers)


def _respond(request: Request, body: str, status_code: int, headers: Mapping[str, str] | None) -> HTMLResponse:
    response = HTMLResponse(body, status_code=status_code, headers=dict(headers or {}))
    response.headers["Vary"] = "HX-Request, Accept-Language, Cookie"
    response.headers.setdefault("Cache-Control", "no-store")
    new = getattr(request.state, "new_csrf", None)
    if new:
        response.set_cookie(CSRF_COOKIE, new, httponly=True, samesite="lax", secure=is_https(request), path="/")
    return response
