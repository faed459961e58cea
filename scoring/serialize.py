"""Results and plans to plain JSON-ready dicts, and results back (stored snapshots)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any, cast

from scoring.model import (
    Bank,
    Contribution,
    DimensionScore,
    Evidence,
    Flag,
    Lang,
    PersonFit,
    Result,
    SkillReadiness,
    TrackId,
    TransitionPlan,
)


def result_to_dict(result: Result) -> dict[str, Any]:
    out = asdict(result)
    for dim, src in zip(out["dimensions"], result.dimensions, strict=True):
        dim["ci95"] = list(src.ci95)
    return out


def result_from_dict(data: dict[str, Any]) -> Result:
    """Rebuild a :class:`Result` stored by :func:`result_to_dict` (any bank and scoring version).

    Snapshots from scoring 1.x have no model error, information, evidence or person fit: those stay None / 0.
    """
    ev = data.get("evidence")
    fit = data.get("fit")
    return Result(
        dimensions=tuple(
            DimensionScore(
                id=d["id"],
                score=float(d["score"]),
                se=float(d["se"]),
                answered=int(d["answered"]),
                items=int(d["items"]),
                sufficient=bool(d["sufficient"]),
                contributions=tuple(Contribution(c["item_id"], float(c["value"])) for c in d["contributions"]),
                model_se=None if d.get("model_se") is None else float(d["model_se"]),
                information=float(d.get("information", 0.0)),
            )
            for d in data["dimensions"]
        ),
        overall=float(data["overall"]),
        overall_se=float(data["overall_se"]),
        p_am=float(data["p_am"]),
        recommendation=data["recommendation"],
        lean=data["lean"],
        readiness=tuple(
            SkillReadiness(
                skill=r["skill"],
                level=r["level"],
                required=cast(dict[TrackId, int], r["required"]),
                gap=cast(dict[TrackId, int | None], r["gap"]),
            )
            for r in data["readiness"]
        ),
        track_readiness=cast(dict[TrackId, float | None], data["track_readiness"]),
        flags=tuple(Flag(f["code"], f["detail"], tuple(f["items"])) for f in data["flags"]),
        answered=int(data["answered"]),
        items=int(data["items"]),
        bank_version=data["bank_version"],
        scoring_version=data["scoring_version"],
        evidence=None if ev is None else Evidence(**{**ev, "short": tuple(ev["short"])}),
        fit=None if fit is None else PersonFit(**fit),
        params_version=data.get("params_version"),
    )


def plan_to_dict(bank: Bank, plan: TransitionPlan, lang: Lang) -> dict[str, Any]:
    """The plan with each action's title and outcome in ``lang``."""
    out = asdict(plan)
    out["gaps"] = [{"skill": s, "gap": g} for s, g in plan.gaps]
    for phase in out["phases"]:
        for planned in phase["actions"]:
            action = bank.action(planned["action"])
            planned["title"] = action.title[lang]
            planned["outcome"] = action.outcome[lang]
            planned["effort_hours"] = action.effort_hours
            planned["source"] = action.source
    return out


def codebook(bank: Bank) -> dict[str, Any]:
    """The whole bank as a codebook: ids, kinds, keys, loadings, options with weights, texts."""

    def item(i: Any) -> dict[str, Any]:
        out: dict[str, Any] = {"id": i.id, "kind": i.kind, "source": i.source, "text": dict(i.text)}
        if i.kind in ("likert", "paired", "situational"):
            out["loadings"] = i.loadings()
        if i.kind == "likert":
            out.update(dimension=i.dimension, key=i.key, mirror=i.mirror, scale=[1, 5])
        elif i.kind == "paired":
            out.update(dimension=i.dimension, a=asdict(i.a), b=asdict(i.b), scale=[1, 4])
        elif i.kind == "situational":
            out["options"] = [{"id": o.id, "weights": dict(o.weights), "text": dict(o.text)} for o in i.options]
        elif i.kind == "check":
            out.update(expect=i.expect, scale=[1, 5])
        else:
            out.update(skill=i.skill, anchors=[dict(a) for a in i.anchors], scale=[1, 5])
        return out

    return {
        "version": bank.version,
        "languages": list(bank.languages),
        "sign_convention": "positive = AM pole, negative = PM pole",
        "sources": dict(bank.sources),
        "tracks": {t: {k: dict(v) for k, v in names.items()} for t, names in bank.tracks.items()},
        "scales": {k: [dict(label) for label in v] for k, v in bank.scales.items()},
        "skip_label": dict(bank.skip_label),
        "scoring": asdict(bank.scoring),
        "dimensions": [asdict(d) for d in bank.dimensions],
        "skills": [asdict(s) for s in bank.skills],
        "context": [asdict(c) for c in bank.context],
        "items": [item(i) for i in bank.items],
        "actions": [asdict(a) for a in bank.actions],
    }
