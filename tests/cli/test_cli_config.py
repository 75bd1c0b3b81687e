"""A wrong configuration stops every `reserve-flow` command that needs it with one
line naming the key, and a non-zero exit; config.example.toml documents every key."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from reserve_flow.cli import main
from reserve_flow.config import _SCHEMA, load_settings

# The commands that read the configuration, with arguments that would otherwise let them run.
COMMANDS = {
    "db upgrade": ["db", "upgrade"],
    "demo": ["demo", "--no-serve"],
    "audit verify": ["audit", "verify"],
    "users create": [
        "users",
        "create",
        "--email",
        "new@example.ru",
        "--name",
        "Новиков Олег Иванович",
        "--role",
        "admin",
        "--password",
        "long enough password",
    ],
}


@pytest.fixture
def env(monkeypatch, tmp_path):
    """Only the RESERVE_FLOW_* variables a test sets; working directory and instance in tmp."""
    for name in list(os.environ):
        if name.startswith("RESERVE_FLOW_"):
            monkeypatch.delenv(name)
    # Set (not just absent) so that monkeypatch restores it after `--config` writes it.
    monkeypatch.setenv("RESERVE_FLOW_CONFIG", "")
    monkeypatch.setenv("RESERVE_FLOW_APP_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.chdir(tmp_path)
    return monkeypatch


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def assert_fails_naming(result, *words: str) -> None:
    assert result.exit_code not in (0, None), result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert lines[0].startswith("Error: configuration error:")
    for word in words:
        assert word in lines[0]


@pytest.mark.parametrize("command", COMMANDS)
def test_bad_number_in_environment_names_the_variable(env, command, tmp_path):
    env.setenv("RESERVE_FLOW_SCHEDULER_SCAN_INTERVAL_SECONDS", "abc")
    result = run(*COMMANDS[command])
    assert_fails_naming(result, "RESERVE_FLOW_SCHEDULER_SCAN_INTERVAL_SECONDS", "'abc'")
    assert not (tmp_path / "instance").exists()  # nothing was created


@pytest.mark.parametrize("command", COMMANDS)
def test_unknown_key_in_config_file_is_named(env, command, tmp_path):
    config = tmp_path / "config.toml"
    config.write_text('[app]\ntimezone = "Asia/Irkutsk"\ncolour = "green"\n', encoding="utf-8")
    env.setenv("RESERVE_FLOW_CONFIG", str(config))
    assert_fails_naming(run(*COMMANDS[command]), "app.colour", "unknown key")


@pytest.mark.parametrize("command", COMMANDS)
def test_missing_config_file_is_named(env, command, tmp_path):
    env.setenv("RESERVE_FLOW_CONFIG", str(tmp_path / "nowhere.toml"))
    assert_fails_naming(run(*COMMANDS[command]), "RESERVE_FLOW_CONFIG", "nowhere.toml", "does not exist")


def test_missing_file_given_with_the_config_option(env, tmp_path):
    result = run("--config", str(tmp_path / "absent.toml"), "db", "upgrade")
    assert_fails_naming(result, "absent.toml", "does not exist")


@pytest.mark.parametrize(
    ("setup", "named"),
    [
        ({"file": "[mail]\nhost = 'x'\n"}, ["[mail]", "unknown section"]),
        ({"file": "[smtp]\nport = '25'\n"}, ["smtp.port", "whole number"]),
        ({"file": "[smtp\nport = 25\n"}, ["not valid TOML"]),
        ({"env": {"RESERVE_FLOW_SMTP_SECURITY": "ssl"}}, ["smtp.security", "none, starttls, tls"]),
        ({"env": {"RESERVE_FLOW_SCHEDULER_ENABLED": "maybe"}}, ["RESERVE_FLOW_SCHEDULER_ENABLED", "true or false"]),
        ({"env": {"RESERVE_FLOW_APP_TIMEZONE": "Mars/Olympus"}}, ["app.timezone", "Mars/Olympus"]),
        ({"env": {"RESERVE_FLOW_UPLOADS_MAX_SIZE_MB": "0"}}, ["uploads.max_size_mb", "positive"]),
        ({"env": {"RESERVE_FLOW_DATABASE_URL": "mysql://root@localhost/reserve"}}, ["database.url", "mysql://"]),
    ],
    ids=[
        "unknown-section",
        "string-for-number",
        "broken-toml",
        "bad-choice",
        "bad-boolean",
        "bad-timezone",
        "non-positive",
        "unsupported-database",
    ],
)
def test_each_kind_of_mistake_is_one_line(env, tmp_path, setup, named):
    if "file" in setup:
        config = tmp_path / "config.toml"
        config.write_text(setup["file"], encoding="utf-8")
        env.setenv("RESERVE_FLOW_CONFIG", str(config))
    for name, value in setup.get("env", {}).items():
        env.setenv(name, value)
    assert_fails_naming(run("db", "upgrade"), *named)


def test_installed_command_prints_one_line_and_no_traceback(env):
    """The real console script, as a user runs it."""
    env.setenv("RESERVE_FLOW_SCHEDULER_SCAN_INTERVAL_SECONDS", "abc")
    script = Path(sys.executable).parent / "reserve-flow"
    done = subprocess.run([str(script), "db", "upgrade"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.strip().splitlines() == [
        "Error: configuration error: environment variable RESERVE_FLOW_SCHEDULER_SCAN_INTERVAL_SECONDS: "
        "expected a whole number, got 'abc'"
    ]


def test_config_file_is_honoured_and_environment_wins(env, tmp_path):
    from_file = tmp_path / "from-file.sqlite3"
    from_env = tmp_path / "from-env.sqlite3"
    config = tmp_path / "config.toml"
    config.write_text(f'[database]\nurl = "sqlite:///{from_file}"\n', encoding="utf-8")

    result = run("--config", str(config), "db", "upgrade")
    assert result.exit_code == 0, result.output
    assert from_file.is_file()

    env.setenv("RESERVE_FLOW_DATABASE_URL", f"sqlite:///{from_env}")
    result = run("--config", str(config), "db", "upgrade")
    assert result.exit_code == 0, result.output
    assert from_env.is_file()


EXAMPLE = Path(__file__).resolve().parents[2] / "config.example.toml"


def test_example_config_documents_every_key_with_its_default():
    data = tomllib.loads(EXAMPLE.read_text(encoding="utf-8"))
    assert set(data) == set(_SCHEMA)
    for section, keys in _SCHEMA.items():
        assert set(data[section]) == set(keys), section
        for key, (_, default) in keys.items():
            assert data[section][key] == default, f"{section}.{key}"


def test_example_config_comments_every_key():
    """Each key line follows a comment (keys may share one, like smtp host and port)."""
    lines = [line.strip() for line in EXAMPLE.read_text(encoding="utf-8").splitlines()]
    for n, line in enumerate(lines):
        if "=" in line and not line.startswith("#"):
            before = lines[n - 1]
            assert before.startswith("#") or ("=" in before and not before.startswith("#")), line


def test_example_config_loads_and_names_the_secrets():
    text = EXAMPLE.read_text(encoding="utf-8")
    for name in (
        "RESERVE_FLOW_CONFIG",
        "RESERVE_FLOW_APP_SECRET_KEY",
        "RESERVE_FLOW_SECRET_KEY",
        "RESERVE_FLOW_SMTP_PASSWORD",
    ):
        assert name in text
    assert load_settings(EXAMPLE, env={}).values == load_settings(env={}).values


@pytest.mark.parametrize(
    "command",
    [
        ["db", "upgrade"],
        ["audit", "verify"],
        ["users", "create", "--email", "a@b.ru", "--name", "А Б", "--role", "hr", "--password", "long enough, surely"],
    ],
)
def test_unreachable_database_is_one_line_for_every_command(env, command):
    env.setenv("RESERVE_FLOW_DATABASE_URL", "postgresql://postgres@127.0.0.1:1/nowhere")
    result = run(*command)
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: database error:"), result.output
