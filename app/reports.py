"""PDF reports (WeasyPrint), QR codes (segno) and the preview-card title of a shared result."""

from __future__ import annotations

from collections.abc import Mapping

from starlette.requests import Request
from starlette.responses import Response

from app.config import ROOT
from app.i18n import gettext_for
from app.messages import N_
from app.services.results import ResultPage
from app.templating import environment, labels_for, page_context
from scoring.labels import fill

DESCRIPTION = N_("{account} or {delivery}? A result shared from rolefit.")
TITLES = {
    "AM": N_("rolefit result: %(track)s"),
    "PM": N_("rolefit result: %(track)s"),
    "HYBRID_LEAN": N_("rolefit result: hybrid, leaning %(track)s"),
    "HYBRID": N_("rolefit result: hybrid"),
    "NOCALL": N_("rolefit result: not enough answers yet"),
}


def qr_data_uri(url: str) -> str:
    """The link as an SVG QR code in a data: URI (allowed by the CSP's img-src)."""
    import segno  # a quarter of a second to import: only the result page's QR code needs it

    return str(segno.make(url, error="m").svg_data_uri(scale=4, border=2, dark="#111827"))


def track_label(request: Request, track: str) -> str:
    labels = labels_for(request, getattr(request.state, "role_labels", None))
    short, name = labels.short(track), labels.name(track)
    return f"{name}（{short}）" if request.state.lang == "zh-Hans" else f"{name} ({short})"


def og_title(request: Request, page: ResultPage) -> str:
    """What a preview card shows: the recommendation only."""
    tr = gettext_for(request.state.lang)
    if page.recommendation in ("AM", "PM"):
        return tr(TITLES[page.recommendation]) % {"track": track_label(request, page.recommendation.lower())}
    if page.recommendation == "NOCALL":
        return tr(TITLES["NOCALL"])
    if page.lean:
        return tr(TITLES["HYBRID_LEAN"]) % {"track": track_label(request, page.lean)}
    return tr(TITLES["HYBRID"])


def og_description(request: Request) -> str:
    """What a preview card says under the title (the same words as the shared page's og:description)."""
    return fill(
        gettext_for(request.state.lang)(DESCRIPTION), labels_for(request, getattr(request.state, "role_labels", None))
    )


def render_pdf(request: Request, page: ResultPage, *, shared: bool, extra: Mapping[str, object] | None = None) -> bytes:
    """The result as a 2-4 page A4 PDF in the request's language; ``extra``: the sections' own data."""
    return render_template_pdf(request, "pdf/report.html", {"page": page, "shared": shared} | dict(extra or {}))


def render_template_pdf(request: Request, template: str, context: Mapping[str, object]) -> bytes:
    env = environment(request.state.lang, request.app.state.settings.reload_templates)
    ctx = page_context(request) | dict(context)
    ctx["delivery_label"] = ctx["labels"].delivery_short
    return html_to_pdf(env.get_template(template).render(ctx))


def html_to_pdf(html: str) -> bytes:
    from weasyprint import HTML  # imported lazily: heavy, and only the PDF routes need it

    pdf: bytes = HTML(string=html, base_url=str(ROOT)).write_pdf()
    return pdf


def pdf_response(pdf: bytes, filename: str, headers: Mapping[str, str] | None = None) -> Response:
    return Response(
        pdf,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
            **(headers or {}),
        },
    )
