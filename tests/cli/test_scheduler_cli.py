"""`reserve-flow scheduler` as real processes: one acts, a second waits, SIGTERM stops
the first cleanly and the second takes over; the in-process scheduler of the demo;
the scheduler's configuration checks."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from reserve_flow.cli import main
from reserve_flow.config import ConfigError, load_settings
from reserve_flow.core.deadlines.scheduler import InProcess
from tests.fixtures.scheduler import fire

REPOSITORY = Path(__file__).resolve().parents[2]


class Process:
    """A `python -m reserve_flow scheduler` child whose output lines are read as they come."""

    def __init__(self, env: dict[str, str]) -> None:
        self.popen = subprocess.Popen(
            [sys.executable, "-m", "reserve_flow", "scheduler"],
            cwd=REPOSITORY,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.popen.stdout:
            self.lines.put(line.rstrip("\n"))

    def wait_for(self, text: str, timeout: float = 20) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.2)
            except queue.Empty:
                if self.popen.poll() is not None and self.lines.empty():
                    break
                continue
            self.seen.append(line)
            if text in line:
                return line
        raise AssertionError(f"no line with {text!r}; got: {self.seen}")

    def stop(self) -> int:
        self.popen.send_signal(signal.SIGTERM)
        return self.popen.wait(timeout=20)

    def kill(self) -> None:
        if self.popen.poll() is None:
            self.popen.kill()
            self.popen.wait(timeout=10)


@pytest.fixture
def scheduler_env(runtime, tmp_path):
    """Environment for child schedulers on the test's database, scanning every second."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("RESERVE_FLOW_")}
    env.update(
        {
            "RESERVE_FLOW_DATABASE_URL": runtime.settings.database_url,
            "RESERVE_FLOW_APP_INSTANCE_PATH": str(tmp_path / "instance"),
            "RESERVE_FLOW_SCHEDULER_SCAN_INTERVAL_SECONDS": "1",
            "RESERVE_FLOW_SCHEDULER_LEASE_SECONDS": "3",
            "RESERVE_FLOW_SMTP_PORT": "1",  # nothing listens: mail waits in the outbox
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


def test_one_process_acts_a_second_waits_and_takes_over_after_sigterm(scheduler_env):
    first = Process(scheduler_env)
    second = None
    try:
        first.wait_for("scheduler: acting")
        second = Process(scheduler_env)
        second.wait_for("scheduler: waiting: another scheduler acts")
        assert first.stop() == 0
        first.wait_for("scheduler: stopped")
        second.wait_for("scheduler: acting")  # the lock was given up: taken at the next tick
        assert second.stop() == 0
    finally:
        first.kill()
        if second is not None:
            second.kill()


def test_in_process_scheduler_sends_what_is_queued(runtime, district, smtp_server):
    fire(runtime, district.application_id, "submit", "applicant", district)
    background = InProcess(runtime).start()
    try:
        for _ in range(100):  # the first tick runs at once
            if {"applicant@example.ru", "secretary@example.ru"} <= {r.to[0] for r in smtp_server.received}:
                break
            time.sleep(0.1)
        else:
            raise AssertionError(f"nothing arrived: {smtp_server.received}")
    finally:
        background.stop()
    assert not background.scheduler.running


@pytest.mark.parametrize(
    ("key", "value", "words"),
    [
        ("lease_seconds", 60, ["scheduler.lease_seconds", "longer than scheduler.scan_interval_seconds"]),
        ("reminder_hour", 24, ["scheduler.reminder_hour", "0 to 23"]),
    ],
)
def test_scheduler_settings_are_checked(key, value, words):
    with pytest.raises(ConfigError) as error:
        load_settings(env={}, overrides={"scheduler": {key: value}})
    assert all(word in str(error.value) for word in words)


def test_scheduler_command_reports_a_bad_setting_in_one_line(monkeypatch, tmp_path):
    for name in list(os.environ):
        if name.startswith("RESERVE_FLOW_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("RESERVE_FLOW_APP_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("RESERVE_FLOW_SMTP_RETRY_BASE_SECONDS", "0")
    result = CliRunner().invoke(main, ["scheduler"])
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        "Error: configuration error: smtp.retry_base_seconds: expected a positive number, got 0"
    ]


def test_scheduler_command_refuses_an_unreachable_or_unmigrated_database(monkeypatch, tmp_path):
    for name in list(os.environ):
        if name.startswith("RESERVE_FLOW_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("RESERVE_FLOW_APP_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("RESERVE_FLOW_DATABASE_URL", "postgresql://postgres@127.0.0.1:1/nowhere")
    result = CliRunner().invoke(main, ["scheduler"])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: database error:"), result.output

    monkeypatch.setenv("RESERVE_FLOW_DATABASE_URL", f"sqlite:///{tmp_path / 'empty.sqlite3'}")
    result = CliRunner().invoke(main, ["scheduler"])
    assert result.exit_code == 1
    assert result.output.strip() == ("Error: the database is not at the latest revision: run `reserve-flow db upgrade`")
