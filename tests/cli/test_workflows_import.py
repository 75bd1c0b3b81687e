"""`reserve-flow workflows export` and `import`: a workflow goes out as BPMN and comes back
as a workflow file that `workflows check` accepts; what does not map is printed in Russian."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from reserve_flow.cli import main

CAMUNDA = (Path(__file__).parents[1] / "core" / "bpmn" / "camunda_check.bpmn").read_text(encoding="utf-8")


def test_export_then_import_gives_a_file_the_workflow_check_accepts(tmp_path):
    bpmn, folder = tmp_path / "reserve.bpmn", tmp_path / "workflows"
    folder.mkdir()
    runner = CliRunner()
    assert runner.invoke(main, ["workflows", "export", "reserve", "-o", str(bpmn)]).exit_code == 0
    imported = runner.invoke(main, ["workflows", "import", str(bpmn), "--out", str(folder / "reserve.toml")])
    assert imported.exit_code == 0, imported.output
    assert "не перенесено" not in imported.output
    checked = runner.invoke(main, ["workflows", "check", "--dir", str(folder)])
    assert checked.exit_code == 0, checked.output
    assert "reserve.toml: reserve: 6 states, 7 transitions: ok" in checked.output


def test_import_of_a_camunda_process_names_what_it_left_out(tmp_path):
    source, out = tmp_path / "check.bpmn", tmp_path / "check.toml"
    source.write_text(CAMUNDA, encoding="utf-8")
    result = CliRunner().invoke(
        main, ["workflows", "import", str(source), "--out", str(out), "--subject", "application"]
    )
    assert result.exit_code == 0, result.output
    assert "не перенесено: serviceTask «Отправить письмо кандидату»" in result.output
    assert '[states.activity_check]\nlabel_ru = "Проверить документы"' in out.read_text(encoding="utf-8")


def test_import_with_an_unknown_subject_writes_the_file_and_fails_the_check(tmp_path):
    source, out = tmp_path / "check.bpmn", tmp_path / "check.toml"
    source.write_text(CAMUNDA, encoding="utf-8")
    result = CliRunner().invoke(main, ["workflows", "import", str(source), "--out", str(out)])
    assert result.exit_code == 1
    assert "ошибка проверки:" in result.output and "unknown subject 'process_check'" in result.output
    assert out.exists()
