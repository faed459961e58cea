"""`rolefit demo`: a demo organisation with an HR login and a cohort of simulated participants."""

from __future__ import annotations

import random
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from app import auth, search
from app.db import Database
from app.models import Participation
from app.services import hr, quiz
from app.tokens import new_public_id
from scoring import score
from scoring.model import Answers, AnswerValue, Bank
from scoring.simulate import respondent

DEPARTMENTS = ("Sales", "Delivery", "Engineering", "Customer Success")
LEVELS = ("Junior", "Senior", "Lead")
FIRST = ("An", "Bao", "Chen", "Dung", "Emma", "Fang", "Giang", "Hoa", "Ivan", "Jia", "Khanh", "Lan", "Minh", "Ngoc",
         "Oliver", "Phuong", "Qing", "Rui", "Sara", "Thao", "Uyen", "Vy", "Wei", "Xuan", "Yen", "Zhou")  # fmt: skip
# per department: how likely a clear AM, a clear PM or a borderline profile is, and the usual current role
LEAN_WEIGHTS = {
    "Sales": (0.5, 0.2, 0.3),
    "Customer Success": (0.45, 0.2, 0.35),
    "Delivery": (0.2, 0.5, 0.3),
    "Engineering": (0.15, 0.5, 0.35),
}
USUAL_ROLE = {"Sales": "sales", "Customer Success": "am", "Delivery": "pm", "Engineering": "engineer"}
LAST = ("Nguyen", "Tran", "Le", "Pham", "Wang", "Li", "Zhang", "Liu", "Smith", "Garcia", "Hoang", "Vu", "Chen", "Do")


@dataclass(frozen=True)
class Demo:
    org_id: str
    email: str
    password: str
    cohort_id: str
    participants: int


@dataclass(frozen=True)
class DemoPerson:
    """One simulated take, made outside (``rolefit demo --people`` draws them with analytics.simulate_people).

    ``values`` and ``times_ms`` are in the order the quiz asks; ``take`` 2 is a retake of ``person``'s first.
    """

    person: int
    take: int
    lang: str
    role: str
    values: Mapping[str, AnswerValue]
    times_ms: Mapping[str, float]
    finished: bool
    days_ago: int


DEPARTMENT_OF_ROLE = {"am": "Customer Success", "pm": "Delivery", "engineer": "Engineering", "sales": "Sales"}


def create_demo(
    db: Database,
    bank: Bank,
    *,
    n: int = 200,
    seed: int = 42,
    now: datetime,
    people: Sequence[DemoPerson] | None = None,
) -> Demo:
    rng = random.Random(seed)
    suffix = secrets.token_hex(3)
    email = f"demo-{suffix}@rolefit.example"
    password = secrets.token_urlsafe(12)
    org, invited = auth.create_org(db, f"Demo organisation {suffix}", email, now)
    auth.set_password(db, invited.token, password, now)
    cohort, _ = hr.create_cohort(
        db, org.id, name="Demo cohort", departments=DEPARTMENTS, levels=LEVELS, max_participants=None, now=now
    )
    if people is None:
        add_simulated(db, bank, org.id, cohort.id, n=n, rng=rng, now=now)
        return Demo(org.id, email, password, cohort.id, n)
    add_people(db, bank, org.id, cohort.id, people, rng=rng, now=now)
    return Demo(org.id, email, password, cohort.id, sum(1 for p in people if p.take == 1))


def add_simulated(
    db: Database, bank: Bank, org_id: str, cohort_id: str, *, n: int, rng: random.Random, now: datetime
) -> None:
    """``n`` simulated people who joined, consented (70% identified) and finished, over the last 60 days."""
    for _ in range(n):
        dept = rng.choice(DEPARTMENTS)
        profile = rng.choices(["am", "pm", "borderline"], weights=LEAN_WEIGHTS[dept])[0]
        role = USUAL_ROLE[dept]
        if rng.random() < 0.2:
            role = rng.choice(["am", "pm", "engineer", "sales", "other"])
        person = respondent(bank, profile, rng, lang=rng.choice(["en", "zh-Hans", "vi"]), role=role)  # type: ignore[arg-type]
        result = score(bank, person.answers)
        finished = now - timedelta(days=rng.randint(0, 60), minutes=rng.randint(0, 1440))
        started = quiz.new_assessment(
            bank, lang=person.answers.lang, current_role=role, years=rng.choice(["1-3", "3-5", "5-10"])
        )
        identified = rng.random() < 0.7
        participation = Participation(
            id=new_public_id(),
            org_id=org_id,
            cohort_id=cohort_id,
            assessment_id=started.assessment.id,
            visibility="identified" if identified else "aggregate",
            display_name=f"{rng.choice(FIRST)} {rng.choice(LAST)}" if identified else None,
            department=dept,
            level=rng.choice(LEVELS),
            current_role=role,
            consented_at=finished - timedelta(minutes=15),
        )
        participation.search_text = search.document(participation.display_name, participation.department, None)
        quiz.store_completed(
            db, bank, started, person.answers.values, result, participation=participation, finished_at=finished
        )


def add_people(
    db: Database,
    bank: Bank,
    org_id: str,
    cohort_id: str,
    people: Sequence[DemoPerson],
    *,
    rng: random.Random,
    now: datetime,
) -> None:
    """Store simulated takes with their answer times: first takes join the cohort (finished or not),
    retakes are stored as the same person's later assessment (``retake_of``) outside the cohort."""
    first: dict[int, str] = {}
    for p in people:
        end = now - timedelta(days=p.days_ago, minutes=rng.randint(0, 1440))
        begin = end - timedelta(milliseconds=sum(p.times_ms.values()))
        at, answered_at = begin, {}
        for item_id in p.values:
            at += timedelta(milliseconds=p.times_ms.get(item_id, 0.0))
            answered_at[item_id] = at
        started = quiz.new_assessment(bank, lang=p.lang, current_role=p.role, years=rng.choice(["1-3", "3-5", "5-10"]))
        started.assessment.started_at = begin
        started.assessment.updated_at = at
        if p.take > 1 and p.person in first:
            started.assessment.retake_of = first[p.person]
        else:
            first[p.person] = started.assessment.id
        answers = Answers(lang=p.lang, current_role=p.role, values=dict(p.values), timings_ms=dict(p.times_ms))
        result = score(bank, answers) if p.finished else None
        participation = None
        if p.take == 1:
            identified = rng.random() < 0.7
            participation = Participation(
                id=new_public_id(),
                org_id=org_id,
                cohort_id=cohort_id,
                assessment_id=started.assessment.id,
                visibility="identified" if identified else "aggregate",
                display_name=f"{rng.choice(FIRST)} {rng.choice(LAST)}" if identified else None,
                department=DEPARTMENT_OF_ROLE.get(p.role, rng.choice(DEPARTMENTS)),
                level=rng.choice(LEVELS),
                current_role=p.role,
                consented_at=begin,
            )
            participation.search_text = search.document(participation.display_name, participation.department, None)
        quiz.store_completed(
            db,
            bank,
            started,
            p.values,
            result,
            participation=participation,
            finished_at=end if p.finished else None,
            answered_at=answered_at,
        )
