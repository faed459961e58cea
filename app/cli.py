"""``rolefit`` command line (Typer): serve, questions check/export, score, simulate."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from app.config import get_settings
from scoring import AnswerError, BankError, check_bank, load_bank, parse_answers, plan, score
from scoring.model import Bank
from scoring.serialize import codebook, plan_to_dict, result_to_dict
from scoring.simulate import simulate as run_simulation

cli = typer.Typer(help="rolefit: Account Manager or Project Manager?", no_args_is_help=True, add_completion=False)
questions = typer.Typer(help="Validate and export the question bank.", no_args_is_help=True)
cli.add_typer(questions, name="questions")
db_cli = typer.Typer(help="Database migrations.", no_args_is_help=True)
cli.add_typer(db_cli, name="db")

BankPath = Annotated[Path | None, typer.Option("--path", help="Question bank folder (default: ROLEFIT_BANK_PATH).")]


def _bank(path: Path | None) -> Bank:
    try:
        return load_bank(path or get_settings().bank_path)
    except BankError as exc:
        for issue in exc.issues:
            typer.echo(str(issue), err=True)
        raise typer.Exit(1) from exc


def _dump(data: Any) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2))


@questions.command("check")
def questions_check(path: BankPath = None) -> None:
    """Validate the bank; print every issue as 'file [item] field: message' and exit 1 if any."""
    root = path or get_settings().bank_path
    issues = check_bank(root)
    for issue in issues:
        typer.echo(str(issue), err=True)
    if issues:
        typer.echo(f"{len(issues)} issue(s) in {root}", err=True)
        raise typer.Exit(1)
    bank = load_bank(root)
    kinds: dict[str, int] = {}
    for item in bank.items:
        kinds[item.kind] = kinds.get(item.kind, 0) + 1
    counts = ", ".join(f"{n} {k}" for k, n in kinds.items())
    typer.echo(
        f"question bank {bank.version}: OK ({counts}; {len(bank.dimensions)} dimensions, "
        f"{len(bank.skills)} skills, {len(bank.actions)} plan actions, languages {', '.join(bank.languages)})"
    )


@questions.command("export")
def questions_export(
    fmt: Annotated[str, typer.Option("--format", help="Output format (json).")] = "json",
    path: BankPath = None,
) -> None:
    """Print the whole bank as a JSON codebook."""
    if fmt != "json":
        typer.echo(f"unsupported format {fmt!r}; use json", err=True)
        raise typer.Exit(2)
    _dump(codebook(_bank(path)))


@cli.command("score")
def score_cmd(
    file: Annotated[str, typer.Argument(help="Answers JSON file, or - for standard input.")],
    target: Annotated[
        str | None, typer.Option(help="Plan for this track (am or pm) instead of the recommended one.")
    ] = None,
    path: BankPath = None,
) -> None:
    """Score an answers file and print the result with its transition plan as JSON."""
    bank = _bank(path)
    try:
        raw = sys.stdin.read() if file == "-" else Path(file).read_text(encoding="utf-8")
    except OSError as exc:
        typer.echo(f"error: cannot read {file}: {exc.strerror}", err=True)
        raise typer.Exit(2) from exc
    try:
        payload = json.loads(raw)
    except json.JSONDecodeError as exc:
        typer.echo(f"error: {file} is not valid JSON: {exc.msg} at line {exc.lineno}", err=True)
        raise typer.Exit(2) from exc
    if target not in (None, "am", "pm"):
        typer.echo("error: --target must be am or pm", err=True)
        raise typer.Exit(2)
    try:
        answers = parse_answers(bank, payload)
    except AnswerError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    result = score(bank, answers)
    transition = plan(bank, result, answers.current_role, target)  # type: ignore[arg-type]
    _dump({"result": result_to_dict(result), "plan": plan_to_dict(bank, transition, answers.lang)})


@cli.command("simulate")
def simulate_cmd(
    n: Annotated[int, typer.Option("--n", min=1, max=1_000_000, help="Number of simulated respondents.")] = 1000,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 1,
    path: BankPath = None,
) -> None:
    """Score synthetic respondents with known profiles; print accuracy, hybrid rate and Cronbach's alpha."""
    _dump(run_simulation(_bank(path), n=n, seed=seed))


def _migrate(direction: str, revision: str) -> None:
    from app.db import Database
    from app.migrate import downgrade, upgrade

    database = Database(get_settings().database_url)
    (upgrade if direction == "up" else downgrade)(database.engine, revision)
    database.optimize()  # SQLite: the planner's statistics in place from the start
    database.dispose()
    typer.echo(f"database at {revision}: {database.engine.url.render_as_string(hide_password=True)}")


@db_cli.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument(help="Target revision.")] = "head") -> None:
    """Apply the migrations to ROLEFIT_DATABASE_URL (creates the SQLite file if needed)."""
    _migrate("up", revision)


@db_cli.command("downgrade")
def db_downgrade(revision: Annotated[str, typer.Argument(help="Target revision.")] = "base") -> None:
    """Undo migrations down to REVISION (default: base, an empty database)."""
    _migrate("down", revision)


org_cli = typer.Typer(help="HR organisations.", no_args_is_help=True)
cli.add_typer(org_cli, name="org")


def _app_context() -> tuple[Any, Bank]:
    from app.db import Database

    settings = get_settings()
    return Database(settings.database_url), _bank(None)


@org_cli.command("create")
def org_create(
    name: Annotated[str, typer.Argument(help="The organisation's name.")],
    owner: Annotated[str, typer.Option("--owner", help="E-mail of its first owner.")],
) -> None:
    """Create an organisation and its owner; print a one-time link to set the owner's password."""
    from app.models import utcnow
    from app.services import accounts

    db, _ = _app_context()
    try:
        org, invited = accounts.create_org(db, name, owner, utcnow())
    except accounts.AccountError as exc:
        typer.echo(f"error: {exc.code} ({exc.field})", err=True)
        raise typer.Exit(2) from exc
    base = get_settings().base_url.rstrip("/")
    typer.echo(f"organisation {org.name!r} created (id {org.id})")
    typer.echo(f"owner {invited.user.email}: set the password within 7 days at")
    typer.echo(f"{base}/hr/set-password/{invited.token}")


@cli.command("demo")
def demo(n: Annotated[int, typer.Option("--n", min=1, max=100_000, help="Simulated participants.")] = 200) -> None:
    """Create a demo organisation, an HR login, and a cohort of simulated participants."""
    from app.models import utcnow
    from app.services.demo import create_demo

    db, bank = _app_context()
    made = create_demo(db, bank, n=n, now=utcnow())
    base = get_settings().base_url.rstrip("/")
    typer.echo(f"demo organisation with {made.participants} participants in one cohort")
    typer.echo(f"sign in at {base}/hr/login")
    typer.echo(f"  e-mail:   {made.email}")
    typer.echo(f"  password: {made.password}")
    typer.echo(f"dashboard: {base}/hr/cohorts/{made.cohort_id}")


@cli.command("serve")
def serve(
    host: Annotated[str | None, typer.Option(help="Address to bind.")] = None,
    port: Annotated[int | None, typer.Option(help="Port.")] = None,
    workers: Annotated[int | None, typer.Option(help="Worker processes.")] = None,
    reload: Annotated[bool, typer.Option(help="Reload on code changes (development).")] = False,
) -> None:
    """Serve the web app with uvicorn."""
    import uvicorn

    from app import serving

    settings = get_settings()
    uvicorn.run(
        "app.main:create_app",
        factory=True,
        loop=serving.LOOP,
        http=serving.HTTP,
        host=host or settings.host,
        port=port or settings.port,
        workers=workers or settings.workers,
        reload=reload,
        proxy_headers=True,
        forwarded_allow_ips=settings.forwarded_allow_ips,
        access_log=settings.access_log,
    )


def main() -> None:
    cli()


if __name__ == "__main__":  # pragma: no cover
    main()
