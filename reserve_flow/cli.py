"""The `reserve-flow` command: db, demo, users, audit, workflows."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from reserve_flow.config import ConfigError, load_settings


def _runtime():
    from reserve_flow.runtime import Runtime
    from reserve_flow.workflow.errors import DefinitionError

    try:
        return Runtime(load_settings())
    except ConfigError as exc:
        raise click.ClickException(f"configuration error: {exc}") from None
    except DefinitionError as exc:
        raise click.ClickException("workflow definitions have problems:\n" + str(exc)) from None


@click.group()
@click.option("--config", "config_path", type=click.Path(dir_okay=False), default=None,
              help="Configuration file (otherwise RESERVE_FLOW_CONFIG).")
def main(config_path: str | None) -> None:
    """reserve-flow: the personnel reserve of heads of educational organizations."""
    if config_path:
        os.environ["RESERVE_FLOW_CONFIG"] = config_path


# --- db ---------------------------------------------------------------------

@main.group()
def db() -> None:
    """The database schema."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True)
def db_upgrade(revision: str) -> None:
    """Apply migrations up to REVISION."""
    from reserve_flow import migrate

    rt = _runtime()
    _ensure_sqlite_folder(rt.settings.database_url)
    migrate.upgrade(rt.db, revision)
    click.echo(f"database at revision {migrate.current_revision(rt.db)}")


def _ensure_sqlite_folder(url: str) -> None:
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)


# --- users ------------------------------------------------------------------

@main.group()
def users() -> None:
    """People and their roles."""


@users.command("create")
@click.option("--email", required=True)
@click.option("--name", "full_name", required=True, help="Full name, as it appears in documents.")
@click.option("--role", "roles", multiple=True, required=True,
              help="applicant, secretary, member, chair, hr, admin (repeatable).")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
def users_create(email: str, full_name: str, roles: tuple[str, ...], password: str) -> None:
    """Create a user with one or more roles."""
    from reserve_flow.services.users import UserError, create_user

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
    from reserve_flow.workflow.audit import verify_chain

    rt = _runtime()
    with rt.sessions() as session:
        result = verify_chain(session)
    if result.ok:
        click.echo(f"audit chain intact: {result.checked} events checked")
        return
    click.echo(f"audit chain BROKEN after {result.checked} intact events: {result.problem} "
               f"(row id {result.broken_id})", err=True)
    sys.exit(1)


# --- workflows --------------------------------------------------------------

@main.group()
def workflows() -> None:
    """Workflow definitions in workflows/."""


@workflows.command("check")
@click.option("--dir", "directory", type=click.Path(file_okay=False, exists=True), default=None,
              help="Folder of workflow files (default: the project's workflows/).")
def workflows_check(directory: str | None) -> None:
    """Validate every workflow file; print each problem; exit 1 if there is one."""
    from reserve_flow.runtime import WORKFLOWS_DIR
    from reserve_flow.workflow.registry import check_directory

    folder = Path(directory) if directory else WORKFLOWS_DIR
    definitions, problems = check_directory(folder)
    for problem in problems:
        click.echo(problem, err=True)
    if problems:
        click.echo(f"{len(problems)} problem(s) in {folder}", err=True)
        sys.exit(1)
    for d in definitions.values():
        click.echo(f"{d.path.name if d.path else d.name}: {d.name}: "
                   f"{len(d.states)} states, {len(d.transitions)} transitions: ok")
