"""Every page and the PDF in zh-Hans: no half-width comma, colon or bracket next to a Chinese character.

Lists are joined with Babel's list patterns (the ideographic comma and 和 in Chinese), asides
take full-width brackets, labels a full-width colon. The check reads the text a person sees
(HTML text nodes, pdftotext for the PDF), so markup and attributes never count.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from app import auth
from app.models import HrPasskey, MailToken, PersonalInvitation, utcnow
from app.services import invitations, operators, people, quiz
from app.tokens import hash_token, new_token
from scoring.model import Bank
from tests.app.conftest import Browser
from tests.app.test_hr import PASSWORD, cohort_with_people, make_org
from tests.app.test_quiz import answer_all, start

CHINESE = r"[\u4e00-\u9fff\u3000-\u303f\uff01-\uff5e]"  # Han characters and full-width punctuation
HALF_WIDTH = r"[,:;()]"
BAD = re.compile(rf"{CHINESE} ?{HALF_WIDTH}|{HALF_WIDTH} ?{CHINESE}")
BLOCKS = {"p", "li", "td", "th", "tr", "div", "section", "article", "h1", "h2", "h3", "h4", "br", "title", "option"}


class _Text(HTMLParser):
    """The visible text of a page: text nodes joined as rendered, blocks on their own lines."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag in ("script", "style"):
            self.hidden += 1
        if tag in BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self.hidden -= 1
        if tag in BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return re.sub(r"[ \t\r\f\v]+", " ", "".join(parser.parts))


def half_width_joins(text: str) -> list[str]:
    return [text[max(0, m.start() - 12) : m.end() + 12].replace("\n", "⏎") for m in BAD.finditer(text)]


def test_the_check_catches_english_joins() -> None:
    bad = visible_text(
        "<p>客户需求挖掘, 利益相关方沟通</p><p><strong>客户经理（AM）</strong>: 82%</p><td>3 (差距 1)</td>"
    )
    assert len(half_width_joins(bad)) == 3
    good = visible_text(
        "<p>客户需求挖掘、利益相关方沟通</p><p><strong>客户经理（AM）：</strong>82%</p><td>3（差距 1）</td>"
    )
    assert half_width_joins(good) == []
    assert half_width_joins(visible_text('<a href="/x?a=b,c" title="甲(乙)">ok</a><script>f(甲,1)</script>')) == []


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_every_page_and_the_pdf_in_chinese(app: Any, bank: Bank, tmp_path: Path) -> None:
    b = Browser(app, lang="zh-Hans")
    pages: dict[str, str] = {
        "/": b.get("/").text,
        "/start": b.get("/start").text,
        "/method": b.get("/method").text,
        "/accessibility": b.get("/accessibility").text,
    }
    start(b, lang="zh-Hans", role="pm")
    order = quiz.question_order(bank)
    kinds_seen: set[str] = set()
    for n, item_id in enumerate(order, start=1):  # the first question of every kind
        kind = bank.item(item_id).kind
        if kind not in kinds_seen:
            kinds_seen.add(kind)
            pages[f"/quiz/{n} ({kind})"] = b.get(f"/quiz/{n}").text
    answer_all(b, bank, "am", skills=1)
    # skip two so that the review's plural sentence and the "not answered" lines show
    b.post("/quiz/1", {"item_id": order[0], "value": "skip"})
    b.post("/quiz/2", {"item_id": order[1], "value": "skip"})
    pages["/quiz/review"] = b.get("/quiz/review").text
    url = b.post("/quiz/finish").headers["location"]
    pages["result"] = b.get(url).text
    pages["/resume"] = b.get("/resume").text
    # plan progress: an action ticked with a note, a check-in (its page, then its table on the result)
    ticked = re.findall(r'<li id="act-([A-Za-z0-9_.-]+)"', pages["result"])[0]
    assert b.post(f"{url}/progress/{ticked}", {"done": "1", "note": "和经理谈过"}).status_code == 303
    pages["check-in"] = checkin = b.get(url + "/checkin/30d").text
    skills = re.findall(r'name="(skill_[a-z_]+)" value="1"', checkin)
    assert b.post(url + "/checkin/30d", {s: "3" for s in skills} | {skills[0]: "skip"}).status_code == 303
    pages["check-in reminder: a refused address"] = b.post(url + "/checkin-mail", {"email": "no"}).text
    assert b.post(url + "/checkin-mail", {"email": "wang@example.test"}).status_code == 303
    assert b.post(url + "/shares", {"scope": "full", "days": "7"}).status_code == 303
    pages["result with a new share link"] = page = b.get(url).text
    at = page.index('">http://testserver/s/') + len('">http://testserver')
    pages["shared"] = Browser(app, lang="zh-Hans").get(page[at : page.index("<", at)]).text
    pages["my data"] = b.get(url + "/my-data").text  # after a ticked step, a check-in and a share link
    # a retake from the result (on a device that resumed with its code): "Since your last result"
    again = Browser(app, lang="zh-Hans")
    assert again.post("/resume", {"code": str(b.client.cookies["rolefit_quiz"]).split(":")[2]}).status_code == 303
    assert again.post(url + "/retake").status_code == 303
    answer_all(again, bank, "pm", skills=3)
    retaken = again.post("/quiz/finish").headers["location"]
    pages["retake result (since your last result)"] = again.get(retaken).text
    assert 'id="since"' in pages["retake result (since your last result)"]
    # a manager's view: the link, the manager's form (with an error), the side-by-side view
    form = {"name": "Hoa", "display_name": "Lan", "lang": "zh-Hans", "scope": "recommendation", "days": "14"}
    assert b.post(url + "/manager", form).status_code == 303
    pages["result with a new manager link"] = page = b.get(url).text
    at = page.index('">http://testserver/m/') + len('">http://testserver')
    manager_url = page[at : page.index("<", at)]
    boss = Browser(app, lang="zh-Hans")
    pages["manager's form"] = boss.get(manager_url).text
    pages["manager's form with errors"] = boss.post(manager_url.split("?")[0], {}).text
    ratings = {f"skill_{s.id}": "2" if n % 2 else "5" for n, s in enumerate(bank.skills)}
    assert boss.post(manager_url.split("?")[0], ratings).status_code == 303
    pages["manager's form, sent"] = boss.get(manager_url).text
    pages["result with a manager's view"] = b.get(url).text

    org, email = make_org(app)
    cohort = cohort_with_people(app, bank, org, 12)
    hr = Browser(app, lang="zh-Hans")
    assert hr.post("/hr/login", {"email": email, "password": PASSWORD, "next": "/hr"}).status_code == 303
    hr_pages = ("/hr", f"/hr/cohorts/{cohort}", f"/hr/dashboard?cohort={cohort}", "/hr/users", "/hr/people")
    hr_pages += (f"/hr/cohorts/{cohort}/personal", "/hr/labels", "/hr/psychometrics", "/hr/participants")
    listed = hr.get("/hr/participants").text
    hr_pages += (listed[listed.index('href="/hr/participants/') + 6 :].split('"', 1)[0],)  # a participant's page
    hr_pages += (f"/hr/compare?a={cohort}",)
    hr_pages += ("/hr/people?q=%E7%8E%8B", "/hr/participants?q=pe")  # a short search: its hint
    hr_pages += ("/hr/settings", "/hr/audit", "/hr/switch", "/hr/mfa/setup", f"/hr/cohorts/{cohort}/delete")
    hr_pages += ("/hr/settings/sso",)
    hr_pages += ("/hr/api-tokens", "/hr/webhooks")
    operators.grant(app.state.db, email)
    hr_pages += ("/ops/psychometrics",)  # the operator's page (no report stored: its empty state)
    hr_pages += (f"/hr/cohorts/{cohort}/funnel", "/hr/funnel")
    for path in hr_pages:
        got = hr.get(path)
        assert got.status_code == 200, path
        pages[path] = got.text

    # passkeys: the list on the two-step sign-in page, a refused one, and the second step of a sign-in
    db = app.state.db
    user_id = auth.users_of(db, org)[0].id
    with db.write() as session:
        session.add(HrPasskey(id="pk1", user_id=user_id, credential_id="AAAA", public_key=b"k", name="工作笔记本"))
    pages["/hr/mfa/setup (a passkey)"] = hr.get("/hr/mfa/setup").text
    pages["/hr/mfa/setup (a refused passkey)"] = hr.post("/hr/passkeys", {"name": "手机", "credential": "{}"}).text
    second = Browser(app, lang="zh-Hans")
    assert second.post("/hr/login", {"email": email, "password": PASSWORD}).status_code == 303
    pages["/hr/mfa (a passkey)"] = second.get("/hr/mfa").text
    pages["/hr/mfa (a refused passkey)"] = second.post("/hr/mfa/passkey", {"credential": "{}"}).text

    # the stop-reminders page a person reaches from a mail (before and after pressing stop)
    people.add_person(db, org, {"name": "王芳", "email": "wang.fang@acme.test", "lang": "zh-Hans"}, utcnow())
    owner = auth.users_of(db, org)[0].id
    invitations.create_links(db, org, cohort, owner, utcnow(), "http://testserver")
    stop_token = new_token()
    with db.write() as session:
        personal = session.exec(select(PersonalInvitation)).one()
        session.add(MailToken(token_hash=hash_token(stop_token), personal_invitation_id=personal.id, purpose="stop"))
    person = Browser(app, lang="zh-Hans")
    pages["/stop/…"] = person.get(f"/stop/{stop_token}?lang=zh-Hans").text
    pages["/stop/… (stopped)"] = person.post(f"/stop/{stop_token}?lang=zh-Hans", {}).text

    problems = {}
    for name, html in pages.items():
        assert "<html" in html, name
        text = visible_text(html)
        assert re.search(r"[\u4e00-\u9fff]", text), f"{name} is not in Chinese"
        if found := half_width_joins(text):
            problems[name] = found
    assert problems == {}

    if not shutil.which("pdftotext"):
        pytest.skip("poppler-utils not installed")
    texts = {}
    reports = (
        ("report", b, url + "/report.pdf"),
        ("team report", hr, f"/hr/cohorts/{cohort}/report.pdf"),
        ("retake report", again, retaken + "/report.pdf"),
    )
    for name, who, path in reports:
        pdf = tmp_path / f"{name}.pdf"
        pdf.write_bytes(who.get(path).content)
        text = subprocess.run(["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
        texts[name] = re.sub(r"[ \t]+", " ", text)
    assert "工作量：约" in texts["report"]
    assert "与上次结果相比" in texts["retake report"]
    assert {name: half_width_joins(text) for name, text in texts.items()} == {
        "report": [],
        "team report": [],
        "retake report": [],
    }
