"""Load the YAML question bank into a frozen :class:`~scoring.model.Bank` and validate it.

Every problem is reported as a :class:`BankIssue` naming the file, the item id
and the field, so that ``rolefit questions check`` can point at the exact spot.
All issues are collected before failing: one run shows everything to fix.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, NamedTuple, cast

import yaml

from scoring.glossary import Located, check_texts, parse_glossary
from scoring.labels import Tracks, check_text, role_words
from scoring.model import (
    PHASE_HOURS,
    PHASES,
    ROLES,
    TRACKS,
    Action,
    Bank,
    ContextQuestion,
    Dimension,
    Item,
    Option,
    PairedSide,
    ScoringConstants,
    Skill,
    Text,
    TrackId,
    TrackProfile,
)

SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
ID_RE = re.compile(r"^[a-z][a-z0-9_]{2,47}$")
OPTION_ID_RE = re.compile(r"^[a-z0-9][a-z0-9_+-]{0,15}$")
VERSION_RE = re.compile(r"^\d+\.\d+\.\d+$")
KINDS = ("likert", "paired", "situational", "proficiency", "check")


class BankIssue(NamedTuple):
    file: str
    item: str
    field: str
    message: str
    code: str

    def __str__(self) -> str:
        where = self.file + (f" [{self.item}]" if self.item else "") + (f" {self.field}" if self.field else "")
        return f"{where}: {self.message} ({self.code})"


class BankError(Exception):
    def __init__(self, issues: list[BankIssue]) -> None:
        self.issues = issues
        super().__init__("\n".join(str(i) for i in issues))


@dataclass(frozen=True)
class Minimums:
    """Release minimums of the bank (overridable in bank.yaml ``minimums``)."""

    orientation_items: int = 48
    likert_per_pole: int = 3
    mirrored_pairs_per_dimension: int = 1
    paired: int = 6
    situational: int = 8
    skills: int = 12
    actions: int = 30


def load_bank(root: str | Path) -> Bank:
    """Load and validate the bank under ``root``; raise :class:`BankError` listing every issue."""
    loader = _Loader(Path(root))
    bank = loader.load()
    if loader.issues or bank is None:
        raise BankError(loader.issues)
    return bank


def check_bank(root: str | Path) -> list[BankIssue]:
    """Return every issue in the bank under ``root`` (empty when it is valid)."""
    try:
        load_bank(root)
    except BankError as exc:
        return exc.issues
    return []


class _Loader:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.issues: list[BankIssue] = []
        self.languages: tuple[str, ...] = ("en", "zh-Hans", "vi")
        self.sources: dict[str, str] = {}
        self.minimums = Minimums()
        self.files: dict[str, str] = {}  # id -> file it was first defined in
        self.defs: list[tuple[str, str]] = []  # every (id, file) in load order
        self.texts: list[Located] = []  # every text read, with where it is (for the glossary)

    # -- reporting helpers -------------------------------------------------
    def issue(self, file: str, item: str, fld: str, message: str, code: str) -> None:
        self.issues.append(BankIssue(file, item, fld, message, code))

    def read(self, rel: str) -> Any:
        path = self.root / rel
        if not path.is_file():
            self.issue(rel, "", "", "file is missing", "missing_file")
            return None
        try:
            with path.open(encoding="utf-8") as fh:
                return yaml.load(fh, Loader=SafeLoader)  # noqa: S506 - a safe loader (libyaml when present)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f"line {mark.line + 1}" if mark is not None else ""
            self.issue(rel, "", where, f"not valid YAML: {getattr(exc, 'problem', exc)}", "yaml")
            return None

    def mapping(self, raw: Any, file: str, item: str, fld: str) -> dict[str, Any]:
        if not isinstance(raw, dict):
            self.issue(file, item, fld, "must be a mapping", "bad_type")
            return {}
        return raw

    def seq(self, raw: Any, file: str, item: str, fld: str) -> list[Any]:
        if not isinstance(raw, list):
            self.issue(file, item, fld, "must be a list", "bad_type")
            return []
        return raw

    def req(self, raw: dict[str, Any], key: str, file: str, item: str) -> Any:
        if key not in raw or raw[key] is None:
            self.issue(file, item, key, "is required", "missing_field")
            return None
        return raw[key]

    def text(self, raw: Any, file: str, item: str, fld: str) -> Text:
        if not isinstance(raw, dict):
            self.issue(file, item, fld, f"must map each of {', '.join(self.languages)} to a text", "language")
            return {lang: "" for lang in self.languages}
        for lang in self.languages:
            value = raw.get(lang)
            if not isinstance(value, str) or not value.strip():
                self.issue(file, item, f"{fld}.{lang}", "text is missing or empty", "language")
        for extra in sorted(set(raw) - set(self.languages), key=str):
            self.issue(file, item, f"{fld}.{extra}", "unknown language", "language")
        text = {lang: str(raw.get(lang) or "").strip() for lang in self.languages}
        self.texts.append(Located(file, item, fld, text))
        return text

    def source(self, raw: dict[str, Any], file: str, item: str) -> str:
        src = self.req(raw, "source", file, item)
        if src is not None and src not in self.sources:
            self.issue(
                file, item, "source", f"unknown source {src!r} (declare it in bank.yaml sources)", "unknown_source"
            )
        return str(src or "")

    def ident(self, raw: dict[str, Any], file: str, fallback: str) -> str:
        value = raw.get("id")
        if not isinstance(value, str) or not ID_RE.match(value):
            self.issue(file, str(value or fallback), "id", f"id must match {ID_RE.pattern}", "bad_id")
            return str(value or fallback)
        self.files.setdefault(value, file)
        self.defs.append((value, file))
        return value

    def level(self, raw: Any, file: str, item: str, fld: str) -> int:
        if isinstance(raw, bool) or not isinstance(raw, int) or not 1 <= raw <= 5:
            self.issue(file, item, fld, "must be a whole number from 1 to 5", "required_level")
            return 1
        return raw

    # -- sections ----------------------------------------------------------
    def load(self) -> Bank | None:
        meta = self.mapping(self.read("bank.yaml"), "bank.yaml", "", "")
        version = str(meta.get("version", ""))
        if not VERSION_RE.match(version):
            self.issue("bank.yaml", "", "version", "must be a version like 1.2.0", "bad_version")
        langs = meta.get("languages")
        if isinstance(langs, list) and langs and all(isinstance(x, str) for x in langs):
            self.languages = tuple(langs)
        else:
            self.issue("bank.yaml", "", "languages", "must be a non-empty list of language tags", "bad_type")
        self.sources = {
            str(k): str(v) for k, v in self.mapping(meta.get("sources"), "bank.yaml", "", "sources").items()
        }
        tracks = self.load_tracks(meta)
        scales, skip = self.load_scales(meta)
        constants = self.load_constants(meta)
        self.minimums = minimums = self.load_minimums(meta)

        dimensions = self.load_dimensions()
        skills = self.load_skills()
        items = self.load_items()
        context = self.load_context()
        actions = self.load_actions()
        profiles = self.load_profiles()

        self.check_ids()
        self.check_items(items, dimensions, skills)
        self.check_actions(actions, skills)
        self.check_minimums(minimums, dimensions, items, skills, actions)
        self.check_glossary()
        self.check_labels(tracks)
        if self.issues:
            return None
        return Bank(
            version=version,
            languages=self.languages,
            sources=self.sources,
            tracks=tracks,
            scales=scales,
            skip_label=skip,
            scoring=constants,
            dimensions=tuple(dimensions),
            items=tuple(items),
            skills=tuple(skills),
            context=tuple(context),
            actions=tuple(actions),
            profiles=profiles,
        )

    def load_tracks(self, meta: dict[str, Any]) -> dict[TrackId, dict[str, Text]]:
        raw = self.mapping(meta.get("tracks"), "bank.yaml", "", "tracks")
        out: dict[TrackId, dict[str, Text]] = {}
        for track in TRACKS:
            entry = self.mapping(raw.get(track), "bank.yaml", track, "tracks")
            out[track] = {k: self.text(entry.get(k), "bank.yaml", track, k) for k in ("short", "name")}
        return out

    def load_scales(self, meta: dict[str, Any]) -> tuple[dict[str, tuple[Text, ...]], Text]:
        raw = self.mapping(meta.get("scales"), "bank.yaml", "", "scales")
        scales: dict[str, tuple[Text, ...]] = {}
        for name, size in (("likert", 5), ("paired", 4)):
            labels = self.seq(raw.get(name), "bank.yaml", name, "scales")
            if len(labels) != size:
                self.issue("bank.yaml", name, "scales", f"needs exactly {size} labels", "bad_type")
            scales[name] = tuple(self.text(t, "bank.yaml", name, f"scales[{i}]") for i, t in enumerate(labels))
        return scales, self.text(raw.get("skip"), "bank.yaml", "skip", "scales")

    def load_constants(self, meta: dict[str, Any]) -> ScoringConstants:
        raw = self.mapping(meta.get("scoring", {}), "bank.yaml", "", "scoring")
        defaults = ScoringConstants()
        values: dict[str, Any] = {}
        limits = {
            "item_error_sd": (0.05, 2.0),
            "prior_sd": (0.1, 10.0),
            "hybrid_band": (0.0, 60.0),
            "decision_probability": (0.5, 0.999),
            "min_answers_per_dimension": (1, 10),
            "max_skipped_share": (0.0, 1.0),
            "straight_line_share": (0.5, 1.0),
            "straight_line_min_items": (3, 100),
            "contradiction_min_pairs": (1, 20),
            "fast_median_ms": (0, 60000),
            "situation_slope": (0.1, 10.0),
            "min_answers": (1, 200),
            "min_dimensions": (1, 20),
            "min_dimension_information": (0.0, 200.0),
            "max_overall_se": (1.0, 100.0),
            "person_fit_cut": (0.0, 10.0),
            "person_fit_min_items": (2, 200),
            "midpoint_style_share": (0.1, 1.0),
            "extreme_style_share": (0.1, 1.0),
            "midpoint_widening": (0.0, 5.0),
            "extreme_widening": (0.0, 5.0),
            "careless_fit_cut": (-5.0, 10.0),
            "careless_fit_alone_cut": (0.0, 20.0),
        }
        for f in fields(ScoringConstants):
            value = raw.get(f.name, getattr(defaults, f.name))
            lo, hi = limits[f.name]
            if isinstance(value, bool) or not isinstance(value, int | float) or not lo <= value <= hi:
                self.issue(
                    "bank.yaml", "", f"scoring.{f.name}", f"must be a number from {lo} to {hi}", "scoring_constant"
                )
                value = getattr(defaults, f.name)
            values[f.name] = type(getattr(defaults, f.name))(value)
        for unknown in sorted(set(raw) - {f.name for f in fields(ScoringConstants)}):
            self.issue("bank.yaml", "", f"scoring.{unknown}", "unknown scoring constant", "scoring_constant")
        return ScoringConstants(**values)

    def load_minimums(self, meta: dict[str, Any]) -> Minimums:
        raw = self.mapping(meta.get("minimums", {}), "bank.yaml", "", "minimums")
        values = {}
        for f in fields(Minimums):
            value = raw.get(f.name, getattr(Minimums(), f.name))
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                self.issue("bank.yaml", "", f"minimums.{f.name}", "must be a whole number >= 0", "bad_type")
                value = getattr(Minimums(), f.name)
            values[f.name] = value
        return Minimums(**values)

    def entries(self, rel: str, key: str) -> list[tuple[str, dict[str, Any]]]:
        raw = self.read(rel)
        if raw is None:
            return []
        top = self.mapping(raw, rel, "", "")
        out = []
        for index, entry in enumerate(self.seq(top.get(key), rel, "", key)):
            if not isinstance(entry, dict):
                self.issue(rel, f"#{index + 1}", "", "each entry must be a mapping", "bad_type")
                continue
            out.append((rel, entry))
        return out

    def load_dimensions(self) -> list[Dimension]:
        out = []
        for file, raw in self.entries("dimensions.yaml", "dimensions"):
            did = self.ident(raw, file, "?")
            weight = raw.get("weight", 1.0)
            if isinstance(weight, bool) or not isinstance(weight, int | float) or not 0 < weight <= 10:
                self.issue(file, did, "weight", "must be a number above 0 and at most 10", "bad_weight")
                weight = 1.0
            out.append(
                Dimension(
                    id=did,
                    weight=float(weight),
                    source=self.source(raw, file, did),
                    name=self.text(raw.get("name"), file, did, "name"),
                    description=self.text(raw.get("description"), file, did, "description"),
                    am_pole=self.text(raw.get("am_pole"), file, did, "am_pole"),
                    pm_pole=self.text(raw.get("pm_pole"), file, did, "pm_pole"),
                )
            )
        return out

    def load_skills(self) -> list[Skill]:
        out = []
        for file, raw in self.entries("skills.yaml", "skills"):
            sid = self.ident(raw, file, "?")
            req = self.mapping(self.req(raw, "required", file, sid) or {}, file, sid, "required")
            required = {t: self.level(req.get(t), file, sid, f"required.{t}") for t in TRACKS}
            out.append(
                Skill(
                    id=sid,
                    source=self.source(raw, file, sid),
                    required=cast(Mapping[TrackId, int], required),
                    name=self.text(raw.get("name"), file, sid, "name"),
                    description=self.text(raw.get("description"), file, sid, "description"),
                )
            )
        return out

    def load_items(self) -> list[Item]:
        folder = self.root / "items"
        files = sorted(p.name for p in folder.glob("*.yaml")) if folder.is_dir() else []
        if not files:
            self.issue("items/", "", "", "no item files found", "missing_file")
        out = []
        for name in files:
            for file, raw in self.entries(f"items/{name}", "items"):
                item = self.load_item(file, raw)
                if item is not None:
                    out.append(item)
        return out

    def load_item(self, file: str, raw: dict[str, Any]) -> Item | None:
        iid = self.ident(raw, file, "?")
        kind = raw.get("kind")
        if kind not in KINDS:
            self.issue(file, iid, "kind", f"unknown kind {kind!r}; expected one of {', '.join(KINDS)}", "unknown_kind")
            return None
        source = self.source(raw, file, iid)
        if kind == "likert":
            key = raw.get("key")
            if key not in TRACKS:
                self.issue(file, iid, "key", "must be am or pm", "bad_key")
            mirror = raw.get("mirror")
            return Item(
                id=iid,
                kind="likert",
                source=source,
                text=self.text(raw.get("text"), file, iid, "text"),
                dimension=str(self.req(raw, "dimension", file, iid)),
                key=cast(TrackId, key if key in TRACKS else "am"),
                mirror=str(mirror) if mirror is not None else None,
            )
        if kind == "paired":
            sides = []
            for side in ("a", "b"):
                entry = self.mapping(self.req(raw, side, file, iid) or {}, file, iid, side)
                pole = entry.get("pole")
                if pole not in TRACKS:
                    self.issue(file, iid, f"{side}.pole", "must be am or pm", "bad_key")
                sides.append(
                    PairedSide(
                        pole=cast(TrackId, pole if pole in TRACKS else "am"),
                        text=self.text(entry.get("text"), file, iid, f"{side}.text"),
                    )
                )
            if sides[0].pole == sides[1].pole:
                self.issue(file, iid, "b.pole", "the two sides must have opposite poles", "paired_poles")
            return Item(
                id=iid,
                kind="paired",
                source=source,
                text=self.text(raw.get("prompt"), file, iid, "prompt"),
                dimension=str(self.req(raw, "dimension", file, iid)),
                a=sides[0],
                b=sides[1],
            )
        if kind == "check":
            expect = raw.get("expect")
            if isinstance(expect, bool) or not isinstance(expect, int) or not 1 <= expect <= 5:
                self.issue(file, iid, "expect", "must be the instructed answer, 1 to 5", "bad_expect")
                expect = 1
            return Item(
                id=iid,
                kind="check",
                source=source,
                text=self.text(raw.get("text"), file, iid, "text"),
                expect=expect,
            )
        if kind == "situational":
            return Item(
                id=iid,
                kind="situational",
                source=source,
                text=self.text(raw.get("stem"), file, iid, "stem"),
                options=self.load_options(raw, file, iid, weighted=True),
            )
        anchors = self.seq(raw.get("anchors"), file, iid, "anchors")
        if len(anchors) != 5:
            self.issue(file, iid, "anchors", f"needs exactly 5 anchors (levels 1-5), found {len(anchors)}", "anchors")
        return Item(
            id=iid,
            kind="proficiency",
            source=source,
            text=self.text(raw.get("text"), file, iid, "text"),
            skill=str(self.req(raw, "skill", file, iid)),
            anchors=tuple(self.text(a, file, iid, f"anchors[{n + 1}]") for n, a in enumerate(anchors)),
        )

    def load_options(self, raw: dict[str, Any], file: str, iid: str, *, weighted: bool) -> tuple[Option, ...]:
        options = self.seq(raw.get("options"), file, iid, "options")
        lo, hi = (3, 4) if weighted else (2, 12)
        if not lo <= len(options) <= hi:
            self.issue(file, iid, "options", f"needs {lo} to {hi} options, found {len(options)}", "options")
        out = []
        for n, entry in enumerate(options):
            opt = self.mapping(entry, file, iid, f"options[{n + 1}]")
            oid = str(opt.get("id", ""))
            if not OPTION_ID_RE.match(oid):
                self.issue(file, iid, f"options[{n + 1}].id", f"option id must match {OPTION_ID_RE.pattern}", "options")
            weights: dict[str, float] = {}
            if weighted:
                raw_w = self.mapping(opt.get("weights"), file, iid, f"options.{oid}.weights")
                if not raw_w:
                    self.issue(file, iid, f"options.{oid}.weights", "needs at least one weight", "weight_range")
                for dim, w in raw_w.items():
                    if isinstance(w, bool) or not isinstance(w, int | float) or not (-1 <= w <= 1) or w == 0:
                        self.issue(
                            file,
                            iid,
                            f"options.{oid}.weights.{dim}",
                            "must be a non-zero number from -1 to 1",
                            "weight_range",
                        )
                        continue
                    weights[str(dim)] = float(w)
            out.append(
                Option(id=oid, text=self.text(opt.get("text"), file, iid, f"options.{oid}.text"), weights=weights)
            )
        dupes = [o for o, c in Counter(o.id for o in out).items() if c > 1]
        for d in dupes:
            self.issue(file, iid, f"options.{d}", "duplicate option id", "options")
        return tuple(out)

    def load_context(self) -> list[ContextQuestion]:
        out = []
        for file, raw in self.entries("context.yaml", "context"):
            cid = self.ident(raw, file, "?")
            fld = str(self.req(raw, "field", file, cid))
            options = self.load_options(raw, file, cid, weighted=False)
            if fld == "current_role" and {o.id for o in options} != set(ROLES):
                self.issue(
                    file, cid, "options", f"current_role options must be exactly {', '.join(ROLES)}", "unknown_role"
                )
            out.append(
                ContextQuestion(
                    id=cid,
                    field=fld,
                    required=bool(raw.get("required", False)),
                    text=self.text(raw.get("text"), file, cid, "text"),
                    options=options,
                )
            )
        if "current_role" not in {c.field for c in out}:
            self.issue("context.yaml", "", "field", "a context question for current_role is required", "missing_field")
        return out

    def load_profiles(self) -> dict[TrackId, TrackProfile]:
        """tracks.yaml: one profile per track (texts in every language, titles per language)."""
        out: dict[TrackId, TrackProfile] = {}
        for file, raw in self.entries("tracks.yaml", "tracks"):
            tid = raw.get("id")
            if tid not in TRACKS or tid in out:
                self.issue(file, str(tid), "id", "must be am or pm, once each", "bad_id")
                continue
            titles: dict[str, tuple[str, ...]] = {}
            given = self.mapping(raw.get("titles"), file, tid, "titles")
            for lang in self.languages:
                names = given.get(lang)
                if not isinstance(names, list) or not names or not all(isinstance(t, str) and t.strip() for t in names):
                    self.issue(file, tid, f"titles.{lang}", "needs a list of job titles", "language")
                    names = []
                titles[lang] = tuple(str(t) for t in names)
            out[tid] = TrackProfile(
                id=tid,
                source=self.source(raw, file, tid),
                summary=self.text(raw.get("summary"), file, tid, "summary"),
                day_to_day=tuple(
                    self.text(t, file, tid, f"day_to_day[{i}]")
                    for i, t in enumerate(self.seq(raw.get("day_to_day"), file, tid, "day_to_day"))
                ),
                works_with=self.text(raw.get("works_with"), file, tid, "works_with"),
                measured_by=tuple(
                    self.text(t, file, tid, f"measured_by[{i}]")
                    for i, t in enumerate(self.seq(raw.get("measured_by"), file, tid, "measured_by"))
                ),
                titles=titles,
            )
        for track in TRACKS:
            if track not in out:
                self.issue("tracks.yaml", track, "", "every track needs a profile", "missing_field")
        return out

    def load_actions(self) -> list[Action]:
        folder = self.root / "plans"
        files = sorted(p.name for p in folder.glob("*.yaml")) if folder.is_dir() else []
        if not files:
            self.issue("plans/", "", "", "no plan files found", "missing_file")
        out = []
        for name in files:
            for file, raw in self.entries(f"plans/{name}", "actions"):
                aid = self.ident(raw, file, "?")
                track = raw.get("track")
                if track not in TRACKS:
                    self.issue(file, aid, "track", "must be am or pm", "unknown_track")
                phase = raw.get("phase")
                if phase not in PHASES:
                    self.issue(file, aid, "phase", f"must be one of {', '.join(PHASES)}", "bad_phase")
                roles = self.seq(raw.get("from_roles", []), file, aid, "from_roles")
                for role in roles:
                    if role not in ROLES:
                        self.issue(file, aid, "from_roles", f"unknown role {role!r}", "unknown_role")
                skills = self.seq(self.req(raw, "skills", file, aid) or [], file, aid, "skills")
                if not skills:
                    self.issue(file, aid, "skills", "names at least one skill", "unknown_skill")
                effort = self.req(raw, "effort_hours", file, aid)
                budget = PHASE_HOURS.get(str(phase), max(PHASE_HOURS.values()))
                if effort is not None and (isinstance(effort, bool) or not isinstance(effort, int) or effort < 1):
                    self.issue(file, aid, "effort_hours", "must be a whole number of hours, at least 1", "effort")
                    effort = None
                elif effort is not None and effort > budget:
                    self.issue(
                        file,
                        aid,
                        "effort_hours",
                        f"{effort} hours do not fit the {budget} hours of phase {phase} next to a day job",
                        "effort",
                    )
                first = raw.get("first", False)
                if not isinstance(first, bool):
                    self.issue(file, aid, "first", "must be true or false", "bad_type")
                    first = False
                out.append(
                    Action(
                        id=aid,
                        track=cast(TrackId, track if track in TRACKS else "am"),
                        from_roles=tuple(str(r) for r in roles),
                        skills=tuple(str(s) for s in skills),
                        phase=str(phase),
                        source=self.source(raw, file, aid),
                        title=self.text(raw.get("title"), file, aid, "title"),
                        outcome=self.text(raw.get("outcome"), file, aid, "outcome"),
                        effort_hours=int(effort or 1),
                        first=first,
                    )
                )
        return out

    # -- cross checks -------------------------------------------------------
    def check_ids(self) -> None:
        first: dict[str, str] = {}
        for ident, file in self.defs:
            if ident in first:
                self.issue(file, ident, "id", f"duplicate id (first defined in {first[ident]})", "duplicate_id")
            else:
                first[ident] = file

    def check_items(self, items: list[Item], dimensions: list[Dimension], skills: list[Skill]) -> None:
        dims = {d.id for d in dimensions}
        by_id = {i.id: i for i in items}
        for item in items:
            file_of = self.files.get(item.id, "items")
            if item.kind in ("likert", "paired") and item.dimension not in dims:
                self.issue(file_of, item.id, "dimension", f"unknown dimension {item.dimension!r}", "unknown_dimension")
            if item.kind == "situational":
                self.check_situational(item, dims)
            if item.kind == "proficiency" and item.skill not in {s.id for s in skills}:
                self.issue(file_of, item.id, "skill", f"unknown skill {item.skill!r}", "unknown_skill")
            if item.kind == "likert" and item.mirror is not None:
                other = by_id.get(item.mirror)
                if other is None or other.kind != "likert":
                    self.issue(file_of, item.id, "mirror", f"mirror {item.mirror!r} is not a likert item", "mirror")
                elif other.mirror != item.id:
                    self.issue(
                        file_of, item.id, "mirror", f"{other.id} does not name {item.id} as its mirror", "mirror"
                    )
                elif other.key == item.key or other.dimension != item.dimension:
                    self.issue(
                        file_of,
                        item.id,
                        "mirror",
                        "a mirror must be on the same dimension with the opposite key",
                        "mirror",
                    )
        for dim in sorted(dims):
            keys = Counter(i.key for i in items if i.kind == "likert" and i.dimension == dim)
            if min(keys["am"], keys["pm"]) < self.minimums.likert_per_pole:
                self.issue(
                    "items",
                    dim,
                    "key",
                    f"unbalanced keys: {keys['am']} AM-keyed and {keys['pm']} PM-keyed likert items "
                    f"(at least {self.minimums.likert_per_pole} each)",
                    "unbalanced",
                )
            mirrored = sum(1 for i in items if i.kind == "likert" and i.dimension == dim and i.mirror and i.key == "am")
            if mirrored < self.minimums.mirrored_pairs_per_dimension:
                self.issue("items", dim, "mirror", "needs a mirrored AM/PM pair of likert items", "mirror")
        profs = Counter(i.skill for i in items if i.kind == "proficiency")
        for skill in skills:
            if profs[skill.id] != 1:
                self.issue(
                    "skills.yaml",
                    skill.id,
                    "id",
                    f"needs exactly one proficiency item, found {profs[skill.id]}",
                    "skill_item",
                )

    def check_situational(self, item: Item, dims: set[str]) -> None:
        touched: dict[str, set[int]] = {}
        file = self.files.get(item.id, "items")
        for option in item.options:
            for dim, w in option.weights.items():
                if dim not in dims:
                    self.issue(
                        file,
                        item.id,
                        f"options.{option.id}.weights.{dim}",
                        f"unknown dimension {dim!r}",
                        "unknown_dimension",
                    )
                touched.setdefault(dim, set()).add(1 if w > 0 else -1)
        for dim, signs in sorted(touched.items()):
            if dim in dims and signs != {1, -1}:
                self.issue(
                    file,
                    item.id,
                    f"weights.{dim}",
                    "every dimension an item weighs needs one option towards each pole",
                    "one_sided",
                )

    def check_actions(self, actions: list[Action], skills: list[Skill]) -> None:
        known = {s.id for s in skills}
        for track in TRACKS:
            firsts = [a for a in actions if a.first and a.track == track]
            if len(firsts) != 1:
                self.issue(
                    "plans",
                    track,
                    "first",
                    f"each track needs exactly one first step (first: true), found {len(firsts)}",
                    "first_step",
                )
            for a in firsts:
                if a.phase != PHASES[0] or a.from_roles:
                    self.issue(
                        self.files.get(a.id, "plans"),
                        a.id,
                        "first",
                        f"the first step is in phase {PHASES[0]} and written for anyone (no from_roles)",
                        "first_step",
                    )
        for action in actions:
            for skill in action.skills:
                if skill not in known:
                    self.issue(
                        self.files.get(action.id, "plans"),
                        action.id,
                        "skills",
                        f"unknown skill {skill!r}",
                        "unknown_skill",
                    )

    def check_glossary(self) -> None:
        """Every key term is written the one way glossary.yaml gives for its language."""
        raw = self.read("glossary.yaml")
        if raw is None:
            return
        terms, problems = parse_glossary(raw, self.languages)
        for term, fld, message in problems:
            self.issue("glossary.yaml", term, fld, message, "glossary_format")
        for hit in check_texts(terms, self.texts):
            self.issue(
                hit.file,
                hit.item,
                hit.field,
                f"{hit.found!r} is not the bank's term: write {hit.expected!r} (glossary: {hit.term})",
                "glossary",
            )

    def check_labels(self, tracks: Tracks) -> None:
        """Roles are named through placeholders ({delivery}, {account}, ...), never by a hard-coded title."""
        if any(not all(text.values()) for entry in tracks.values() for text in entry.values()):
            return  # the tracks' own texts are reported as missing already
        words = role_words(tracks, ("CM",))
        for where in self.texts:
            if where.file == "bank.yaml":
                continue  # bank.yaml's tracks ARE the default labels
            for hit in check_text(where.text, words):
                self.issue(where.file, where.item, f"{where.field}.{hit.lang}", hit.message, "role_label")

    def check_minimums(
        self,
        m: Minimums,
        dimensions: list[Dimension],
        items: list[Item],
        skills: list[Skill],
        actions: list[Action],
    ) -> None:
        counts = Counter(i.kind for i in items)
        checks = (
            ("orientation_items", counts["likert"] + counts["paired"] + counts["situational"], m.orientation_items),
            ("paired", counts["paired"], m.paired),
            ("situational", counts["situational"], m.situational),
            ("skills", len(skills), m.skills),
            ("actions", len(actions), m.actions),
        )
        for name, found, needed in checks:
            if found < needed:
                self.issue("bank", name, "count", f"found {found}, the bank needs at least {needed}", "too_few")
        if not dimensions:
            self.issue("dimensions.yaml", "", "dimensions", "no dimensions", "too_few")
