"""The house rules a newcomer relies on, checked on the source: views leave transactions,
workflow steps and audit events to the services and read forms through WTForms, and the
core runs without any domain loaded."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import reserve_flow

PACKAGE = Path(reserve_flow.__file__).parent
DOMAINS = ("people", "organizations", "contest", "reserve", "appointments", "history", "demo")


def _defines_blueprint(tree: ast.AST) -> bool:
    return any(
        isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) == "Blueprint"
        for node in ast.walk(tree)
    )


def _parse(path: Path) -> ast.AST:
    return ast.parse(path.read_text(encoding="utf-8"))


# Every module that defines a blueprint is a view module, wherever it sits.
VIEW_MODULES = sorted(p for p in PACKAGE.rglob("*.py") if _defines_blueprint(_parse(p)))


def _imported_names(tree: ast.AST) -> set[str]:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            names.update(alias.asname or alias.name.split(".")[0] for alias in node.names)
    return names


def _name(node: ast.AST) -> str:
    return node.attr if isinstance(node, ast.Attribute) else getattr(node, "id", "")


def _services_work_done_in(tree: ast.AST) -> list[str]:
    """Calls that are a service's job: committing or writing through the session, firing
    or starting a workflow step other than through an imported service module, writing
    the audit log, opening a unit of work."""
    modules = _imported_names(tree)
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = _name(func)
        owner = func.value if isinstance(func, ast.Attribute) else None
        owner_name = _name(owner) if owner is not None else ""
        if name in ("commit", "rollback", "append_event", "unit_of_work", "bump_version"):
            found.append(f"line {node.lineno}: {name}()")
        elif name in ("add", "add_all", "delete", "flush", "merge") and (
            owner_name in ("session", "s") or (isinstance(owner, ast.Call) and _name(owner.func) == "db")
        ):
            found.append(f"line {node.lineno}: session.{name}()")
        elif (
            name in ("fire", "start")
            and owner is not None
            and not (isinstance(owner, ast.Name) and owner.id in modules)
        ):
            # service.fire(...) is a service module's function; anything else is the engine
            found.append(f"line {node.lineno}: {ast.unparse(func)}()")
    return found


def test_there_are_view_modules_to_check():
    names = {str(p.relative_to(PACKAGE)) for p in VIEW_MODULES}
    assert len(VIEW_MODULES) >= 20 and {"core/web/home.py", "contest/views/check.py"} <= names, names
    # The JSON API's views are view modules too: the same rules hold for them.
    assert {"core/api/workflows.py", "contest/api.py", "reserve/api.py", "appointments/api.py"} <= names, names


@pytest.mark.parametrize("path", VIEW_MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_a_view_never_commits_fires_or_writes_the_audit_log(path: Path):
    offending = _services_work_done_in(_parse(path))
    assert not offending, f"{path.name} does the services' work itself: {offending}"


def test_the_rule_catches_what_it_is_for():
    source = (
        "from reserve_flow.reserve.services import membership as service\n"
        "def view():\n"
        "    service.fire(1)\n"  # a service function: allowed
        "    engine = runtime().engine\n"
        "    engine.fire(subject, 'x', user)\n"
        "    db().add(row)\n"
        "    db().commit()\n"
    )
    assert [line.split(":")[0] for line in _services_work_done_in(ast.parse(source))] == [
        "line 5",
        "line 6",
        "line 7",
    ]


@pytest.mark.parametrize("path", VIEW_MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_a_view_reads_forms_through_wtforms(path: Path):
    offending = []
    for node in ast.walk(_parse(path)):
        # request.form / flask.request.form / request.files read by hand
        if isinstance(node, ast.Attribute) and node.attr in ("form", "files") and _name(node.value) == "request":
            offending.append(f"line {node.lineno}: request.{node.attr}")
    assert not offending, f"{path.name} parses the request by hand: {offending}"


def test_the_core_runs_without_any_domain_loaded():
    """Importing every core module loads no domain package (the registries start empty
    until the app, the CLI or the migrations import reserve_flow.domains)."""
    core_modules = sorted(
        ".".join(p.relative_to(PACKAGE.parent).with_suffix("").parts).removesuffix(".__init__")
        for p in (PACKAGE / "core").rglob("*.py")
    )
    script = (
        "import importlib, sys\n"
        f"for name in {core_modules!r}: importlib.import_module(name)\n"
        f"loaded = sorted(m for m in sys.modules if m.split('.')[0] == 'reserve_flow' and len(m.split('.')) > 1"
        f" and m.split('.')[1] in {DOMAINS + ('domains', 'app', 'cli', 'runtime')!r})\n"
        "print(loaded)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, cwd=PACKAGE.parent
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]", done.stdout
