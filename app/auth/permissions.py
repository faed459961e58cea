"""The permission matrix, as data: every route of the app, and what each kind of visitor gets from it.

Roles (columns): ``anonymous`` (not signed in to HR), ``analyst`` and ``owner`` of the organisation whose
objects the route names, and ``other_owner``, an owner of ANOTHER organisation asking for them.

Outcomes: ``OK`` (the page or the action), ``LOGIN`` (303 to the sign-in page), ``FORBIDDEN`` (403: signed
in, but not in this role), ``NOT_FOUND`` (404: never a hint that the object exists elsewhere), and
``OPEN`` for routes that HR sign-in plays no part in: they are guarded by their own credential (the
quiz cookie, an owner token, a link's token) or by none, and an HR session changes nothing there.

The matrix is enforced, not only documented: ``app.routes.hr.current_user`` asks :func:`allows` for the
route being served, so an HR route missing here is refused to everyone (deny by default). And
``tests/app/test_permissions.py`` walks the app's route table: a route without a rule fails, and every
rule is checked by requests as each role, on SQLite and PostgreSQL.

Analysts are read-only: they read dashboards, reports and exports; owners also create cohorts, create
and revoke invitations and manage users.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Outcome(StrEnum):
    OK = "ok"
    LOGIN = "login"
    FORBIDDEN = "forbidden"
    NOT_FOUND = "not_found"
    OPEN = "open"


ROLES = ("anonymous", "analyst", "owner", "other_owner")


@dataclass(frozen=True)
class Rule:
    method: str
    path: str  # as the route declares it, e.g. "/hr/cohorts/{cohort_id}"
    anonymous: Outcome
    analyst: Outcome
    owner: Outcome
    other_owner: Outcome
    guard: str = "HR sign-in"  # what protects the route (for OPEN routes: their own credential)

    def outcome(self, role: str) -> Outcome:
        return Outcome(getattr(self, role))


OK, LOGIN, FORBIDDEN, NOT_FOUND, OPEN = Outcome


def _open(method: str, path: str, guard: str) -> Rule:
    return Rule(method, path, OPEN, OPEN, OPEN, OPEN, guard)


def _read(method: str, path: str, other_owner: Outcome = OK) -> Rule:
    """Any HR user of the organisation; another organisation's owner gets 404 for its objects."""
    return Rule(method, path, LOGIN, OK, OK, other_owner)


def _write(method: str, path: str, other_owner: Outcome = OK) -> Rule:
    """Owners only."""
    return Rule(method, path, LOGIN, FORBIDDEN, OK, other_owner)


MATRIX: tuple[Rule, ...] = (
    # --- participants: the quiz, results, share links, joining a cohort ---------------------------------
    _open("GET", "/", "none"),
    _open("POST", "/lang", "none (CSRF)"),
    _open("GET", "/method", "none"),
    _open("GET", "/accessibility", "none"),
    _open("GET", "/healthz", "none"),
    _open("GET", "/readyz", "none"),
    _open("GET", "/start", "none"),
    _open("POST", "/start", "none (CSRF)"),
    _open("GET", "/quiz", "quiz cookie"),
    _open("GET", "/quiz/review", "quiz cookie"),
    _open("GET", "/quiz/{number:int}", "quiz cookie"),
    _open("POST", "/quiz/{number:int}", "quiz cookie (CSRF)"),
    _open("POST", "/quiz/finish", "quiz cookie (CSRF)"),
    _open("POST", "/quiz/continue", "quiz cookie (CSRF)"),
    _open("GET", "/resume", "none"),
    _open("POST", "/resume", "resume code, throttled per address (CSRF)"),
    _open("GET", "/result/{assessment_id}", "quiz cookie"),
    _open("GET", "/result/{assessment_id}/report.pdf", "quiz cookie"),
    _open("POST", "/result/{assessment_id}/shares", "quiz cookie (CSRF)"),
    _open("POST", "/result/{assessment_id}/shares/{share_id}/revoke", "quiz cookie (CSRF)"),
    _open("POST", "/result/{assessment_id}/withdraw/{participation_id}", "quiz cookie (CSRF)"),
    _open("POST", "/result/{assessment_id}/delete", "quiz cookie (CSRF)"),
    _open("GET", "/result/{assessment_id}/export.json", "quiz cookie"),
    _open("GET", "/result/{assessment_id}/my-data", "quiz cookie"),
    _open("POST", "/result/{assessment_id}/retake", "quiz cookie (CSRF)"),
    _open("POST", "/result/{assessment_id}/counts", "quiz cookie (CSRF)"),
    _open("POST", "/result/{assessment_id}/progress/{action_id}", "quiz cookie (CSRF)"),
    _open("GET", "/result/{assessment_id}/plan.ics", "quiz cookie"),
    _open("GET", "/result/{assessment_id}/checkin/{phase}", "quiz cookie"),
    _open("POST", "/result/{assessment_id}/checkin/{phase}", "quiz cookie (CSRF)"),
    _open("POST", "/result/{assessment_id}/checkin-mail", "quiz cookie (CSRF)"),
    _open("POST", "/result/{assessment_id}/checkin-mail/delete", "quiz cookie (CSRF)"),
    _open("GET", "/checkin-stop/{token}", "check-in stop token"),
    _open("POST", "/checkin-stop/{token}", "check-in stop token (one-click, RFC 8058: no CSRF token)"),
    _open("GET", "/s/{token}", "share token"),
    _open("GET", "/s/{token}/report.pdf", "share token"),
    _open("GET", "/s/{token}/card.png", "share token"),
    _open("POST", "/result/{assessment_id}/manager", "quiz cookie (CSRF)"),
    _open("POST", "/result/{assessment_id}/manager/{rating_id}/delete", "quiz cookie (CSRF)"),
    _open("GET", "/m/{token}", "manager-rating token"),
    _open("POST", "/m/{token}", "manager-rating token (CSRF)"),
    _open("GET", "/join/{token}", "invitation token"),
    _open("POST", "/join/{token}", "invitation token (CSRF)"),
    _open("GET", "/stop/{token}", "stop-reminders token"),
    _open("POST", "/stop/{token}", "stop-reminders token (one-click, RFC 8058: no CSRF token)"),
    # --- the JSON API: the owner token as Bearer ---------------------------------------------------------
    _open("GET", "/api/v1/openapi.json", "none"),
    _open("GET", "/api/docs", "none"),
    _open("GET", "/docs/oauth2-redirect", "none"),
    _open("GET", "/api/v1/questions", "none"),
    _open("POST", "/api/v1/assessments", "none"),
    _open("PUT", "/api/v1/assessments/{assessment_id}/answers/{item_id}", "owner token"),
    _open("POST", "/api/v1/assessments/{assessment_id}/finish", "owner token"),
    _open("GET", "/api/v1/assessments/{assessment_id}", "owner token"),
    _open("GET", "/api/v1/assessments/{assessment_id}/questions", "owner token"),
    _open("GET", "/api/v1/assessments/{assessment_id}/export", "owner token"),
    _open("GET", "/api/v1/assessments/{assessment_id}/next", "owner token"),
    _open("POST", "/api/v1/assessments/{assessment_id}/continue", "owner token"),
    _open("POST", "/api/v1/assessments/{assessment_id}/shares", "owner token"),
    _open("DELETE", "/api/v1/shares/{share_id}", "owner token"),
    _open("DELETE", "/api/v1/assessments/{assessment_id}", "owner token"),
    _open("GET", "/static", "none (files)"),
    # --- HR: signing in ------------------------------------------------------------------------------------
    _open("GET", "/hr/login", "none"),
    _open("POST", "/hr/login", "e-mail and password, throttled (CSRF)"),
    _open("POST", "/hr/logout", "HR session cookie (CSRF)"),
    _open("GET", "/hr/set-password/{token}", "set-password token"),
    _open("POST", "/hr/set-password/{token}", "set-password token (CSRF)"),
    _read("POST", "/hr/logout-everywhere"),
    _open("GET", "/hr/mfa", "a password-checked sign-in awaiting its code (pending session)"),
    _open("POST", "/hr/mfa", "a password-checked sign-in awaiting its code, throttled (CSRF)"),
    _read("GET", "/hr/mfa/setup"),  # also a sign-in the organisation sends to enrolment
    _read("POST", "/hr/mfa/setup"),
    _read("GET", "/hr/switch"),
    # passkeys (app/routes/passkeys.py): each user's own; anyone else's passkey answers 404, even in the
    # same organisation (the analyst's column is another user of the organisation asking for an owner's)
    _open("POST", "/hr/mfa/passkey/options", "a password-checked sign-in awaiting its second step (CSRF)"),
    _open("POST", "/hr/mfa/passkey", "a password-checked sign-in awaiting its second step, throttled (CSRF)"),
    _read("POST", "/hr/passkeys/options"),  # also a sign-in the organisation sends to enrolment
    _read("POST", "/hr/passkeys"),
    Rule("POST", "/hr/passkeys/{passkey_id}/remove", LOGIN, NOT_FOUND, OK, NOT_FOUND),
    # --- HR: reading (analysts and owners) ----------------------------------------------------------------
    #      method  path                                          other organisation's owner
    _read("GET", "/hr"),
    _read("GET", "/hr/dashboard"),
    _read("GET", "/hr/cohorts/{cohort_id}", NOT_FOUND),
    _read("GET", "/hr/cohorts/{cohort_id}/export.csv", NOT_FOUND),
    _read("GET", "/hr/cohorts/{cohort_id}/export.xlsx", NOT_FOUND),
    _read("GET", "/hr/cohorts/{cohort_id}/report.pdf", NOT_FOUND),
    _read("GET", "/hr/people"),
    _read("GET", "/hr/participants"),
    _read("GET", "/hr/compare"),
    _read("GET", "/hr/participants/{participation_id}", NOT_FOUND),
    _read("GET", "/hr/cohorts/{cohort_id}/personal", NOT_FOUND),
    _read("GET", "/hr/cohorts/{cohort_id}/funnel", NOT_FOUND),
    _read("GET", "/hr/funnel"),
    _read("POST", "/hr/digest"),  # each HR user's own digest setting
    # --- HR: changing things (owners) ---------------------------------------------------------------------
    _write("POST", "/hr/cohorts"),
    _write("POST", "/hr/cohorts/{cohort_id}/invitations", NOT_FOUND),
    _write("POST", "/hr/invitations/{invitation_id}/revoke", NOT_FOUND),
    _write("GET", "/hr/users"),
    _write("GET", "/hr/psychometrics"),
    _write("POST", "/hr/users"),
    _write("POST", "/hr/people"),
    _write("POST", "/hr/people/import"),
    _write("POST", "/hr/people/import/apply"),
    _write("POST", "/hr/cohorts/{cohort_id}/personal/preview", NOT_FOUND),
    _write("POST", "/hr/cohorts/{cohort_id}/personal/send", NOT_FOUND),
    _write("POST", "/hr/personal-invitations/{personal_id}/revoke", NOT_FOUND),
    _write("POST", "/hr/cohorts/{cohort_id}/reminders", NOT_FOUND),
    _write("POST", "/hr/personal-invitations/{personal_id}/retry", NOT_FOUND),
    _write("GET", "/hr/labels"),
    _write("POST", "/hr/labels"),
    # --- HR: identity and governance (owners; app/routes/identity.py) ------------------------------------
    _write("POST", "/hr/users/{user_id}/role", NOT_FOUND),
    _write("POST", "/hr/users/{user_id}/deactivate", NOT_FOUND),
    _write("POST", "/hr/users/{user_id}/reactivate", NOT_FOUND),
    _write("POST", "/hr/users/{user_id}/mfa-reset", NOT_FOUND),
    _write("POST", "/hr/users/{user_id}/remove", NOT_FOUND),
    _write("GET", "/hr/settings"),
    _write("POST", "/hr/settings"),
    _write("GET", "/hr/audit"),
    _write("GET", "/hr/audit.csv"),
    _write("POST", "/hr/cohorts/{cohort_id}/close", NOT_FOUND),
    _write("POST", "/hr/cohorts/{cohort_id}/archive", NOT_FOUND),
    _write("GET", "/hr/cohorts/{cohort_id}/delete", NOT_FOUND),
    _write("POST", "/hr/cohorts/{cohort_id}/delete", NOT_FOUND),
    # --- HR: single sign-on (app/routes/sso.py) --------------------------------------------------------------
    _open("POST", "/hr/sso", "none: starts a round trip to the organisation's provider (CSRF)"),
    _open("GET", "/hr/sso/callback", "single-use state bound to the browser that started it (cookie)"),
    _write("GET", "/hr/settings/sso"),
    _write("POST", "/hr/settings/sso"),
    # --- HR: API tokens and webhooks (owners; app/routes/api_tokens.py) ------------------------------------
    _write("GET", "/hr/api-tokens"),
    _write("POST", "/hr/api-tokens"),
    _write("POST", "/hr/api-tokens/{token_id}/revoke", NOT_FOUND),
    _write("GET", "/hr/webhooks"),
    _write("POST", "/hr/webhooks"),
    _write("POST", "/hr/webhooks/{webhook_id}/delete", NOT_FOUND),
    _write("POST", "/hr/webhooks/deliveries/{delivery_id}/replay", NOT_FOUND),
    # --- the HR API: an organisation API token as Bearer (app/routes/hr_api.py; its own tests check the
    #     organisation scoping, 401 and 403: tests/app/test_hr_api.py) --------------------------------------
    _open("GET", "/api/v1/hr/cohorts", "organisation API token"),
    _open("POST", "/api/v1/hr/cohorts", "organisation API token, read-write"),
    _open("GET", "/api/v1/hr/cohorts/{cohort_id}", "organisation API token"),
    _open("POST", "/api/v1/hr/cohorts/{cohort_id}/close", "organisation API token, read-write"),
    _open("GET", "/api/v1/hr/cohorts/{cohort_id}/invitations", "organisation API token"),
    _open("POST", "/api/v1/hr/cohorts/{cohort_id}/invitations", "organisation API token, read-write"),
    _open("GET", "/api/v1/hr/people", "organisation API token"),
    _open("POST", "/api/v1/hr/people", "organisation API token, read-write"),
    _open("GET", "/api/v1/hr/cohorts/{cohort_id}/results", "organisation API token"),
    _open("GET", "/api/v1/hr/cohorts/{cohort_id}/aggregates", "organisation API token"),
    _open("GET", "/api/v1/hr/personal-invitations", "organisation API token"),
    _open("POST", "/api/v1/hr/personal-invitations/{personal_id}/revoke", "organisation API token, read-write"),
    # --- the operator (an HR account granted by `rolefit operator grant EMAIL`): all organisations ---------
    Rule("GET", "/ops/psychometrics", LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, "HR sign-in + operator grant (CLI)"),
    Rule("GET", "/ops/manual", LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, "HR sign-in + operator grant (CLI)"),
)

_BY_ROUTE: dict[tuple[str, str], Rule] = {(rule.method, rule.path): rule for rule in MATRIX}


def rule_for(method: str, path: str) -> Rule | None:
    """The rule for a route (HEAD is served as GET)."""
    return _BY_ROUTE.get(("GET" if method == "HEAD" else method, path))


def allows(method: str, path: str, role: str) -> bool:
    """Whether a signed-in user with ``role`` (owner or analyst) may use this route. Unknown route: no."""
    rule = rule_for(method, path)
    return rule is not None and rule.outcome(role) in (OK, NOT_FOUND, OPEN)
