"""``rolefit`` command line (Typer): serve, questions check/export, score, simulate, psychometrics, calibrate,
rescore."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from app.config import get_settings

if TYPE_CHECKING:
    from scoring.model import Bank

cli = typer.Typer(help="rolefit: Account Manager or Project Manager?", no_args_is_help=True, add_completion=False)
questions = typer.Typer(help="Validate and export the question bank.", no_args_is_help=True)
cli.add_typer(questions, name="questions")
db_cli = typer.Typer(help="Database migrations, backup and restore.", no_args_is_help=True)
cli.add_typer(db_cli, name="db")

BankPath = Annotated[Path | None, typer.Option("--path", help="Question bank folder (default: ROLEFIT_BANK_PATH).")]


def _bank(path: Path | None) -> Bank:
    from scoring import BankError, load_bank

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
    import yaml

    from scoring import check_bank, load_bank

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
    glossary = yaml.safe_load((Path(root) / "glossary.yaml").read_text(encoding="utf-8"))
    typer.echo(
        f"question bank {bank.version}: OK ({counts}; {len(bank.dimensions)} dimensions, "
        f"{len(bank.skills)} skills, {len(bank.actions)} plan actions, languages {', '.join(bank.languages)}; "
        f"every text follows the glossary's {len(glossary['terms'])} terms)"
    )


@questions.command("export")
def questions_export(
    fmt: Annotated[str, typer.Option("--format", help="Output format (json).")] = "json",
    path: BankPath = None,
    placeholders: Annotated[
        bool, typer.Option("--placeholders", help="Keep {delivery}, {account}, ... instead of the default labels.")
    ] = False,
) -> None:
    """Print the whole bank as a JSON codebook (role placeholders filled with each language's default labels)."""
    from scoring.labels import defaults, fill_texts
    from scoring.serialize import codebook

    if fmt != "json":
        typer.echo(f"unsupported format {fmt!r}; use json", err=True)
        raise typer.Exit(2)
    bank = _bank(path)
    data = codebook(bank)
    if not placeholders:
        data = fill_texts(data, {lang: defaults(bank.tracks, lang) for lang in bank.languages})
    _dump(data)


@cli.command("score")
def score_cmd(
    file: Annotated[str, typer.Argument(help="Answers JSON file, or - for standard input.")],
    target: Annotated[
        str | None, typer.Option(help="Plan for this track (am or pm) instead of the recommended one.")
    ] = None,
    path: BankPath = None,
) -> None:
    """Score an answers file and print the result with its transition plan as JSON."""
    from scoring import AnswerError, parse_answers, plan, score
    from scoring.serialize import plan_to_dict, result_to_dict

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
    n: Annotated[
        int, typer.Option("--n", min=1, max=1_000_000, help="Simulated respondents per condition (profile x style).")
    ] = 1000,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 1,
    style: Annotated[
        list[str] | None, typer.Option("--style", help="Only this response style (repeatable; default: all).")
    ] = None,
    table_path: Annotated[
        Path | None,
        typer.Option("--table", help="Rewrite the marked simulation table in this Markdown file (docs/method.md)."),
    ] = None,
    path: BankPath = None,
    adaptive: Annotated[
        bool,
        typer.Option(
            "--adaptive", help="Run the adaptive short form against the full form on the same people (issue 20)."
        ),
    ] = False,
) -> None:
    """Score synthetic respondents under every profile and response style; print (or write) the figures."""
    from scoring.simulate import STYLES, replace_table, table
    from scoring.simulate import simulate as run_simulation

    unknown = sorted(set(style or ()) - set(STYLES))
    if unknown:
        typer.echo(f"error: unknown style {', '.join(unknown)}; expected {', '.join(STYLES)}", err=True)
        raise typer.Exit(2)
    from scoring import simulate_adaptive

    if adaptive:
        report = simulate_adaptive.simulate_adaptive(_bank(path), n=n, seed=seed, styles=style or None)
        block = simulate_adaptive.table(report)
    else:
        report = run_simulation(_bank(path), n=n, seed=seed, styles=style or None)
        block = table(report)
    if table_path is None:
        _dump(report)
        return
    try:
        text = table_path.read_text(encoding="utf-8")
        text = simulate_adaptive.replace_block(text, block) if adaptive else replace_table(text, block)
    except (OSError, ValueError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    table_path.write_text(text, encoding="utf-8")
    typer.echo(f"simulation table written to {table_path} ({len(report['conditions'])} conditions, n = {n} each)")


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


@db_cli.command("backup")
def db_backup(
    path: Annotated[Path, typer.Argument(help="The backup file to write (must not exist).")],
    overwrite: Annotated[bool, typer.Option(help="Replace PATH if it exists.")] = False,
) -> None:
    """Back up ROLEFIT_DATABASE_URL to PATH while the app keeps serving.

    SQLite: SQLite's backup API (one consistent snapshot, checked with PRAGMA integrity_check).
    PostgreSQL: pg_dump --format=custom (PostgreSQL's client programs must be installed).
    """
    from app.backup import BackupError, backup

    try:
        made = backup(get_settings().database_url, path, overwrite=overwrite)
    except BackupError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    typer.echo(f"backup written: {made.describe()}")


@db_cli.command("restore")
def db_restore(
    path: Annotated[Path, typer.Argument(help="A backup made by rolefit db backup.")],
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask: replace the database.")] = False,
    any_revision: Annotated[
        bool, typer.Option(help="Accept a backup of another schema revision (then run rolefit db upgrade).")
    ] = False,
) -> None:
    """Replace ROLEFIT_DATABASE_URL with the backup at PATH, after checking it and asking.

    Stop the app first: a restore is atomic for running workers, but everything written since the
    backup is lost, and data people erased since the backup comes back (see docs/deploy.md).
    """
    from app.backup import BackupError, describe, inspect_backup, restore

    url = get_settings().database_url
    try:
        found = inspect_backup(url, path)
        typer.echo(f"backup:   {found.describe()}")
        typer.echo(f"replaces: {describe(url).describe()}")
        if not yes and not typer.confirm("Replace the database with this backup?", default=False):
            typer.echo("nothing changed", err=True)
            raise typer.Exit(1)
        done = restore(url, path, any_revision=any_revision)
    except BackupError as exc:
        typer.echo(f"error: {exc}; nothing changed", err=True)
        raise typer.Exit(2) from exc
    typer.echo(f"restored: {done.describe()}")


@db_cli.command("scrub")
def db_scrub() -> None:
    """Rewrite the tables that hold people's data so no freed space keeps erased rows (maintenance window:
    writers wait meanwhile). SQLite: VACUUM and a truncating checkpoint; PostgreSQL: VACUUM FULL and CHECKPOINT."""
    from app.db import Database
    from app.services.quiz import ERASED_TABLES

    database = Database(get_settings().database_url)
    try:
        typer.echo(database.scrub(ERASED_TABLES))
    finally:
        database.dispose()


@db_cli.command("rotate-data-key")
def db_rotate_data_key() -> None:
    """Seal every stored secret (TOTP keys, OIDC client secrets) again with the FIRST key of ROLEFIT_DATA_KEY;
    then the older keys can be removed from it (docs/sso.md)."""
    from app import vault
    from app.db import Database

    database = Database(get_settings().database_url)
    try:
        typer.echo(f"{vault.rotate(database)} secrets sealed with the first data key")
    finally:
        database.dispose()


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
    from app import auth
    from app.models import utcnow

    db, _ = _app_context()
    try:
        org, invited = auth.create_org(db, name, owner, utcnow())
    except auth.AccountError as exc:
        typer.echo(f"error: {exc.code} ({exc.field})", err=True)
        raise typer.Exit(2) from exc
    base = get_settings().base_url.rstrip("/")
    typer.echo(f"organisation {org.name!r} created (id {org.id})")
    typer.echo(f"owner {invited.user.email}: set the password within 7 days at")
    typer.echo(f"{base}/hr/set-password/{invited.token}")


operator_cli = typer.Typer(
    help="The operator: HR accounts that may read the site-wide psychometrics and manual (/ops).",
    no_args_is_help=True,
)
cli.add_typer(operator_cli, name="operator")


def _operator(action: str, email: str) -> None:
    from app.services import operators

    db, _ = _app_context()
    try:
        count = operators.grant(db, email) if action == "grant" else operators.revoke(db, email)
    finally:
        db.dispose()
    if action == "grant" and count == 0:
        typer.echo(f"error: no HR account with the e-mail {email!r}", err=True)
        raise typer.Exit(2)
    done = "granted to" if action == "grant" else "revoked from"
    typer.echo(f"operator {done} {count} HR account(s) with the e-mail {email.strip().lower()}")


@operator_cli.command("grant")
def operator_grant(email: Annotated[str, typer.Argument(help="The HR account's e-mail (every organisation).")]) -> None:
    """Make the HR account(s) with this e-mail operators: /ops/psychometrics and /ops/manual, all organisations."""
    _operator("grant", email)


@operator_cli.command("revoke")
def operator_revoke(
    email: Annotated[str, typer.Argument(help="The HR account's e-mail (every organisation).")],
) -> None:
    """Take the operator pages away from the HR account(s) with this e-mail."""
    _operator("revoke", email)


@cli.command("demo")
def demo(
    n: Annotated[int, typer.Option("--n", min=1, max=100_000, help="Simulated participants.")] = 200,
    people: Annotated[
        int | None,
        typer.Option(
            "--people",
            min=1,
            max=100_000,
            help="A realistic dataset instead: this many people in three languages with response styles, "
            "unfinished takes and retakes (needs rolefit[analytics]).",
        ),
    ] = None,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 42,
) -> None:
    """Create a demo organisation, an HR login, and a cohort of simulated participants."""
    from app.models import utcnow
    from app.services.demo import DemoPerson, create_demo

    db, bank = _app_context()
    drawn: list[DemoPerson] | None = None
    if people is not None:
        from app.services.quiz import question_order

        sim = _analytics().simulate_people(bank, people, seed, order=question_order(bank))
        drawn = [
            DemoPerson(p.person, p.take, p.lang, p.role, p.values, p.times_ms, p.finished, p.days_ago)
            for p in sim.people
        ]
    made = create_demo(db, bank, n=n, seed=seed, now=utcnow(), people=drawn)
    base = get_settings().base_url.rstrip("/")
    typer.echo(f"demo organisation with {made.participants} participants in one cohort")
    if drawn is not None:
        unfinished = sum(1 for p in drawn if not p.finished)
        retakes = sum(1 for p in drawn if p.take > 1)
        typer.echo(f"  {len(drawn)} assessments: {unfinished} unfinished, {retakes} retakes (seed {seed})")
    typer.echo(f"sign in at {base}/hr/login")
    typer.echo(f"  e-mail:   {made.email}")
    typer.echo(f"  password: {made.password}")
    typer.echo(f"dashboard: {base}/hr/cohorts/{made.cohort_id}")


def _analytics() -> Any:
    """The analytics package, or a clear exit when the optional extra is not installed."""
    try:
        import analytics
    except ImportError as exc:
        typer.echo(f"error: this needs the analytics extra: pip install 'rolefit[analytics]' ({exc})", err=True)
        raise typer.Exit(1) from exc
    return analytics


def _stored(bank_version: str | None, lang: str | None, org: str | None = None) -> list[Any]:
    from app.services.evidence import stored_responses

    analytics = _analytics()
    db, _ = _app_context()
    stored = stored_responses(db, bank_version=bank_version, lang=lang, org_id=org)
    rows = [analytics.Response(**vars(r)) for r in stored]
    db.dispose()
    return rows


@cli.command("psychometrics")
def psychometrics_cmd(
    fmt: Annotated[str, typer.Option("--format", help="table (readable), json, or html (a page for the operator).")] = (
        "table"
    ),
    bank_version: Annotated[str | None, typer.Option("--bank-version", help="Only this bank version.")] = None,
    lang: Annotated[str | None, typer.Option("--lang", help="Only this language (en, zh-Hans, vi).")] = None,
    form: Annotated[
        str | None, typer.Option("--form", help="Only the results of this form: full or adaptive (the short form).")
    ] = None,
    org: Annotated[str | None, typer.Option("--org", help="Only the people of this organisation (its id).")] = None,
    boot: Annotated[int, typer.Option(min=20, max=5000, help="Bootstrap resamples for the intervals.")] = 200,
    ui_lang: Annotated[str, typer.Option("--ui-lang", help="Language of the html page (en, zh-Hans, vi).")] = "en",
    save: Annotated[
        bool, typer.Option("--save", help="Also store the report for the psychometrics page (of --org, or of all).")
    ] = False,
    path: BankPath = None,
) -> None:
    """Evidence from the stored answers: usage, reliability, known groups, DIF, test-retest (minimum n applies)."""
    bank = _bank(path)
    if fmt not in ("table", "json", "html"):
        typer.echo(f"error: unsupported format {fmt!r}; use table, json or html", err=True)
        raise typer.Exit(2)
    if ui_lang not in bank.languages:
        typer.echo(f"error: unknown language {ui_lang!r}; expected one of {', '.join(bank.languages)}", err=True)
        raise typer.Exit(2)
    if lang is not None and lang not in bank.languages:
        typer.echo(f"error: unknown language {lang!r}; expected one of {', '.join(bank.languages)}", err=True)
        raise typer.Exit(2)
    if form is not None and form not in ("full", "adaptive"):
        typer.echo(f"error: unknown form {form!r}; expected full or adaptive", err=True)
        raise typer.Exit(2)
    analytics = _analytics()
    rows = _stored(bank_version, lang, org)
    report = analytics.psychometrics(bank, rows, bank_version=bank_version, lang=lang, boot=boot, form=form)
    report["filters"]["org"] = org
    if save:
        _save_report(report, org)
    if fmt == "json":
        _dump(report)
    elif fmt == "html":
        from app.templating import environment
        from scoring.labels import defaults

        dims = {d.id: d.name for d in bank.dimensions}
        page = environment(ui_lang).get_template("psychometrics/report.html")
        html = page.render(report=report, lang=ui_lang, dims=dims, labels=defaults(bank.tracks, ui_lang))
        typer.echo(html, nl=False)
    else:
        typer.echo(analytics.render_table(report), nl=False)


def _save_report(report: dict[str, Any], org: str | None) -> None:
    from app.models import Organisation, utcnow
    from app.services import psychometrics

    db, _ = _app_context()
    try:
        with db.read() as session:
            known = org is None or session.get(Organisation, org) is not None
        if not known:
            typer.echo(f"error: no organisation {org!r}", err=True)
            raise typer.Exit(2)
        row = psychometrics.save(db, report, org, utcnow())
    finally:
        db.dispose()
    typer.echo(f"stored the report of {row.n} assessments for {'organisation ' + org if org else 'all'}", err=True)


@cli.command("manual")
def manual_cmd(
    out: Annotated[Path, typer.Option("--out", help="Folder for manual.<lang>.html and .pdf.")] = Path("docs/manual"),
    params_version: Annotated[
        str | None, typer.Option("--params-version", help="The parameter file the results were re-scored with.")
    ] = None,
    boot: Annotated[int, typer.Option(min=20, max=5000, help="Bootstrap resamples for the intervals.")] = 200,
    pdf: Annotated[bool, typer.Option("--pdf/--no-pdf", help="Also write the PDFs (WeasyPrint).")] = True,
    path: BankPath = None,
) -> None:
    """The technical manual from the stored answers, in every language: an HTML page and a PDF each."""
    from datetime import UTC, datetime

    from app import manual

    bank = _bank(path)
    analytics = _analytics()
    report = analytics.psychometrics(bank, _stored(bank.version, None), bank_version=bank.version, boot=boot)
    today = datetime.now(UTC).date()
    written = manual.write(
        out, bank, report, bank.languages, generated_on=today, params_version=params_version, pdf=pdf
    )
    for f in written:
        typer.echo(f"wrote {f}")


@cli.command("calibrate")
def calibrate_cmd(
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Report only; write no file.")] = False,
    activate: Annotated[
        bool,
        typer.Option("--activate", help="Make the written file the one live scoring uses (<bank>/params/ACTIVE)."),
    ] = False,
    path: BankPath = None,
) -> None:
    """Fit item parameters on the stored answers of the installed bank version and write
    <bank>/params/<version>-<date>.yaml; report how many stored calls a re-score with them would change."""
    from scoring import SCORING_VERSION

    root = path or get_settings().bank_path
    bank = _bank(root)
    analytics = _analytics()
    rows = _stored(bank.version, None)
    try:
        params = analytics.calibrate(bank, rows)
    except analytics.CalibrationError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from exc
    changes = analytics.call_changes(bank, rows, params)
    typer.echo(f"calibrated bank {bank.version} on {params['n']} finished assessments ({params['method']})")
    for dim, fig in params["dimensions"].items():
        loads = [f["loading"] for f in fig["items"].values()]
        typer.echo(f"  {dim:<14} n={fig['n']:<6} omega {fig['omega']:.2f}  loadings {min(loads):.2f}..{max(loads):.2f}")
    typer.echo(
        f"re-scored with these weights, {changes['changed_by_calibration']} of {changes['results']} stored results "
        f"would change their call ({100 * (changes['changed_share'] or 0):.1f} %): "
        + (", ".join(f"{k} {v}" for k, v in changes["moves"].items()) or "none")
    )
    typer.echo(
        f"  against the stored snapshots: {changes['differ_from_stored_snapshot']} of "
        f"{changes['with_stored_snapshot']} differ"
    )
    if dry_run:
        return
    written = analytics.write_params(analytics.params_path(Path(root), params), params)
    if not activate:
        typer.echo(f"wrote {written} (apply it: rolefit rescore --to {SCORING_VERSION} --params {written})")
        return
    from app.services.params import activate as make_active

    active = make_active(Path(root), written, bank)
    typer.echo(
        f"wrote {written}; live scoring uses {active.version} from the next start "
        f"(re-score stored results: rolefit rescore --to {SCORING_VERSION})"
    )


@cli.command("rescore")
def rescore_cmd(
    to: Annotated[str, typer.Option("--to", help="Scoring version to re-score with (the installed engine's).")],
    params_file: Annotated[
        Path | None,
        typer.Option(
            "--params",
            help="A calibrated parameter file written by `rolefit calibrate` (default: the active one, as live "
            "scoring uses it; see --defaults).",
            exists=True,
        ),
    ] = None,
    defaults: Annotated[
        bool, typer.Option("--defaults", help="Score with the bank's defaults even when a parameter file is active.")
    ] = False,
    batch: Annotated[int, typer.Option("--batch", min=1, max=10_000, help="Results per transaction.")] = 200,
    path: BankPath = None,
) -> None:
    """Re-score the stored results with the installed engine (and a parameter file); earlier snapshots are kept."""
    from app.services.params import active_params, read_params
    from app.services.rescore import RescoreError, rescore
    from scoring import ParamsError

    settings = get_settings()
    root = path or settings.bank_path
    bank = _bank(root)
    params = None
    try:
        if params_file is not None:
            params = read_params(params_file, bank)
        elif not defaults:
            params = active_params(Path(root), bank, settings.scoring_params)
    except ParamsError as exc:
        typer.echo(f"error: {params_file or 'active parameters'}: {exc}", err=True)
        raise typer.Exit(2) from exc
    db, _ = _app_context()
    try:
        done = rescore(db, bank, to, params, batch=batch)
    except RescoreError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    finally:
        db.dispose()
    with_params = f" with parameters {params.version}" if params is not None else ""
    typer.echo(
        f"re-scored {done.rescored} of {done.results} stored results of bank {bank.version} "
        f"with scoring {to}{with_params}; {done.current} were already scored so, {done.other_bank} of other banks"
    )
    typer.echo(
        f"{done.changed} of {done.rescored} changed their call"
        + (": " + ", ".join(f"{k} {v}" for k, v in done.moves.items()) if done.moves else "")
    )
    typer.echo("earlier snapshots kept in result_history")


@cli.command("serve")
def serve(
    host: Annotated[str | None, typer.Option(help="Address to bind.")] = None,
    port: Annotated[int | None, typer.Option(help="Port.")] = None,
    workers: Annotated[int | None, typer.Option(help="Worker processes.", min=1)] = None,
    reload: Annotated[bool, typer.Option(help="Reload on code changes (development; one process).")] = False,
) -> None:
    """Serve the web app: the app loaded once, then forked into uvicorn workers under gunicorn (app/serving.py)."""
    from app import serving

    settings = get_settings()
    host, port = host or settings.host, port or settings.port
    if reload:  # development: uvicorn alone, which reloads the code (a preloaded app cannot be)
        import uvicorn

        uvicorn.run(serving.FACTORY, factory=True, host=host, port=port, reload=True, access_log=settings.access_log,
                    forwarded_allow_ips=settings.forwarded_allow_ips, **serving.Worker.CONFIG_KWARGS)  # fmt: skip
        return
    serving.Server(
        host=host,
        port=port,
        workers=workers or settings.workers,
        forwarded_allow_ips=settings.forwarded_allow_ips,
        access_log=settings.access_log,
    ).run()


jobs_cli = typer.Typer(help="Background jobs (mail): the worker and what it has done.", no_args_is_help=True)
cli.add_typer(jobs_cli, name="jobs")
mail_cli = typer.Typer(help="Outgoing mail (ROLEFIT_SMTP_*).", no_args_is_help=True)
cli.add_typer(mail_cli, name="mail")


def _job_handlers(settings: Any, database: Any) -> dict[str, Any]:
    """Every job kind the worker runs, by name."""
    from app import mail
    from app.mail import invitation

    def smtp() -> mail.SmtpConfig:
        return mail.SmtpConfig.from_settings(settings)

    from app.mail import checkin, digest, reminder
    from app.services import retention, webhooks

    return {
        "mail.send": mail.job_handler(smtp),
        invitation.KIND: invitation.handler(database, settings.base_url, smtp),
        retention.KIND: retention.job_handler(database, settings.webhook_log_days),
        reminder.KIND: reminder.handler(database, settings.base_url, smtp),
        checkin.KIND: checkin.handler(database, settings.base_url, smtp),
        digest.KIND: digest.handler(database, settings.base_url, smtp),
        webhooks.JOB: webhooks.handler(settings.webhook_allow_private, settings.webhook_timeout_seconds),
    }


def _job_ticks(settings: Any, database: Any) -> list[Any]:
    """What every worker does on a schedule: queue the reminders and the HR digests that are due."""
    from datetime import timedelta

    from app import jobs
    from app.services import checkin_mail, digest, reminders, retention

    return [
        jobs.Tick(
            "reminders",
            timedelta(seconds=settings.reminder_scan_seconds),
            lambda now: reminders.schedule_due(database, now),
        ),
        jobs.Tick(
            "digest",
            timedelta(seconds=settings.digest_scan_seconds),
            lambda now: digest.schedule_due(database, now),
        ),
        jobs.Tick(
            "checkin-mail",
            timedelta(seconds=settings.reminder_scan_seconds),
            lambda now: checkin_mail.schedule_due(database, now),
        ),
        jobs.Tick(  # cohort.closed for the cohorts closed by their date (once, however many workers scan)
            "cohort-closed",
            timedelta(seconds=settings.cohort_close_scan_seconds),
            lambda now: retention.announce_closed(database, now),
        ),
    ]


@cli.command("worker")
def worker_cmd(
    until_idle: Annotated[bool, typer.Option(help="Stop when no job is due (for scripts and tests).")] = False,
) -> None:
    """Run background jobs (mail) until stopped (SIGTERM/SIGINT finish the job in hand first).

    Start as many as you like, on as many machines as share the database: each job runs once.
    """
    import logging
    import signal
    import threading
    from datetime import timedelta

    from app import jobs
    from app.db import Database

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    settings = get_settings()
    database = Database(settings.database_url, synchronous=settings.sqlite_synchronous)
    stop = threading.Event()
    previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGTERM, signal.SIGINT)}
    worker = jobs.Worker(
        database,
        _job_handlers(settings, database),
        lease=timedelta(seconds=settings.job_lease_seconds),
        poll=settings.job_poll_seconds,
        retry_base=settings.job_retry_base_seconds,
        ticks=_job_ticks(settings, database),
    )
    from app.models import utcnow
    from app.services import retention

    retention.schedule(database, utcnow())  # the daily retention purge: queued once, it re-queues itself
    if not settings.smtp_host:
        typer.echo("note: ROLEFIT_SMTP_HOST is not set; mail jobs wait and retry until it is", err=True)
    typer.echo(f"worker {worker.name}: running {', '.join(sorted(worker.handlers))}", err=True)
    try:
        ran = worker.run(stop, until_idle=until_idle)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        database.dispose()
    typer.echo(f"worker {worker.name}: stopped after {ran} job(s)", err=True)


@jobs_cli.command("status")
def jobs_status(
    failed: Annotated[int, typer.Option(help="List up to this many failed jobs with their error.")] = 20,
) -> None:
    """Jobs per state, then the newest failed ones."""
    from app import jobs
    from app.db import Database

    database = Database(get_settings().database_url)
    typer.echo("  ".join(f"{state}: {n}" for state, n in jobs.counts(database).items()))
    for job in jobs.list_jobs(database, state="failed", limit=failed):
        typer.echo(f"#{job.id} {job.kind} after {job.attempts} attempt(s): {job.last_error}")
    database.dispose()


@jobs_cli.command("retry")
def jobs_retry(job_id: Annotated[int, typer.Argument(help="A failed job's id (see jobs status).")]) -> None:
    """Queue a failed job again, due now."""
    from app import jobs
    from app.db import Database

    database = Database(get_settings().database_url)
    done = jobs.retry_now(database, job_id)
    database.dispose()
    if not done:
        typer.echo(f"error: job {job_id} is not a failed job", err=True)
        raise typer.Exit(2)
    typer.echo(f"job {job_id} queued again")


@mail_cli.command("test")
def mail_test(
    to: Annotated[str, typer.Option("--to", help="Where to send the test e-mail.")],
    lang: Annotated[str, typer.Option(help="Language: en, zh-Hans or vi.")] = "en",
) -> None:
    """Send one test e-mail now (not as a job) to check the ROLEFIT_SMTP_* settings."""
    from app import mail

    settings = get_settings()
    try:
        config = mail.SmtpConfig.from_settings(settings)
    except mail.MailNotConfigured as exc:
        typer.echo(f"error: {exc}; see docs/deploy.md (Mail)", err=True)
        raise typer.Exit(2) from exc
    message = mail.build("test", lang, to=to, sender=config.sender, context={})
    try:
        mail.deliver(message, config)
    except Exception as exc:
        typer.echo(f"error: not sent: {exc}", err=True)
        raise typer.Exit(1) from exc
    typer.echo(f"sent {message.message_id} to {to} via {config.host}:{config.port}")


@cli.command("purge")
def purge_cmd(
    org: Annotated[str | None, typer.Option(help="Only this organisation's id.")] = None,
) -> None:
    """Erase participations past their organisation's retention and webhook deliveries older than
    ROLEFIT_WEBHOOK_LOG_DAYS now (the worker also does both daily)."""
    from app.db import Database
    from app.models import utcnow
    from app.services import retention, webhooks

    settings = get_settings()
    database = Database(settings.database_url)
    try:
        erased = retention.purge(database, utcnow(), org_id=org)
        pruned = 0 if org else webhooks.prune_deliveries(database, utcnow(), settings.webhook_log_days)
    finally:
        database.dispose()
    total = sum(erased.values())
    typer.echo(f"erased {total} participation(s) in {len(erased)} organisation(s) with a retention setting")
    if not org:
        typer.echo(f"deleted {pruned} webhook deliveries older than {settings.webhook_log_days} days")


def main() -> None:
    cli()


if __name__ == "__main__":  # pragma: no cover
    main()
