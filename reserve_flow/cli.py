"""The `reserve-flow` command: db, demo, scheduler, users, audit, files, workflows, backup, restore."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from reserve_flow.config import ConfigError, load_settings


def _runtime():
    from reserve_flow.core.workflow.errors import DefinitionError
    from reserve_flow.runtime import Runtime

    try:
        return Runtime(load_settings())
    except ConfigError as exc:
        raise click.ClickException(f"configuration error: {exc}") from None
    except DefinitionError as exc:
        raise click.ClickException("workflow definitions have problems:\n" + str(exc)) from None


class _Commands(click.Group):
    """Every command answers an unreachable database with one line, not a traceback."""

    def invoke(self, ctx: click.Context):
        from sqlalchemy.exc import OperationalError

        try:
            return super().invoke(ctx)
        except OperationalError as exc:
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc).splitlines()[0]
            raise click.ClickException(f"database error: {reason}") from None


@click.group(cls=_Commands)
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False),
    default=None,
    help="Configuration file (otherwise RESERVE_FLOW_CONFIG).",
)
def main(config_path: str | None) -> None:
    """reserve-flow: the personnel reserve of heads of educational organizations."""
    if config_path:
        os.environ["RESERVE_FLOW_CONFIG"] = config_path


# --- db ---------------------------------------------------------------------


@main.group()
def db() -> None:
    """The database schema."""


@db.command("upgrade")
@click.option("--revision", default="heads", show_default=True)
def db_upgrade(revision: str) -> None:
    """Apply migrations up to REVISION."""
    from reserve_flow.core import migrate

    rt = _runtime()
    _ensure_sqlite_folder(rt.settings.database_url)
    migrate.upgrade(rt.db, revision)
    click.echo(f"database at revision {', '.join(sorted(migrate.current_revisions(rt.db)))}")


def _ensure_sqlite_folder(url: str) -> None:
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)


# --- demo -------------------------------------------------------------------


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to serve on.")
@click.option("--port", default=5000, show_default=True, type=int, help="Port to serve on.")
@click.option("--no-serve", is_flag=True, help="Seed the database and exit (for tests and CI).")
def demo(host: str, port: int, no_serve: bool) -> None:
    """Migrate the configured database, fill it with demo data and serve the app.

    Run again, it reuses the data it finds. The database is the configured one
    (RESERVE_FLOW_CONFIG, RESERVE_FLOW_DATABASE_URL): by default a SQLite file in ./instance.
    """
    from sqlalchemy.exc import OperationalError

    from reserve_flow import create_app
    from reserve_flow.core import migrate
    from reserve_flow.demo.district import seed_demo

    rt = _runtime()
    database = rt.db.url.render_as_string(hide_password=True)
    rt.settings.instance_path.mkdir(parents=True, exist_ok=True)
    _ensure_sqlite_folder(rt.settings.database_url)
    try:
        migrate.upgrade(rt.db)
        seed = seed_demo(rt)
    except OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise click.ClickException(f"database {database}: {reason}") from None

    if seed.created:
        click.echo(f"Демонстрационные данные созданы / Demo data created: {database}")
    else:
        click.echo(f"Демонстрационные данные уже есть, берём их / Demo data already there, reused: {database}")
    rows = [("Роль / Role", "ФИО / Name", "E-mail", "Пароль / Password")]
    for account in seed.accounts:
        role = f"{account.role_label('ru')} / {account.role_label('en')}"
        rows.append((role, account.full_name, account.email, seed.password))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for n, row in enumerate(rows):
        click.echo("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
        if n == 0:
            click.echo("  ".join("-" * width for width in widths))
    states = rt.workflows.definitions["application"].states
    click.echo("\nЗаявления при создании демо / Applications as seeded:")
    for account in seed.accounts:
        if account.application_state:
            state = states[account.application_state]
            click.echo(f"  {account.email}: {state.label('ru')} / {state.label('en')}")
    if no_serve:
        rt.dispose()
        return
    background = None
    if rt.settings["scheduler"]["enabled"]:
        from reserve_flow.core.deadlines.scheduler import InProcess

        _log_to_stderr()
        background = InProcess(rt).start()
        click.echo("Планировщик сроков и уведомлений запущен / Deadline and notification scheduler running")
    click.echo(f"\nОткройте / Open http://{host}:{port}/  (Ctrl+C: остановить / stop)")
    try:
        create_app(runtime=rt).run(host=host, port=port, debug=False, use_reloader=False)
    finally:
        if background is not None:
            background.stop()


def _log_to_stderr() -> None:
    import logging

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    logging.getLogger("apscheduler").setLevel(logging.WARNING)  # one line per tick is noise


# --- scheduler --------------------------------------------------------------


@main.command()
def scheduler() -> None:
    """Run the deadline scans and the outbox dispatch until stopped (SIGTERM or Ctrl+C).

    Every scheduler.scan_interval_seconds: reminders, escalations and expiry
    transitions of due deadlines, then the e-mail and in-app notifications. Start as
    many as you like: one acts (it holds a lease row with an expiry), the others
    wait and take over when it stops, dies or hangs past scheduler.lease_seconds.
    """
    from reserve_flow.core import migrate
    from reserve_flow.core.deadlines.scheduler import run_forever

    rt = _runtime()
    # Fail now, in one line, on a wrong or unmigrated database; later outages are only logged.
    if migrate.current_revisions(rt.db) != migrate.head_revisions():
        raise click.ClickException("the database is not at the latest revision: run `reserve-flow db upgrade`")
    _log_to_stderr()
    click.echo(
        f"scheduler: database {rt.db.url.render_as_string(hide_password=True)}, "
        f"every {rt.settings['scheduler']['scan_interval_seconds']} s; SIGTERM or Ctrl+C stops it"
    )
    try:
        run_forever(rt)
    finally:
        rt.dispose()
    click.echo("scheduler: stopped")


# --- backup and restore -----------------------------------------------------


@main.command("backup")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
def backup_command(directory: Path) -> None:
    """Copy the database and the stored files into DIRECTORY (new or empty), with a
    manifest of their SHA-256 hashes. Safe while the application runs."""
    from reserve_flow.core.backup import BackupError, backup

    rt = _runtime()
    try:
        result = backup(rt.db, rt.settings.uploads_folder, directory)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        rt.dispose()
    click.echo(
        f"Копия готова / backup written: {result.folder} (schema {', '.join(result.revision)}, "
        f"{result.files} stored files)"
    )
    click.echo(f"manifest.json SHA-256 (keep it apart from the backup): {result.manifest_sha256}")


@main.command("restore")
@click.argument("directory", type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.option(
    "--manifest-sha256",
    default=None,
    help="The manifest's SHA-256 that `reserve-flow backup` printed: refuse a manifest rewritten since.",
)
def restore_command(directory: Path, manifest_sha256: str | None) -> None:
    """Restore the backup in DIRECTORY into the configured database and uploads folder,
    both of which must be empty. Every hash of the manifest is checked first; then the
    audit chain and the restored files are checked."""
    from reserve_flow.core.audit.chain import verify_chain
    from reserve_flow.core.backup import BackupError, restore

    rt = _runtime()
    try:
        try:
            result = restore(rt.db, rt.settings.uploads_folder, directory, manifest_sha256)
        except BackupError as exc:
            raise click.ClickException(str(exc)) from None
        with rt.sessions() as session:
            chain = verify_chain(session)
    finally:
        rt.dispose()
    click.echo(
        f"Восстановлено / restored: schema {', '.join(result.revision)}, {result.files} stored files, "
        f"audit chain: {chain.checked} events"
    )
    problems = list(result.problems)
    if not chain.ok:
        problems.append(f"audit chain broken: {chain.problem} (row id {chain.broken_id})")
    if problems:
        for problem in problems:
            click.echo(f"ОШИБКА / PROBLEM: {problem}", err=True)
        sys.exit(1)
    if result.upgrade_needed:
        click.echo(
            "Схема старше этой версии: выполните / the schema is older than this version: reserve-flow db upgrade"
        )


# --- users ------------------------------------------------------------------


@main.group()
def users() -> None:
    """People and their roles."""


@users.command("create")
@click.option("--email", required=True)
@click.option("--name", "full_name", required=True, help="Full name, as it appears in documents.")
@click.option(
    "--role",
    "roles",
    multiple=True,
    required=True,
    help="applicant, secretary, member, chair, hr, signatory, mentor, admin (repeatable).",
)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
def users_create(email: str, full_name: str, roles: tuple[str, ...], password: str) -> None:
    """Create a user with one or more roles."""
    from reserve_flow.people.services.users import UserError, create_user

    rt = _runtime()
    try:
        with rt.transaction() as session:
            user = create_user(session, email=email, full_name=full_name, password=password, roles=list(roles))
            click.echo(f"created user #{user.id} {user.email} ({', '.join(sorted(user.roles))})")
    except UserError as exc:
        raise click.ClickException(str(exc)) from None


# --- audit ------------------------------------------------------------------


@main.group()
def audit() -> None:
    """The tamper-evident audit log."""


@audit.command("verify")
def audit_verify() -> None:
    """Walk the hash chain; exit non-zero naming the first broken event."""
    from reserve_flow.core.audit.chain import verify_chain

    rt = _runtime()
    with rt.sessions() as session:
        result = verify_chain(session)
    if result.ok:
        click.echo(f"audit chain intact: {result.checked} events checked")
        return
    click.echo(
        f"audit chain BROKEN after {result.checked} intact events: {result.problem} (row id {result.broken_id})",
        err=True,
    )
    sys.exit(1)


# --- files ------------------------------------------------------------------


@main.group()
def files() -> None:
    """The uploads folder: stored and generated files."""


@files.command("sweep")
@click.option(
    "--grace-hours",
    type=click.FloatRange(min=0),
    default=24.0,
    show_default=True,
    help="Only files older than this go (a transaction still running may have just written one).",
)
def files_sweep(grace_hours: float) -> None:
    """Remove temporary files left by interrupted writes and files no row refers to."""
    from datetime import timedelta

    from reserve_flow.core.files.sweep import sweep

    rt = _runtime()
    try:
        with rt.sessions() as session:
            result = sweep(session, rt.settings.uploads_folder, timedelta(hours=grace_hours))
    finally:
        rt.dispose()
    for path in result.temporary:
        click.echo(f"removed temporary file {path}")
    for path in result.unreferenced:
        click.echo(f"removed unreferenced file {path}")
    click.echo(
        f"files sweep: {len(result.temporary)} temporary and {len(result.unreferenced)} unreferenced files removed"
    )


# --- workflows --------------------------------------------------------------


@main.group()
def workflows() -> None:
    """Workflow definitions in workflows/."""


@workflows.command("check")
@click.option(
    "--dir",
    "directory",
    type=click.Path(file_okay=False, exists=True),
    default=None,
    help="Folder of workflow files (default: the project's workflows/).",
)
def workflows_check(directory: str | None) -> None:
    """Validate every workflow file; print each problem; exit 1 if there is one."""
    from reserve_flow.core.workflow.registry import check_directory
    from reserve_flow.runtime import WORKFLOWS_DIR

    folder = Path(directory) if directory else WORKFLOWS_DIR
    definitions, problems = check_directory(folder)
    for problem in problems:
        click.echo(problem, err=True)
    if problems:
        click.echo(f"{len(problems)} problem(s) in {folder}", err=True)
        sys.exit(1)
    for d in definitions.values():
        click.echo(
            f"{d.path.name if d.path else d.name}: {d.name}: "
            f"{len(d.states)} states, {len(d.transitions)} transitions: ok"
        )


@workflows.command("export")
@click.argument("name")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["bpmn", "dot", "svg"]),
    default="bpmn",
    show_default=True,
    help="BPMN 2.0 XML for modelers, Graphviz DOT source (for those who have `dot`), or an SVG picture.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True),
    default=None,
    help="File to write (default: standard output).",
)
def workflows_export(name: str, fmt: str, output: str | None) -> None:
    """Export workflow NAME as BPMN 2.0 XML, DOT or SVG."""
    from reserve_flow.core.workflow.bpmn import export_bpmn
    from reserve_flow.core.workflow.diagram import render, workflow_graph
    from reserve_flow.core.workflow.registry import check_directory
    from reserve_flow.runtime import WORKFLOWS_DIR

    definitions, problems = check_directory(WORKFLOWS_DIR)
    if problems:
        raise click.ClickException("workflow definitions have problems:\n" + "\n".join(problems))
    if name not in definitions:
        raise click.ClickException(f"no workflow {name!r} (known: {', '.join(sorted(definitions))})")
    definition = definitions[name]
    content = export_bpmn(definition) if fmt == "bpmn" else render(workflow_graph(definition), fmt)
    if output is None:
        click.echo(content, nl=False)
        return
    Path(output).write_bytes(content)
    click.echo(f"{name}: {fmt} written to {output}", err=True)


@workflows.command("import")
@click.argument("source", type=click.Path(dir_okay=False, exists=True))
@click.option(
    "--out",
    "output",
    type=click.Path(dir_okay=False, writable=True),
    default=None,
    help="Workflow file to write (default: standard output).",
)
@click.option("--subject", default=None, help="The kind of case, when the file does not say (rf:workflow).")
def workflows_import(source: str, output: str | None, subject: str | None) -> None:
    """Turn a BPMN process (drawn in Camunda Modeler, or exported here) into a workflow
    TOML; print, in Russian, what could not be carried over; exit 1 if the result does
    not pass the workflow checks (the file is written all the same, to be fixed)."""
    from reserve_flow import domains  # noqa: F401  (the roles, guards and subjects the checks know)
    from reserve_flow.core.workflow.bpmn_import import import_bpmn
    from reserve_flow.core.workflow.registry import subject_types

    result = import_bpmn(Path(source).read_bytes(), subject=subject, subjects=set(subject_types()))
    if not result.toml:
        raise click.ClickException("; ".join(result.problems))
    for problem in result.problems:
        click.echo(f"не перенесено: {problem}", err=True)
    if output is None:
        click.echo(result.toml, nl=False)
    else:
        Path(output).write_text(result.toml, encoding="utf-8")
        click.echo(f"{source}: записан {output}", err=True)
    for error in result.errors:
        click.echo(f"ошибка проверки: {error}", err=True)
    if result.errors:
        sys.exit(1)
