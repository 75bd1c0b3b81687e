"""The `reserve-flow` command: db, demo, scheduler, users, tokens, audit, workflows."""

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
    many as you like: one acts (a PostgreSQL advisory lock, a lease row on SQLite),
    the others wait and take over when it stops.
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
    help="applicant, secretary, member, chair, hr, mentor, admin (repeatable).",
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


# --- tokens -----------------------------------------------------------------


@main.group()
def tokens() -> None:
    """Personal API tokens (Authorization: Bearer <token>)."""


def _user_by_email(session, email: str):
    from sqlalchemy import func, select

    from reserve_flow.people.models import User

    user = session.scalars(select(User).where(func.lower(User.email) == email.strip().lower())).first()
    if user is None:
        raise click.ClickException(f"no user with e-mail {email}")
    return user


@tokens.command("create")
@click.argument("email")
@click.option("--days", default=90, show_default=True, type=int, help="Days the token is valid.")
@click.option("--name", default="", help="What the token is for, to tell it apart later.")
def tokens_create(email: str, days: int, name: str) -> None:
    """Create a token for the user EMAIL; the token is printed once, on stdout, alone."""
    from reserve_flow.core.api.tokens import TokenRefused, create_token

    rt = _runtime()
    with rt.sessions() as session:
        user = _user_by_email(session, email)
        try:
            made = create_token(session, user, rt.now(), name=name or "Токен из командной строки", days=days)
        except TokenRefused as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(
            f"token #{made.token.id} for {user.email}, valid until {made.token.expires_at:%Y-%m-%d %H:%M} UTC",
            err=True,
        )
        click.echo(made.secret)


@tokens.command("list")
@click.argument("email")
def tokens_list(email: str) -> None:
    """The user's tokens (never their secrets)."""
    from reserve_flow.core.api.tokens import tokens_of

    rt = _runtime()
    now = rt.now()
    with rt.sessions() as session:
        for token in tokens_of(session, _user_by_email(session, email)):
            status = "revoked" if token.revoked_at else ("active" if token.active_at(now) else "expired")
            click.echo(f"#{token.id}\t{token.hint}…\t{token.name}\t{token.expires_at:%Y-%m-%d}\t{status}")


@tokens.command("revoke")
@click.argument("token_id", type=int)
def tokens_revoke(token_id: int) -> None:
    """Revoke token TOKEN_ID (as listed by `tokens list`), on behalf of its owner; audited."""
    from reserve_flow.core.api.tokens import ApiToken, TokenNotFound, TokenRefused, revoke_token
    from reserve_flow.people.models import User

    rt = _runtime()
    with rt.sessions() as session:
        token = session.get(ApiToken, token_id)
        if token is None:
            raise click.ClickException(f"no token #{token_id}")
        try:
            revoke_token(session, session.get(User, token.user_id), token_id, rt.now())
        except (TokenNotFound, TokenRefused) as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(f"token #{token_id} revoked")


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
