"""`python -m bench`: every speed figure of the project measured in one run, each
beside its reference and its target, printed as a table and written as JSON.

Measured on SQLite always, and on PostgreSQL too when --postgresql URL (or
RESERVE_FLOW_BENCH_DATABASE_URL) names a database, whose public schema is dropped
and re-created: never point it at real data.

- fire: reserve-flow transitions through the whole application workflow, each in its
  own transaction as a service makes it, against the durable work alone done
  directly on the same database (update a state row, insert one event, commit).
- scan: the scheduler's scan over N open deadlines of which 1 % are due, and the
  next scan with nothing due.
- audit verify: `reserve-flow audit verify` in a new process over a chain of N
  events: time and peak resident memory.
- http: gunicorn with 2 workers, U logged-in users of mixed roles each requesting
  their pages from a thread of its own on loopback (PostgreSQL only: SQLite takes
  one writer at a time and is not the production database).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import UTC, datetime, timedelta
from http.cookiejar import CookieJar
from pathlib import Path
from zoneinfo import ZoneInfo

from audit_chain import cli_verify, extend_chain
from common import BENCH_URL_VARIABLE, PASSWORD, bench_runtime, build_district, database, describe
from engine import PATH, applications, before
from sqlalchemy import Column, Integer, MetaData, String, Table, Text, event, func, insert, select, update

from reserve_flow.contest.models.contests import Application
from reserve_flow.core.deadlines.models import Deadline
from reserve_flow.core.deadlines.scheduler import scan_once
from reserve_flow.people.models import User
from reserve_flow.people.services.users import create_user

ROOT = Path(__file__).resolve().parent.parent
IRKUTSK = ZoneInfo("Asia/Irkutsk")
# An application submitted on NOW has its 1-day reminder due on Tue 1 Dec 2026, 09:00.
REMINDER_AT = datetime(2026, 12, 1, 9, tzinfo=IRKUTSK)
SCAN_AT = datetime(2026, 12, 1, 9, 30, tzinfo=IRKUTSK)


class Statements:
    """Counts the statements sent through a SQLAlchemy engine while attached."""

    def __init__(self, engine) -> None:
        self.engine, self.count = engine, 0

    def _seen(self, *_args) -> None:
        self.count += 1

    def __enter__(self) -> Statements:
        event.listen(self.engine, "before_cursor_execute", self._seen)
        return self

    def __exit__(self, *_exc) -> None:
        event.remove(self.engine, "before_cursor_execute", self._seen)


# --- fire() against the durable work alone ----------------------------------------------

_scratch = MetaData()
_state_rows = Table(
    "bench_state",
    _scratch,
    Column("id", Integer, primary_key=True),
    Column("state", String(40)),
    Column("version", Integer),
)
_event_rows = Table(
    "bench_events",
    _scratch,
    Column("id", Integer, primary_key=True),
    Column("subject_id", Integer),
    Column("from_state", String(40)),
    Column("to_state", String(40)),
    Column("occurred_at", String(40)),
    Column("data", Text),
)


def durable_steps(runtime, steps: int) -> float:
    """Steps per second of the bare durable work of a transition: update the state row,
    insert one event, commit; on scratch tables of the same database."""
    engine = runtime.db
    _scratch.create_all(engine)
    with engine.begin() as conn:
        conn.execute(insert(_state_rows), [{"id": n, "state": "draft", "version": 1} for n in range(steps)])
    start = time.perf_counter()
    for n in range(steps):
        with engine.begin() as conn:
            conn.execute(
                update(_state_rows)
                .where(_state_rows.c.id == n, _state_rows.c.version == 1)
                .values(state="submitted", version=_state_rows.c.version + 1)
            )
            conn.execute(
                insert(_event_rows).values(
                    subject_id=n,
                    from_state="draft",
                    to_state="submitted",
                    occurred_at=datetime.now(UTC).isoformat(),
                    data=json.dumps({"n": n}),
                )
            )
    elapsed = time.perf_counter() - start
    _scratch.drop_all(engine)
    return steps / elapsed


def fire_steps(runtime, district, count: int) -> dict:
    """`count` applications through the PATH, one transaction per transition."""
    made = applications(runtime, district, count)
    seconds = 0.0
    with Statements(runtime.db) as statements:
        for trigger, who, reason in PATH:
            for application_id, _ in made:
                before(runtime, trigger, application_id)
            for application_id, applicant_id in made:
                start = time.perf_counter()
                with runtime.transaction() as s:
                    application = s.get(Application, application_id)
                    actor = s.get(User, applicant_id if who == "owner" else district.users[who])
                    runtime.engine.fire(application, trigger, actor, reason=reason)
                seconds += time.perf_counter() - start
    steps = count * len(PATH)
    return {"steps": steps, "per_second": steps / seconds, "statements_per_step_incl_untimed": statements.count / steps}


# --- the scheduler's scan ---------------------------------------------------------------


def scan_figures(runtime, district, total: int) -> dict:
    """`total` open deadlines (copies of a real one, bulk-inserted), 1 % due at SCAN_AT."""
    [(application_id, applicant_id)] = applications(runtime, district, 1)
    with runtime.transaction() as s:
        runtime.engine.fire(s.get(Application, application_id), "submit", s.get(User, applicant_id))
    with runtime.sessions() as s:
        real = s.scalars(select(Deadline).where(Deadline.subject_id == application_id)).one()
        columns = [c.key for c in Deadline.__table__.columns if c.key not in ("id", "next_notice_at")]
        template = {key: getattr(real, key) for key in columns}
    due = max(1, total // 100)
    later = datetime(2026, 12, 1, 10, tzinfo=IRKUTSK)
    rows = [
        {**template, "next_notice_at": REMINDER_AT if n < due - 1 else later + timedelta(seconds=n)}
        for n in range(total - 1)
    ]
    with runtime.transaction() as s:
        for first in range(0, len(rows), 10_000):
            s.execute(insert(Deadline), rows[first : first + 10_000])
        assert s.scalar(select(func.count()).select_from(Deadline).where(Deadline.closed_at.is_(None))) == total
    with Statements(runtime.db) as statements:
        start = time.perf_counter()
        result = scan_once(runtime, SCAN_AT)
        busy = time.perf_counter() - start
    if result.reminders != due:
        sys.exit(f"scan sent {result.reminders} reminders, {due} were due")
    start = time.perf_counter()
    idle_result = scan_once(runtime, SCAN_AT + timedelta(minutes=1))
    idle = time.perf_counter() - start
    assert not idle_result
    return {"open": total, "due": due, "seconds": busy, "statements": statements.count, "idle_seconds": idle}


# --- audit verify -----------------------------------------------------------------------


def audit_figures(runtime, url: str, events: int) -> dict:
    with runtime.sessions() as s:
        from reserve_flow.core.audit.models import AuditEvent

        have = s.scalar(select(func.count()).select_from(AuditEvent))
    setup = extend_chain(url, max(0, events - have))
    before_children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    seconds, said = cli_verify(url, str(runtime.settings.instance_path))
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # KiB on Linux
    return {
        "events": max(events, have),
        "seconds": seconds,
        "peak_rss_mib": peak / 1024,
        "peak_rss_is_of_this_run": peak > before_children,
        "setup_seconds": setup,
        "said": said,
    }


# --- HTTP under load --------------------------------------------------------------------

ROLE_PAGES = {
    "hr": ("/", "/reserve/", "/deadlines/", "/appointments"),
    "secretary": ("/", "/check/", "/contests/", "/deadlines/mine"),
    "member": ("/", "/commission/", "/deadlines/mine", "/notifications/"),
    "applicant": ("/", "/applicant/", "/notifications/", "/public/"),
    "admin": ("/", "/admin/users", "/organizations/", "/workflows"),
}
_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _users(runtime, count: int) -> list[tuple[str, str]]:
    roles = list(ROLE_PAGES)
    made = []
    with runtime.transaction() as s:
        for n in range(count):
            role = roles[n % len(roles)]
            email = f"load{n}@example.ru"
            create_user(s, email=email, full_name=f"Нагрузкин Пользователь № {n}", password=PASSWORD, roles=[role])
            made.append((email, role))
    return made


class Visitor:
    """One logged-in user: a cookie jar of its own."""

    def __init__(self, base: str, email: str, role: str) -> None:
        self.base, self.email, self.role = base, email, role
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))

    def get(self, path: str) -> tuple[int, str]:
        try:
            with self.opener.open(self.base + path, timeout=60) as answer:
                return answer.status, answer.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as error:
            return error.code, ""

    def login(self) -> None:
        _, page = self.get("/login")
        token = _CSRF.search(page).group(1)
        body = urllib.parse.urlencode({"email": self.email, "password": PASSWORD, "csrf_token": token}).encode()
        with self.opener.open(self.base + "/login", data=body, timeout=60) as answer:
            if "/login" in answer.geturl():
                raise SystemExit(f"{self.email} could not log in")


def http_figures(runtime, url: str, users: int, requests_each: int) -> dict:
    if shutil.which("gunicorn", path=str(Path(sys.executable).parent)) is None:
        return {"skipped": 'gunicorn is not installed (pip install -e ".[bench]")'}
    accounts = _users(runtime, users)
    port = _free_port()
    env = {
        **os.environ,
        "RESERVE_FLOW_DATABASE_URL": url,
        "RESERVE_FLOW_APP_SECRET_KEY": "bench-secret",
        "RESERVE_FLOW_APP_INSTANCE_PATH": str(runtime.settings.instance_path),
        "PYTHONPATH": str(ROOT),
    }
    env.pop("RESERVE_FLOW_CONFIG", None)
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "reserve_flow.app:create_app()",
        ],
        cwd=ROOT,
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                urllib.request.urlopen(base + "/login", timeout=2).close()
                break
            except OSError:
                time.sleep(0.1)
        visitors = [Visitor(base, email, role) for email, role in accounts]
        for visitor in visitors:  # logins (an Argon2 hash each) are not part of the load
            visitor.login()
        latencies: list[float] = []
        failures: list[str] = []
        lock = threading.Lock()
        go = threading.Barrier(len(visitors) + 1)

        def load(visitor: Visitor) -> None:
            pages = ROLE_PAGES[visitor.role]
            go.wait()
            for n in range(requests_each):
                path = pages[n % len(pages)]
                start = time.perf_counter()
                status, _ = visitor.get(path)
                took = time.perf_counter() - start
                with lock:
                    latencies.append(took)
                    if status != 200:
                        failures.append(f"{visitor.role} {path}: {status}")

        threads = [threading.Thread(target=load, args=(v,)) for v in visitors]
        for thread in threads:
            thread.start()
        go.wait()
        start = time.perf_counter()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - start
    finally:
        server.terminate()
        server.wait(timeout=30)
    cuts = statistics.quantiles(latencies, n=100)
    return {
        "users": users,
        "requests": len(latencies),
        "per_second": len(latencies) / elapsed,
        "p50_ms": cuts[49] * 1000,
        "p95_ms": cuts[94] * 1000,
        "p99_ms": cuts[98] * 1000,
        "failures": len(failures),
        "failure_examples": sorted(set(failures))[:5],
    }


# --- the run ----------------------------------------------------------------------------


def run_on(url: str, args: argparse.Namespace) -> dict:
    figures: dict = {"database": describe(url)}
    with bench_runtime(url) as runtime:
        district = build_district(runtime)
        fired = fire_steps(runtime, district, args.applications)
        direct = durable_steps(runtime, fired["steps"])
        figures["fire"] = {**fired, "durable_per_second": direct, "ratio": fired["per_second"] / direct}
        print(f"  fire: {fired['per_second']:.0f} steps/s, durable work alone {direct:.0f}/s", flush=True)
        if url.startswith("postgresql") and not args.no_http:
            figures["http"] = http_figures(runtime, url, args.http_users, args.http_requests)
            print(f"  http: {figures['http']}", flush=True)
        figures["audit"] = audit_figures(runtime, url, args.audit_events)
        print(f"  audit verify: {figures['audit']['seconds']:.1f} s", flush=True)
    # a database of its own: the 100,000 deadlines would weigh on the pages measured above
    with database(url if url.startswith("postgresql") else "") as fresh, bench_runtime(fresh) as runtime:
        figures["scan"] = scan_figures(runtime, build_district(runtime), args.deadlines)
        print(f"  scan: {figures['scan']['seconds']:.2f} s", flush=True)
    return figures


def table(results: dict) -> str:
    lines = [f"{'measure':46} {'figure':>16} {'reference':>22} {'target':>14}  met"]

    def row(name: str, figure: str, reference: str, target: str, met: bool | None) -> None:
        mark = "" if met is None else ("yes" if met else "NO")
        lines.append(f"{name:46} {figure:>16} {reference:>22} {target:>14}  {mark}")

    for figures in results["runs"]:
        lines.append(f"-- {figures['database']}")
        fire = figures["fire"]
        row(
            f"fire(): {fire['steps']} transitions via services",
            f"{fire['per_second']:.0f} steps/s",
            f"direct {fire['durable_per_second']:.0f} steps/s",
            ">= 0.50x",
            fire["ratio"] >= 0.5,
        )
        row("  ratio fire / durable work", f"{fire['ratio']:.2f}x", "", ">= 0.50x", fire["ratio"] >= 0.5)
        scan = figures["scan"]
        row(
            f"scan: {scan['open']} open, {scan['due']} due",
            f"{scan['seconds']:.2f} s",
            f"{scan['statements']} statements",
            "< 0.5 s",
            scan["seconds"] < 0.5,
        )
        row("  next scan, nothing due", f"{scan['idle_seconds'] * 1000:.1f} ms", "", "", None)
        audit = figures["audit"]
        row(
            f"audit verify: {audit['events']} events",
            f"{audit['seconds']:.1f} s",
            f"peak RSS {audit['peak_rss_mib']:.0f} MiB",
            "",
            None,
        )
        http = figures.get("http")
        if http and "skipped" not in http:
            row(
                f"http: {http['users']} users, {http['requests']} requests",
                f"{http['per_second']:.0f} req/s",
                f"p50 {http['p50_ms']:.0f} / p95 {http['p95_ms']:.0f} ms",
                "",
                None,
            )
            row(
                "  p99, failures",
                f"{http['p99_ms']:.0f} ms",
                f"{http['failures']} failed",
                "0 failed",
                not http["failures"],
            )
        elif http:
            row("http", "skipped", http["skipped"][:22], "", None)
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--postgresql",
        default=os.environ.get(BENCH_URL_VARIABLE, ""),
        help="also run on this database (its public schema is dropped)",
    )
    parser.add_argument("--output", type=Path, default=ROOT / "bench" / "results" / "latest.json")
    parser.add_argument(
        "--applications", type=int, default=100, help="applications taken through the workflow (7 steps each)"
    )
    parser.add_argument("--deadlines", type=int, default=100_000, help="open deadlines for the scan (1 %% due)")
    parser.add_argument(
        "--audit-events", type=int, default=200_000, help="audit chain length to verify (1000000 for the full figure)"
    )
    parser.add_argument("--http-users", type=int, default=50)
    parser.add_argument("--http-requests", type=int, default=40, help="requests per user")
    parser.add_argument("--no-http", action="store_true")
    args = parser.parse_args(argv)
    results = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "load_average": os.getloadavg(),
        },
        "arguments": {k: v for k, v in vars(args).items() if k not in ("output", "postgresql")},
        "runs": [],
    }
    urls = [""] + ([args.postgresql] if args.postgresql else [])
    for postgresql in urls:
        with database(postgresql) as url:
            print(f"on {describe(url)}", flush=True)
            results["runs"].append(run_on(url, args))
    print(table(results))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    print(f"written to {args.output}")


if __name__ == "__main__":
    main()
