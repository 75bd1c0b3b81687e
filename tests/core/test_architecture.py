"""The house rules a newcomer relies on, checked on the source: views leave transactions,
workflow steps and audit events to the services, and read forms through WTForms."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import reserve_flow

PACKAGE = Path(reserve_flow.__file__).parent
VIEW_MODULES = sorted(
    p for p in PACKAGE.rglob("*.py") if p.name == "views.py" or p.name.endswith("_views.py") or p.parent.name == "views"
)


def _calls(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, name) of each call; the engine's own steps are named engine.fire / engine.start,
    so a domain service function called fire (reserve's) is not mistaken for them."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in ("fire", "start") and isinstance(func, ast.Attribute):
                owner = func.value
                owner_name = owner.attr if isinstance(owner, ast.Attribute) else getattr(owner, "id", "")
                name = f"engine.{name}" if owner_name == "engine" else name
            found.append((node.lineno, name))
    return found


def test_there_are_view_modules_to_check():
    assert len(VIEW_MODULES) >= 15, VIEW_MODULES


@pytest.mark.parametrize("path", VIEW_MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_a_view_never_commits_fires_or_writes_the_audit_log(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    forbidden = {"commit", "rollback", "engine.fire", "engine.start", "append_event"}
    offending = [f"line {line}: {name}()" for line, name in _calls(tree) if name in forbidden]
    assert not offending, f"{path.name} does the services' work itself: {offending}"


@pytest.mark.parametrize("path", VIEW_MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_a_view_reads_forms_through_wtforms(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    offending = []
    for node in ast.walk(tree):
        # request.form[...] or request.form.get(...)/getlist(...): hand-parsed form fields
        if isinstance(node, ast.Attribute) and node.attr == "form" and getattr(node.value, "id", "") == "request":
            parent_uses = [
                n
                for n in ast.walk(tree)
                if isinstance(n, ast.Subscript) and n.value is node or isinstance(n, ast.Attribute) and n.value is node
            ]
            if parent_uses:
                offending.append(f"line {node.lineno}")
    assert not offending, f"{path.name} parses request.form by hand: {offending}"
