"""Role labels: the titles of the two tracks, filled into bank texts through placeholders.

A bank text names a role through a placeholder, never by a hard-coded title, so that an
organisation can call its delivery role "CM", "Delivery Lead" or 项目经理 and every text follows:

=====================  =============================================
``{account}``          the account role's title ("Account Manager")
``{account_short}``    its short form ("AM")
``{delivery}``         the delivery role's title ("Project Manager")
``{delivery_short}``   its short form ("PM"; the Vietnamese source says "CM")
=====================  =============================================

The per-language defaults are the ``tracks`` of bank.yaml. :func:`fill` is the one substitution
(pure, no escaping: the caller escapes the result like any other text); :func:`check_text` is
what ``rolefit questions check`` runs on every text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

PLACEHOLDERS = ("account", "account_short", "delivery", "delivery_short")
PLACEHOLDER_RE = re.compile(r"\{([^{}]*)\}")
TRACK_OF = {"account": "am", "delivery": "pm"}  # placeholder stem -> track id
Tracks = Mapping[Any, Mapping[str, Mapping[str, str]]]  # bank.yaml tracks: track -> short/name -> language
MAX_LABEL = 40  # characters, for a label an organisation sets


@dataclass(frozen=True)
class Labels:
    """The four labels in one language."""

    account: str
    account_short: str
    delivery: str
    delivery_short: str

    def as_dict(self) -> dict[str, str]:
        return {name: getattr(self, name) for name in PLACEHOLDERS}

    def name(self, track: str) -> str:
        """The title of ``track`` ("am" or "pm")."""
        return self.account if track == "am" else self.delivery

    def short(self, track: str) -> str:
        """The short form of ``track`` ("am" or "pm")."""
        return self.account_short if track == "am" else self.delivery_short


def fill(text: str, labels: Labels) -> str:
    """``text`` with every known placeholder replaced by its label; anything else is left as written.

    >>> fill("Ask the {delivery} ({delivery_short}).", Labels("Account Manager", "AM", "Delivery Lead", "DL"))
    'Ask the Delivery Lead (DL).'
    """
    if "{" not in text:
        return text
    values = labels.as_dict()
    return PLACEHOLDER_RE.sub(lambda m: values.get(m.group(1), m.group(0)), text)


def defaults(tracks: Tracks, lang: str) -> Labels:
    """The bank's default labels in ``lang``, from bank.yaml ``tracks`` (track -> short/name -> language)."""

    def pick(track: str, key: str) -> str:
        text = tracks[track][key]
        return text.get(lang) or text.get("en", "")

    return Labels(pick("am", "name"), pick("am", "short"), pick("pm", "name"), pick("pm", "short"))


def with_overrides(base: Labels, overrides: Mapping[str, str] | None) -> Labels:
    """``base`` with the non-empty ``overrides`` (placeholder name -> label) put over it."""
    if not overrides:
        return base
    values = base.as_dict()
    values.update({k: v for k, v in overrides.items() if k in values and v})
    return Labels(**values)


def label_problem(value: str) -> str | None:
    """Why ``value`` cannot be a label (an English reason for logs and tests), or None when it can."""
    if not value.strip():
        return "empty"
    if len(value) > MAX_LABEL:
        return "too_long"
    if any(ord(c) < 32 or 0x7F <= ord(c) < 0xA0 or c in "{}<>" for c in value):
        return "bad_character"
    return None


class RoleWord(NamedTuple):
    """A role title that a bank text must not hard-code in ``lang``, and the placeholder to write."""

    lang: str
    word: str
    placeholder: str


def role_words(tracks: Tracks, extra_short: Iterable[str]) -> list[RoleWord]:
    """Every default title and short form, per language, plus ``extra_short`` (e.g. "CM") in every language."""
    words: list[RoleWord] = []
    langs = sorted({lang for t in tracks.values() for text in t.values() for lang in text})
    for stem, track in TRACK_OF.items():
        for lang in langs:
            words.append(RoleWord(lang, tracks[track]["name"][lang], "{" + stem + "}"))
            words.append(RoleWord(lang, tracks[track]["short"][lang], "{" + stem + "_short}"))
    for word in extra_short:
        for lang in langs:
            words.append(RoleWord(lang, word, "{delivery_short}"))
    return [w for w in dict.fromkeys(words) if w.word]


def _word_pattern(word: str) -> re.Pattern[str]:
    # case-sensitive ("I am" is no AM; "quản lý dự án", the activity, is no title), whole words (or
    # their plural) in Latin scripts, anywhere in Chinese
    body = re.escape(word)
    if ord(word[0]) < 0x2E80:
        body = r"(?<!\w)" + body
    if ord(word[-1]) < 0x2E80:
        body += r"s?(?!\w)"  # a plural is a hard-coded title too
    return re.compile(body)


class LabelHit(NamedTuple):
    """A problem in one language of one text: an unknown placeholder or a hard-coded role word."""

    lang: str
    found: str
    message: str


def check_text(text: Mapping[str, str], words: Iterable[RoleWord]) -> list[LabelHit]:
    """Unknown placeholders and hard-coded role words in ``text`` (language -> text)."""
    hits: list[LabelHit] = []
    words = list(words)
    for lang, value in text.items():
        for m in PLACEHOLDER_RE.finditer(value):
            if m.group(1) not in PLACEHOLDERS:
                known = ", ".join("{" + p + "}" for p in PLACEHOLDERS)
                hits.append(LabelHit(lang, m.group(0), f"unknown placeholder {m.group(0)!r} (known: {known})"))
        bare = PLACEHOLDER_RE.sub(" ", value)
        for word in words:
            # the substring test first: most texts name no role, and the bank is checked at every start-up
            if word.lang == lang and word.word in bare and _word_pattern(word.word).search(bare):
                hits.append(
                    LabelHit(lang, word.word, f"the role title {word.word!r} is hard-coded: write {word.placeholder}")
                )
    return hits


def fill_all(value: Any, labels: Labels) -> Any:
    """``value`` (JSON-like: dicts, lists, strings) with every string filled by :func:`fill`."""
    if isinstance(value, str):
        return fill(value, labels)
    if isinstance(value, (list, tuple)):
        return [fill_all(v, labels) for v in value]
    if isinstance(value, dict):
        return {k: fill_all(v, labels) for k, v in value.items()}
    return value


def fill_texts(value: Any, by_lang: Mapping[str, Labels]) -> Any:
    """``value`` (JSON-like) with each multilingual text (a dict keyed by language) filled in its own language."""
    if isinstance(value, (list, tuple)):
        return [fill_texts(v, by_lang) for v in value]
    if isinstance(value, dict):
        if value and set(value) <= set(by_lang) and all(isinstance(v, str) for v in value.values()):
            return {lang: fill(text, by_lang[lang]) for lang, text in value.items()}
        return {k: fill_texts(v, by_lang) for k, v in value.items()}
    return value
