"""The bank's glossary: one rendering per key term and language, and the variants it forbids.

``questions/glossary.yaml`` lists each key term (stakeholder, contingency reserve,
baseline, ...) with the one way it is written in every language and the other
ways it must not be written. :func:`check_texts` scans every text of the bank and
reports a variant found in a text with the file, the item id, the field and the
expected rendering, so that ``rolefit questions check`` fails on it.

Matching is case-insensitive. A variant written in a Latin script only matches as
a whole word ("tester" does not match "testers"); a Chinese variant matches
anywhere, as Chinese has no spaces between words.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

Text = Mapping[str, str]
CJK_START = 0x2E80  # code points from here on belong to East Asian scripts: no word boundaries


@dataclass(frozen=True)
class Term:
    """A key term: its one rendering per language and the variants each language forbids."""

    id: str
    rendering: Text
    forbidden: Mapping[str, tuple[str, ...]]
    note: str = ""


class Located(NamedTuple):
    """A text of the bank and where it is: file, item id and field."""

    file: str
    item: str
    field: str
    text: Text


class GlossaryHit(NamedTuple):
    """A forbidden variant found in a text."""

    file: str
    item: str
    field: str
    term: str
    found: str
    expected: str


def _pattern(variant: str) -> re.Pattern[str]:
    body = re.escape(variant)
    if ord(variant[0]) < CJK_START:
        body = r"(?<!\w)" + body
    if ord(variant[-1]) < CJK_START:
        body += r"(?!\w)"
    return re.compile(body, re.IGNORECASE)


def parse_glossary(raw: Any, languages: tuple[str, ...]) -> tuple[list[Term], list[tuple[str, str, str]]]:
    """Read the ``terms:`` list of glossary.yaml; return the terms and the problems as (term id, field, message)."""
    problems: list[tuple[str, str, str]] = []
    entries = raw.get("terms") if isinstance(raw, dict) else None
    if not isinstance(entries, list) or not entries:
        return [], [("", "terms", "must be a non-empty list of terms")]
    terms: list[Term] = []
    seen: set[str] = set()
    for n, entry in enumerate(entries):
        if not isinstance(entry, dict) or not isinstance(entry.get("id"), str) or not entry["id"]:
            problems.append((f"#{n + 1}", "id", "each term is a mapping with an id"))
            continue
        tid = entry["id"]
        if tid in seen:
            problems.append((tid, "id", "duplicate term id"))
        seen.add(tid)
        rendering = {lang: entry.get(lang) for lang in languages}
        for lang, value in rendering.items():
            if not isinstance(value, str) or not value.strip():
                problems.append((tid, lang, "the term's rendering in this language is missing"))
        raw_forbidden = entry.get("forbidden", {})
        if not isinstance(raw_forbidden, dict):
            problems.append((tid, "forbidden", "must map a language to a list of variants"))
            raw_forbidden = {}
        forbidden: dict[str, tuple[str, ...]] = {}
        for lang, variants in raw_forbidden.items():
            if lang not in languages:
                problems.append((tid, f"forbidden.{lang}", "unknown language"))
                continue
            if not isinstance(variants, list) or not all(isinstance(v, str) and v.strip() for v in variants):
                problems.append((tid, f"forbidden.{lang}", "must be a list of non-empty variants"))
                continue
            expected = str(rendering.get(lang) or "")
            for v in variants:
                if expected and _pattern(v).search(expected):
                    problems.append((tid, f"forbidden.{lang}", f"the variant {v!r} matches the rendering itself"))
            forbidden[str(lang)] = tuple(variants)
        terms.append(
            Term(
                id=tid,
                rendering={lang: str(v or "") for lang, v in rendering.items()},
                forbidden=forbidden,
                note=str(entry.get("note", "")),
            )
        )
    return terms, problems


def check_texts(terms: Iterable[Term], texts: Iterable[Located]) -> list[GlossaryHit]:
    """Every forbidden variant found in ``texts``, in text order."""
    rules = [
        (term, lang, _pattern(variant), variant.casefold())
        for term in terms
        for lang, variants in term.forbidden.items()
        for variant in variants
    ]
    hits: list[GlossaryHit] = []
    for where in texts:
        folded = {lang: text.casefold() for lang, text in where.text.items()}
        for term, lang, pattern, needle in rules:
            # a plain substring test first: most texts hold no variant, and the bank loads at every start-up
            match = pattern.search(where.text[lang]) if needle in folded.get(lang, "") else None
            if match:
                hits.append(
                    GlossaryHit(
                        where.file,
                        where.item,
                        f"{where.field}.{lang}",
                        term.id,
                        match.group(0),
                        term.rendering[lang],
                    )
                )
    return hits
