"""A cohort's export (CSV and XLSX) in words a reader understands: column headings, calls, roles and skill
names in the HR user's language (with the organisation's role titles), never internal codes; the XLSX has
a second sheet, the data dictionary: each column's meaning, its values and its unit.

Input rows come from :func:`app.services.hr.identified_rows` (identified participants only). Cells that a
spreadsheet would run as a formula are neutralised (:func:`spreadsheet_safe`).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from app.i18n import gettext_for
from app.services.hr import DIMENSIONS
from scoring.labels import Labels, fill
from scoring.model import Bank


def spreadsheet_safe(value: object) -> object:
    """Neutralise formula injection: text starting with = + - @ tab or CR gets a leading apostrophe."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


@dataclass(frozen=True)
class Column:
    key: str
    heading: str
    meaning: str
    values: str
    unit: str


def _text(bank_text: Mapping[str, str] | None, lang: str, labels: Labels) -> str:
    if not bank_text:
        return ""
    return fill(bank_text.get(lang) or bank_text.get("en", ""), labels)


class Words:
    """The export's words in one language."""

    def __init__(self, bank: Bank, lang: str, labels: Labels) -> None:
        self.bank, self.lang, self.labels = bank, lang, labels
        self._ = gettext_for(lang)
        role = next((c for c in bank.context if c.field == "current_role"), None)
        self.roles = {o.id: _text(o.text, lang, labels) for o in role.options} if role else {}
        self.skills = {s.id: _text(s.name, lang, labels) for s in bank.skills}

    def call(self, code: str | None) -> str:
        _ = self._
        names = {
            "AM": self.labels.account,
            "PM": self.labels.delivery,
            "HYBRID": _("Hybrid"),
            "NOCALL": _("Not enough answers yet"),
        }
        return names.get(code or "", "")

    def gaps(self, codes: str) -> str:
        return "; ".join(self.skills.get(c, c) for c in codes.split(";") if c)

    def columns(self) -> list[Column]:
        _ = self._
        lab = self.labels
        score = _("whole number from −100 to +100")
        percent = _("per cent, 0 to 100")
        roles = "; ".join(self.roles.values())
        calls = "; ".join(self.call(c) for c in ("AM", "PM", "HYBRID", "NOCALL"))
        skills = _("skill names, separated by semicolons; empty: no gap")
        cols = [
            Column("name", _("Name"), _("The name the person chose to be shown under."), _("text"), ""),
            Column("department", _("Department"), _("The department the person gave when joining."), _("text"), ""),
            Column("level", _("Level"), _("The level the person gave when joining."), _("text"), ""),
            Column("current_role", _("Current role"), _("The role the person has today, as they said."), roles, ""),
            Column("recommendation", _("Fit"), _("The track the answers fit best."), calls, ""),
            Column(
                "overall",
                _("Overall score"),
                fill(_("Orientation over all dimensions: below 0 leans to {delivery}, above 0 to {account}."), lab),
                score,
                _("points"),
            ),
        ]
        for d in DIMENSIONS:
            dim = self.bank.dimension(d)
            meaning = _("%(dimension)s: below 0 leans to “%(pm)s”, above 0 to “%(am)s”.") % {
                "dimension": _text(dim.name, self.lang, lab),
                "pm": _text(dim.pm_pole, self.lang, lab),
                "am": _text(dim.am_pole, self.lang, lab),
            }
            cols.append(Column(f"d_{d}", _text(dim.name, self.lang, lab), meaning, score, _("points")))
        for track, name in (("am", lab.account), ("pm", lab.delivery)):
            cols.append(
                Column(
                    f"readiness_{track}",
                    _("Readiness: %(track)s") % {"track": name},
                    _("How much of the skill levels the %(track)s track requires the person has already.")
                    % {"track": name},
                    percent,
                    "%",
                )
            )
        for track, name in (("am", lab.account), ("pm", lab.delivery)):
            cols.append(
                Column(
                    f"gaps_{track}",
                    _("Skill gaps: %(track)s") % {"track": name},
                    _("Skills below the level the %(track)s track requires, by the person's own rating.")
                    % {"track": name},
                    skills,
                    "",
                )
            )
        cols.append(
            Column("finished_at", _("Finished on"), _("The day the person finished the quiz."), "YYYY-MM-DD", "")
        )
        return cols

    def row(self, item: Mapping[str, Any]) -> list[Any]:
        return [spreadsheet_safe(convert(item.get(key))) for key, convert in self.converters]

    @property
    def columns_cached(self) -> list[Column]:
        found: list[Column] | None = getattr(self, "_columns", None)
        if found is None:
            found = self.columns()
            self._columns = found
        return found

    @property
    def converters(self) -> list[tuple[str, Callable[[Any], Any]]]:
        """Per column: its key and how a stored value becomes words (worked out once per export)."""
        found: list[tuple[str, Callable[[Any], Any]]] | None = getattr(self, "_converters", None)
        if found is None:
            found = []
            for column in self.columns_cached:
                convert: Callable[[Any], Any] = _same
                if column.key == "current_role":
                    convert = self._role
                elif column.key == "recommendation":
                    convert = self.call
                elif column.key.startswith("gaps_"):
                    convert = self._gaps
                found.append((column.key, convert))
            self._converters = found
        return found

    def _role(self, value: Any) -> Any:
        return self.roles.get(str(value), value)

    def _gaps(self, value: Any) -> str:
        return self.gaps(str(value or ""))


def _same(value: Any) -> Any:
    return value


def to_csv(words: Words, rows: Sequence[Mapping[str, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([c.heading for c in words.columns_cached])
    for item in rows:
        writer.writerow(words.row(item))
    return "\ufeff" + buffer.getvalue()  # BOM: Excel opens UTF-8 (Chinese, Vietnamese names) correctly


def _sheet_title(text: str) -> str:
    return "".join(ch for ch in text if ch not in "[]:*?/\\")[:31]


def to_xlsx(words: Words, rows: Sequence[Mapping[str, Any]]) -> bytes:
    """The participants and the data dictionary, written by XlsxWriter row by row (``constant_memory``: each
    row goes to the file as it is written). Text cells are text: no string becomes a formula or a link, and
    a value that looks like a formula was already given a leading apostrophe (:func:`spreadsheet_safe`).
    XlsxWriter rather than openpyxl (which still reads the people files): about half the time for the same
    cells (bench/RESULTS.md)."""
    import xlsxwriter

    _: Callable[[str], str] = words._
    out = io.BytesIO()
    options = {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    book = xlsxwriter.Workbook(out, options)
    bold = book.add_format({"bold": True})
    columns = words.columns_cached
    sheet = book.add_worksheet(_sheet_title(_("Participants")))
    sheet.freeze_panes(1, 0)
    sheet.write_row(0, 0, [str(spreadsheet_safe(c.heading)) for c in columns], bold)
    write_row = sheet.write_row
    for n, item in enumerate(rows, start=1):
        write_row(n, 0, words.row(item))
    guide = book.add_worksheet(_sheet_title(_("Data dictionary")))
    for index, width in enumerate((28, 70, 50, 12)):
        guide.set_column(index, index, width)
    guide.write_row(0, 0, [_("Column"), _("Meaning"), _("Values"), _("Unit")], bold)
    for n, c in enumerate(columns, start=1):
        guide.write_row(n, 0, [spreadsheet_safe(v) for v in (c.heading, c.meaning, c.values, c.unit)])
    book.close()
    return out.getvalue()
