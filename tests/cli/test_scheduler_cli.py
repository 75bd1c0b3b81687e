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
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from reserve_flow.cli import main
from reserve_flow.config import ConfigError, load_settings
from reserve_flow.core.db import utcnow
from reserve_flow.core.deadlines.models import Deadline
from reserve_flow.core.deadlines.scheduler import InProcess
from reserve_flow.core.deadlines.scheduling import DeadlineNotice, SchedulerLease
from reserve_flow.core.deadlines.timing import reminder_moment
from reserve_flow.core.notifications.dispatch import dispatch_once
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


def _lease(runtime) -> SchedulerLease:
    with runtime.sessions() as s:
        return s.get(SchedulerLease, "scheduler")


def _make_a_reminder_due_now(runtime, application_id) -> None:
    """Move the open deadline of the application so that its 1-day reminder is due
    now, on the real clock the child schedulers use (calendar days, reminder hour 0)."""
    now = utcnow()
    today = now.astimezone(runtime.tz).date()
    with runtime.transaction() as s:
        deadline = s.scalars(
            select(Deadline).where(Deadline.subject_id == application_id, Deadline.closed_at.is_(None))
        ).one()
        deadline.calendar, deadline.remind_before = "calendar", "1"
        deadline.opened_at = now - timedelta(days=10)
        deadline.due_at = datetime.combine(today + timedelta(days=2), datetime.min.time(), tzinfo=runtime.tz)
        assert reminder_moment(deadline, 1, runtime.tz, 0) <= now < deadline.due_at
        deadline.next_notice_at = deadline.opened_at  # changed by hand: the next scan looks again


def _reminders(smtp_server) -> list:
    return [r for r in smtp_server.received if r.subject.startswith("Напоминание о сроке")]


def test_a_standby_takes_over_from_a_stopped_leader_which_then_steps_down(
    runtime, district, smtp_server, scheduler_env
):
    """SIGSTOP, not a kill: the stopped process keeps its connections (an advisory
    lock would stay with it). Its lease runs out, the second scheduler takes over
    within lease_seconds and a scan interval, and sends the due reminder once;
    woken with SIGCONT, the first finds its lease gone and only waits."""
    runtime.engine.clock = utcnow  # the child processes live on the real clock
    runtime.settings["scheduler"]["reminder_hour"] = 0
    scheduler_env.update(
        RESERVE_FLOW_SMTP_HOST="127.0.0.1",
        RESERVE_FLOW_SMTP_PORT=str(smtp_server.port),
        RESERVE_FLOW_SCHEDULER_REMINDER_HOUR="0",
    )
    fire(runtime, district.application_id, "submit", "applicant", district)
    dispatch_once(runtime, utcnow())  # the mail of the submission itself
    smtp_server.received.clear()

    first = Process(scheduler_env)
    second = None
    try:
        first.wait_for("scheduler: acting", timeout=60)
        first.popen.send_signal(signal.SIGSTOP)
        stopped = _lease(runtime)
        _make_a_reminder_due_now(runtime, district.application_id)

        second = Process(scheduler_env)
        second.wait_for("scheduler: acting", timeout=60)
        taken = _lease(runtime)
        assert taken.holder != stopped.holder
        lease = timedelta(seconds=int(scheduler_env["RESERVE_FLOW_SCHEDULER_LEASE_SECONDS"]))
        # Not before the stopped leader's lease ran out; within a lease and a tick after it
        # (renewals after `stopped` was read could only move the expiry by that much).
        assert stopped.expires_at <= taken.acquired_at
        for _ in range(300):
            if _reminders(smtp_server):
                break
            time.sleep(0.1)
        assert [r.to for r in _reminders(smtp_server)] == [["secretary@example.ru"]]

        first.popen.send_signal(signal.SIGCONT)
        first.wait_for("waiting: another scheduler acts", timeout=60)
        time.sleep(3)  # a few more ticks of both
        assert _lease(runtime).holder == taken.holder
        assert taken.acquired_at - stopped.expires_at <= lease + timedelta(seconds=30)
        assert first.stop() == 0
        assert second.stop() == 0
    finally:
        if first.popen.poll() is None:
            first.popen.send_signal(signal.SIGCONT)
        first.kill()
        if second is not None:
            second.kill()
    assert [r.to for r in _reminders(smtp_server)] == [["secretary@example.ru"]]
    with runtime.sessions() as s:
        sent = s.scalars(select(DeadlineNotice).where(DeadlineNotice.kind == "reminder")).all()
    assert [(n.offset_days, n.outcome) for n in sent] == [(1, "sent")]


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
