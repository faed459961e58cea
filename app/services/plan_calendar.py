"""The plan's milestones as an iCalendar file (RFC 5545), in the person's language.

One all-day event at the end of each phase, counted from the result's date: 30 days, 3 months and
6 months (calendar months; the 31st becomes the month's last day). Each event lists that phase's actions
(ticked ones marked done) and says it is time for a check-in. The UID is derived from the assessment and
the phase, so importing the file again updates the same events instead of adding copies, and the
assessment id itself is never written into the file.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime, timedelta

from app.i18n import gettext_for
from app.services.progress import ProgressView, add_months, milestone

__all__ = ["add_months", "ics", "milestone", "uid"]

PRODID = "-//rolefit//plan milestones//EN"


def N_(message: str) -> str:
    return message


TITLES = {
    "30d": N_("rolefit: end of your first 30 days, time for a check-in"),
    "3m": N_("rolefit: 3 months into your plan, time for a check-in"),
    "6m": N_("rolefit: 6 months into your plan, time for a check-in"),
}
DONE = N_("%(step)s (done)")
STEPS = N_("Steps of this phase:")
CHECK_IN = N_("Open your rolefit result and check in: rate the skills of your plan again to see what has changed.")


def uid(assessment_id: str, phase: str) -> str:
    """Stable for an assessment and a phase; reveals neither."""
    digest = hashlib.sha256(f"rolefit-plan:{assessment_id}:{phase}".encode()).hexdigest()[:32]
    return f"{digest}@rolefit"


def ics(progress: ProgressView, start: date, lang: str, now: datetime, url: str = "") -> bytes:
    """The calendar file: one event per phase of the plan that has actions."""
    from icalendar import Calendar, Event  # on first use: a worker starts without it

    _ = gettext_for(lang)
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", _("rolefit plan"))
    for phase in progress.phases:
        if not phase.total:
            continue
        day = milestone(start, phase.id)
        lines = [_(STEPS)]
        for a in phase.actions:
            lines.append("- " + (_(DONE) % {"step": a.title} if a.done else a.title))
        lines += ["", _(CHECK_IN)]
        if url:
            lines.append(url)
        event = Event()
        event.add("uid", uid(progress.assessment_id, phase.id))
        event.add("dtstamp", now)
        event.add("dtstart", day)
        event.add("dtend", day + timedelta(days=1))
        event.add("summary", _(TITLES[phase.id]))
        event.add("description", "\n".join(lines))
        event.add("transp", "TRANSPARENT")
        cal.add_component(event)
    body: bytes = cal.to_ical()
    return body
