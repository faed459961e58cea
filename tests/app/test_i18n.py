"""Languages: negotiation, formatting, and complete catalogs (a missing translation fails the build)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from app.i18n import fmt_probability, negotiate, normalise, parse_accept_language
from app.messages import ERRORS, message

ROOT = Path(__file__).resolve().parents[2]
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")
Msg = str | tuple[str, ...]  # a plural message is (singular, plural) and has one translation per plural form


def extracted() -> set[Msg]:
    with (ROOT / "babel.cfg").open() as fh:
        method_map, options_map = parse_mapping_cfg(fh)
    keywords = {"_": None, "N_": None, "ngettext": (1, 2)}
    found = extract_from_dir(str(ROOT), method_map, options_map, keywords=keywords)
    return {msg for _file, _line, msg, _comments, _ctx in found if isinstance(msg, str | tuple)}


def catalog(locale: str) -> dict[Msg, Msg]:
    with (ROOT / "locales" / locale / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        cat = read_po(fh)
    return {m.id: m.string for m in cat if m.id}


def forms(msg: Msg | None) -> tuple[str, ...]:
    return (msg,) if isinstance(msg, str) else tuple(msg or ())


def test_catalog_template_is_up_to_date() -> None:
    with (ROOT / "locales" / "messages.pot").open("rb") as fh:
        pot = {m.id for m in read_po(fh) if m.id}
    assert extracted() == pot, "run: make messages"


@pytest.mark.parametrize("locale", ["zh_Hans", "vi"])
def test_every_string_is_translated(locale: str) -> None:
    strings = catalog(locale)
    missing = sorted((str(s) for s in extracted() if not all(forms(strings.get(s)) or [""])), key=str)
    assert not missing, f"{locale}: {len(missing)} untranslated, e.g. {missing[:3]}"
    for msgid, msgstr in strings.items():
        for original, translated in zip(forms(msgid) * len(forms(msgstr)), forms(msgstr), strict=False):
            assert set(PLACEHOLDER.findall(original)) == set(PLACEHOLDER.findall(translated)), (locale, msgid)
            assert original.count("%%") == translated.count("%%"), (locale, msgid)
    plural = [m for m in extracted() if isinstance(m, tuple)]
    assert plural and all(len(forms(strings[m])) == 1 for m in plural), "zh and vi have one plural form"


def test_english_catalog_lists_every_string() -> None:
    assert extracted() <= set(catalog("en"))


@pytest.mark.parametrize(
    ("explicit", "header", "expected"),
    [
        (None, None, "en"),
        (None, "vi-VN,vi;q=0.9,en;q=0.8", "vi"),
        (None, "zh-CN,zh;q=0.9", "zh-Hans"),
        (None, "zh-TW", "zh-Hans"),
        (None, "fr-FR, de;q=0.9", "en"),
        (None, "fr;q=0.9, vi;q=0.5, zh;q=0.7", "zh-Hans"),
        (None, "vi;q=0, en", "en"),
        (None, "en;q=abc, vi", "vi"),
        ("vi", "zh-CN", "vi"),
        ("xx", "zh-CN", "zh-Hans"),
        ("zh_Hans", None, "zh-Hans"),
    ],
)
def test_negotiation(explicit: str | None, header: str | None, expected: str) -> None:
    assert negotiate(explicit, header) == expected


def test_accept_language_parsing() -> None:
    assert parse_accept_language("en;q=0.5, vi, *;q=0.1") == ["vi", "en"]
    assert normalise("EN-gb") == "en" and normalise("") is None and normalise("de") is None


def test_probability_is_never_certain() -> None:
    assert fmt_probability(0.9999, "en") == ">99%"
    assert fmt_probability(0.00001, "en") == "<1%"
    assert fmt_probability(0.734, "en") == "73%"


@pytest.mark.parametrize("lang", ["zh-Hans", "vi"])
def test_error_messages_are_translated(lang: str) -> None:
    for code in ERRORS:
        text = message(code, lang, item="x", low=1, high=5)
        assert text and text != message(code, "en", item="x", low=1, high=5), (lang, code)
