"""User-facing error messages, translated at run time. ``N_`` marks them for Babel extraction."""

from __future__ import annotations

from typing import Any

from app.i18n import gettext_for


def N_(message: str) -> str:
    """No-op marker: the conventional name Babel extracts (``-k N_``)."""
    return message


ERRORS: dict[str, str] = {
    "unknown_item": N_("Unknown question “%(item)s”."),
    "out_of_range": N_("The answer to “%(item)s” must be a whole number from %(low)s to %(high)s."),
    "wrong_type": N_("The answer to “%(item)s” has the wrong type."),
    "unknown_option": N_("“%(item)s” has no such option."),
    "unknown_field": N_("Unknown field “%(item)s”."),
    "bad_lang": N_("Unsupported language: use en, zh-Hans or vi."),
    "bad_role": N_("Please choose your current role."),
    "bad_years": N_("Please choose your years of experience from the list."),
    "not_found": N_("Not found. The link may be wrong, or the data may have been deleted."),
    "share_gone": N_(
        "This link no longer works. Share links expire after the time their owner chose, and the owner can revoke "
        "them at any time; the link may also have been copied incompletely. Ask the person who sent it for a new "
        "one: they can make it from their result page in a moment."
    ),
    "csrf": N_("This form has expired or was sent from another site. Please reload the page and try again."),
    "too_large": N_("The request is too large."),
    "malformed_json": N_("The request body is not valid JSON."),
    "invalid": N_("Some fields are missing or invalid."),
    "bad_track": N_("The track must be “am” or “pm”."),
    "unauthorized": N_("Missing or invalid owner token."),
    "bad_code": N_("That resume code was not found. Check it and try again."),
    "bad_scope": N_("Choose what the link shows: the recommendation only, or the full profile."),
    "bad_days": N_("A link can be valid for 1 to 90 days."),
    "too_many_links": N_("You have too many live links. Revoke one before creating another."),
    "label_empty": N_("Please enter a title; it cannot be empty."),
    "label_too_long": N_("A title can have at most %(max)s characters."),
    "label_bad_character": N_("A title cannot contain control characters, braces or angle brackets."),
    "bad_email": N_("Please enter a valid e-mail address."),
    "email_taken": N_("This organisation already has an account with this e-mail address."),
    "password_length": N_(
        "The password needs %(low)s to %(high)s characters. A phrase of several words is easy to remember."
    ),
    "weak_password": N_("This password is too common or too easy to guess. Try a longer phrase of unrelated words."),
    "password_mismatch": N_("The two passwords are not the same."),
    "bad_token": N_("This link has expired or was already used."),
    "bad_login": N_("Wrong e-mail address or password."),
    "mfa_bad_code": N_("That code is not right, or was already used. Enter the current code from your app."),
    # passkeys (app/auth/passkeys.py)
    "passkey_name": N_("Give the passkey a name, for example “work laptop”."),
    "passkey_expired": N_("This passkey request has expired or was already used. Please try again."),
    "passkey_failed": N_("The passkey could not be checked. Please try again."),
    "passkey_known": N_("This passkey is registered already."),
    "passkey_too_many": N_("You have the most passkeys allowed (10). Remove one first."),
    "passkey_none": N_("You have no passkey for this account."),
    "passkey_bad": N_("That passkey was not accepted. Please try again."),
    "passkey_last_factor": N_(
        "Your organisation requires two-step sign-in, and this is your last second factor: "
        "add another passkey or an authenticator app first."
    ),
    "last_owner": N_("The organisation needs at least one active owner: make someone else an owner first."),
    "not_yourself": N_("You cannot do this to your own account; ask another owner."),
    "retention_days": N_("Please enter a whole number of days from 1 to %(max)s, or leave it empty."),
    "confirm_name": N_("Type the cohort's name exactly to confirm."),
    # single sign-on (app/sso)
    "sso_issuer": N_(
        "Enter the provider's issuer URL, starting with https:// (for example https://login.example.com)."
    ),
    "sso_client_id": N_("Enter the client ID the provider gave this app."),
    "sso_client_secret": N_("Enter the client secret the provider gave this app."),
    "sso_domains": N_("Enter one or more e-mail domains, separated by spaces (for example example.com)."),
    "sso_domain_taken": N_("Another organisation already signs in with one of these domains."),
    "sso_role": N_("Choose the role of users created on their first sign-in."),
    "sso_required": N_(
        "Your organisation signs in with single sign-on: use “Sign in with SSO” below. Passwords work only for owners."
    ),
    "sso_unavailable": N_(
        "Single sign-on could not be started for this address or organisation. Check it, or sign in with your password."
    ),
    "sso_state": N_("This sign-in has expired or was already used. Please start again with “Sign in with SSO”."),
    "sso_provider": N_("Your identity provider did not complete the sign-in. Please try again."),
    "sso_token": N_("Your identity provider's answer could not be verified, so you were not signed in."),
    "sso_email": N_("Your identity provider did not confirm an e-mail address in a domain this organisation allows."),
    "sso_no_account": N_("There is no account for this address here. Ask an owner of your organisation to invite you."),
    "sso_deactivated": N_("This account has been deactivated. Ask an owner of your organisation."),
    "rate_limited": N_("Too many failed sign-ins. Please try again in %(wait)s."),
    "resume_limited": N_("Too many wrong resume codes from this address. Please try again in %(wait)s."),
    "bad_name": N_("Please enter a name (up to 200 characters)."),
    "bad_date": N_("Please enter a date in the future, as YYYY-MM-DD."),
    "bad_max": N_("The maximum number of participants must be a whole number from 1."),
    "too_long": N_("Each department or level can have up to 100 characters."),
    "too_many": N_("Up to 50 departments or levels."),
    "closed": N_("This invitation is closed: it was revoked, is full, or its cohort has closed."),
    "bad_visibility": N_("Please choose how HR may see your result."),
    "name_required": N_("To be identified, please enter the name HR will see."),
    "bad_department": N_("Please choose your department from the list."),
    "bad_level": N_("Please choose your level from the list."),
    "no_consent": N_("No consent, no participation: please tick the box to take part."),
    "forbidden": N_("Only an owner of the organisation can do this."),
    "api_token": N_("Missing, unknown, expired or revoked API token."),
    "read_only_token": N_("This API token may only read. Ask an owner for a read-write token."),
    "exists": N_("This organisation already has a person with this e-mail address."),
    "token_name": N_("Please enter a name for the token (up to 60 characters)."),
    "token_days": N_("A token can be valid for 1 to 365 days."),
    "too_many_tokens": N_("This organisation has too many API tokens. Revoke one before creating another."),
    "webhook_url": N_(
        "Please enter an https:// address on the public internet "
        "(private, loopback and link-local addresses are refused)."
    ),
    "webhook_events": N_("Please choose at least one event."),
    "too_many_webhooks": N_("This organisation has too many webhooks. Delete one before adding another."),
    "server": N_("Something went wrong on our side. Please try again."),
    "method": N_("This action is not allowed here."),
    "bad_characters": N_("The request contains characters that are not allowed (control characters or invalid UTF-8)."),
    "too_long_uri": N_("The address is too long."),
    "media_type": N_("This kind of content is not accepted here: send a form, or JSON to the API."),
    "too_deep": N_("The JSON body is nested too deeply."),
    "bad_number": N_("A number must be a whole number written with the digits 0 to 9, within the allowed range."),
    "too_long_field": N_("“%(item)s” is too long (at most %(max)s characters)."),
    "bad_choice": N_("“%(item)s” must be one of the allowed values."),
    "reminder_days": N_("Reminder days are whole numbers from 1 to 60, each later than the one before, e.g. “3, 7”."),
    "reminder_steps": N_("At most 5 reminders."),
    "import_expired": N_("This preview has expired or was already imported. Please choose the file again."),
    "unknown_action": N_("This step is not in your plan. Reload the page and try again."),
    "note_too_long": N_("A note can have at most %(max)s characters."),
    "bad_phase": N_("Choose one of the plan's phases: 30 days, 3 months or 6 months."),
    "no_checkin_skills": N_("Your plan has no skills to check in on."),
}


def message(code: str, lang: str, **params: Any) -> str:
    """The message for ``code`` in ``lang``, with ``params`` filled in."""
    template = gettext_for(lang)(ERRORS.get(code, ERRORS["invalid"]))
    try:
        return template % params if params else template.replace("%%", "%")
    except (KeyError, ValueError, TypeError):
        return template
