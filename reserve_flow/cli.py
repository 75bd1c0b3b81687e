"""The `reserve-flow` command: db, demo, scheduler, users, tokens, audit, files, workflows, backup, restore."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from reserve_flow.config import ConfigError, load_settings


def _runtime(overrides: dict | None = None):
    from reserve_flow.core.workflow.errors import DefinitionError
    from reserve_flow.runtime import Runtime

    try:
        return Runtime(load_settings(overrides=overrides))
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


# The demo serves plain HTTP on this machine: a Secure session cookie would never come back.
DEMO_OVERRIDES = {"app": {"secure_cookies": False}}


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

    rt = _runtime(DEMO_OVERRIDES)
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
    from reserve_flow.core.errors import Refused
    from reserve_flow.people.services.users import create_user

    rt = _runtime()
    try:
        with rt.transaction() as session:
            user = create_user(
                session,
                email=email,
                full_name=full_name,
                password=password,
                roles=list(roles),
                password_min_length=rt.settings["app"]["password_min_length"],
            )
            click.echo(f"created user #{user.id} {user.email} ({', '.join(sorted(user.roles))})")
    except Refused as exc:  # a taken e-mail, an unknown role, a password the policy refuses
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
@click.option(
    "--checkpoint",
    "checkpoint_file",
    type=click.Path(dir_okay=False),
    default=None,
    help="A signed checkpoint (from `audit checkpoint`): the chain up to it must be the one it signed.",
)
@click.option(
    "--public-key",
    "public_key_file",
    type=click.Path(dir_okay=False),
    default=None,
    help="The checkpoint key's public half (default: the configured signing key's).",
)
def audit_verify(checkpoint_file: str | None, public_key_file: str | None) -> None:
    """Walk the hash chain; exit non-zero naming the first broken event. With a
    checkpoint, also fail when events up to it were removed or rewritten consistently."""
    from reserve_flow.core.audit import checkpoint as checkpoints
    from reserve_flow.core.audit.chain import verify_chain

    rt = _runtime()
    signed = key = None
    if checkpoint_file:
        try:
            signed = checkpoints.read_checkpoint(Path(checkpoint_file))
            key = checkpoints.load_public_key(
                Path(public_key_file) if public_key_file else rt.settings.audit_signing_key
            )
        except checkpoints.CheckpointError as exc:
            raise click.ClickException(str(exc)) from None
    with rt.sessions() as session:
        result = verify_chain(session)
        anchored = checkpoints.check_checkpoint(session, signed, key) if signed and key else None
    if not result.ok:
        click.echo(
            f"audit chain BROKEN after {result.checked} intact events: {result.problem} (row id {result.broken_id})",
            err=True,
        )
        sys.exit(1)
    if anchored is not None and not anchored.ok:
        click.echo(
            f"audit chain does NOT match the checkpoint at event #{signed['sequence']}: {anchored.problem}", err=True
        )
        sys.exit(1)
    click.echo(f"audit chain intact: {result.checked} events checked")
    if result.erased:
        click.echo(result.erasure_summary)
    if signed is not None:
        click.echo(f"matches the checkpoint of {signed['created_at']} at event #{signed['sequence']}")


@audit.command("keygen")
def audit_keygen() -> None:
    """Create the Ed25519 key that signs checkpoints (audit.signing_key) and its public half."""
    from reserve_flow.core.audit import checkpoint as checkpoints

    path = load_settings().audit_signing_key
    try:
        public = checkpoints.generate_key(path)
    except checkpoints.CheckpointError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"signing key written to {path} (key id {checkpoints.key_id(public)})")
    click.echo(f"public key: {checkpoints.public_key_path(path)} - give it to whoever checks the checkpoints")
    click.echo("keep the private key off the database server's backups and readable by the service only")


@audit.command("checkpoint")
@click.option("--out", "out_file", type=click.Path(dir_okay=False), default=None, help="Write here (default: stdout).")
def audit_checkpoint(out_file: str | None) -> None:
    """Sign the chain head: {sequence, hash, created_at, key_id, signature} as JSON.
    Keep the file outside the database (the archive, the department's mail)."""
    import json

    from reserve_flow.core.audit import checkpoint as checkpoints

    rt = _runtime()
    path = rt.settings.audit_signing_key
    if not path.exists():
        public = checkpoints.generate_key(path)
        click.echo(
            f"no signing key yet: created {path} (key id {checkpoints.key_id(public)}); "
            f"its public half is {checkpoints.public_key_path(path)}",
            err=True,
        )
    try:
        key = checkpoints.load_private_key(path)
    except checkpoints.CheckpointError as exc:
        raise click.ClickException(str(exc)) from None
    # The file is written inside the transaction: a file that cannot be written leaves
    # no checkpoint recorded for the public page either.
    with rt.transaction() as session:
        signed = checkpoints.create_checkpoint(session, key, rt.now())
        text = json.dumps(signed, indent=2, ensure_ascii=False) + "\n"
        if out_file:
            try:
                Path(out_file).write_text(text, encoding="utf-8")
            except OSError as exc:
                raise click.ClickException(f"cannot write {out_file}: {exc.strerror}") from None
    if out_file:
        click.echo(f"checkpoint at event #{signed['sequence']} written to {out_file}", err=True)
    else:
        click.echo(text, nl=False)


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
