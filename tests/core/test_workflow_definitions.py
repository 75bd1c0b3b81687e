"""`reserve-flow workflows check`: passes on the shipped files, and names each problem
of a broken file."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from reserve_flow.cli import main
from reserve_flow.runtime import WORKFLOWS_DIR

SHIPPED = (WORKFLOWS_DIR / "application.toml").read_text(encoding="utf-8")


def check(directory: Path | None = None):
    args = ["workflows", "check"] + (["--dir", str(directory)] if directory else [])
    return CliRunner().invoke(main, args)


def broken(tmp_path: Path, old: str, new: str) -> Path:
    assert old in SHIPPED, f"the test's anchor {old!r} is no longer in application.toml"
    (tmp_path / "application.toml").write_text(SHIPPED.replace(old, new, 1), encoding="utf-8")
    return tmp_path


def test_shipped_workflows_pass():
    result = check()
    assert result.exit_code == 0, result.output
    assert "application: 11 states" in result.output


def test_steps_with_a_page_of_their_own_are_declared_in_the_files(runtime):
    application = runtime.workflows.definitions["application"]
    assert [application.own_page(t) for t in ("admit", "refuse", "return_for_fix", "include", "withdraw")] == [
        "check",
        "check",
        "check",
        "commission",
        "applicant",
    ]
    assert application.own_page("submit") == ""  # the case page's button may fire it


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('dest = "admitted"', 'dest = "admited"', "unknown destination state 'admited'"),
        (
            'source = "submitted"\ndest = "admitted"',
            'source = "submited"\ndest = "admitted"',
            "unknown source state 'submited'",
        ),
        (
            'guards = ["documents_complete", "consent_given"]',
            'guards = ["documents_complete", "stars_aligned"]',
            "transition 'resubmit': unknown guard 'stars_aligned'",
        ),
        (
            'roles = ["secretary"]\nnotify = ["owner", "member"]',
            'roles = ["janitor"]\nnotify = ["owner", "member"]',
            "transition 'admit': unknown role 'janitor'",
        ),
        (
            'trigger = "refuse"',
            'trigger = "return_for_fix"',
            "ambiguous trigger: 'return_for_fix' from 'submitted' is defined twice",
        ),
        (
            'source = ["draft", "submitted", "returned", "admitted", "assessed", "voting"]',
            'source = "*"',
            "wildcard source '*' is not allowed",
        ),
        ('on_expiry = "lapse"', 'on_expiry = "admit"', "expiry trigger 'admit' does not leave this state"),
        ('roles = ["system"]', 'roles = ["secretary"]', "expiry trigger 'lapse' must allow role 'system'"),
        (
            '[states.lapsed]\nlabel_ru = "Не исправлено в срок"\nlabel_en = "Lapsed"\nterminal = true',
            '[states.lapsed]\nlabel_ru = "Не исправлено в срок"\nlabel_en = "Lapsed"',
            "state 'lapsed' is not terminal and has no way out",
        ),
        (
            "[states.withdrawn]",
            '[states.archived]\nlabel_ru = "В архиве"\nterminal = true\n\n[states.withdrawn]',
            "state 'archived' cannot be reached from 'draft'",
        ),
        (
            'calendar = "working"\nactor = "secretary"',
            'calendar = "lunar"\nactor = "secretary"',
            "'calendar' must be one of working, calendar",
        ),
        ('initial = "draft"', 'initial = "start"', "initial state 'start' is not defined"),
        (
            'label_ru = "Допустить к конкурсу"',
            'lable_ru = "Допустить к конкурсу"',
            "transition 'admit': unknown key 'lable_ru'",
        ),
        (
            'trigger = "admit"\npage = "check"',
            'trigger = "admit"\npage = 1',
            "transition 'admit': 'page' must be the name of the page",
        ),
    ],
)
def test_a_broken_file_fails_naming_the_problem(tmp_path, old, new, message):
    result = check(broken(tmp_path, old, new))
    assert result.exit_code == 1
    assert message in result.output
    assert "application.toml: " in result.output


def test_every_problem_is_listed_not_only_the_first(tmp_path):
    text = SHIPPED.replace('dest = "admitted"', 'dest = "nowhere"', 1).replace(
        'roles = ["chair"]', 'roles = ["king"]', 1
    )
    (tmp_path / "application.toml").write_text(text, encoding="utf-8")
    result = check(tmp_path)
    assert result.exit_code == 1
    assert "unknown destination state 'nowhere'" in result.output and "unknown role 'king'" in result.output
    assert "problem(s)" in result.output


def test_unreadable_toml_is_reported(tmp_path):
    (tmp_path / "application.toml").write_text("[workflow\nname = ", encoding="utf-8")
    result = check(tmp_path)
    assert result.exit_code == 1 and "application.toml: cannot be read" in result.output


def test_the_service_refuses_to_start_with_a_broken_workflow(tmp_path, monkeypatch, settings):
    from reserve_flow import runtime as runtime_module
    from reserve_flow.core.workflow import DefinitionError

    monkeypatch.setattr(runtime_module, "WORKFLOWS_DIR", broken(tmp_path, 'dest = "admitted"', 'dest = "x"'))
    with pytest.raises(DefinitionError) as caught:
        runtime_module.Runtime(settings)
    assert "unknown destination state 'x'" in str(caught.value)
