"""The audit chain: appends per second with one writer and with four concurrent writer
processes (each append updates the chain-head row, so appenders queue on it), and the
time `reserve-flow audit verify` takes over a long chain.

    python3 bench/audit_chain.py [--scale 2]
"""

from __future__ import annotations

import multiprocessing
import os
import secrets
import subprocess
import sys
import time
import tracemalloc
from datetime import UTC, datetime

from common import arguments, bench_runtime, database, describe, scaled

from reserve_flow.core.audit.chain import (
    CHAIN_VERSION,
    append_event,
    canonical_json,
    event_hash,
    personal_digest,
    verify_chain,
)
from reserve_flow.core.audit.models import AuditChainHead, AuditEvent, AuditPersonal
from reserve_flow.core.db import make_engine, make_session_factory, unit_of_work

PROJECT_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def append(session, writer: int, n: int) -> None:
    append_event(
        session,
        kind="bench",
        actor=None,
        subject_type="bench",
        subject_id=n,
        now=datetime.now(UTC),
        data={"writer": writer, "n": n, "note": "замер производительности"},
    )


def writer_process(url: str, writer: int, count: int, barrier, results) -> None:
    """One writer as a web worker would be: its own engine, one transaction per event."""
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    with sessions() as s:  # connect before the clock starts
        s.connection()
    barrier.wait()
    start = time.perf_counter()
    for n in range(count):
        with sessions() as s, unit_of_work(s):
            append(s, writer, n)
    results.put((start, time.perf_counter()))
    engine.dispose()


def concurrent_appends(url: str, writers: int, per_writer: int) -> float:
    """Events per second from `writers` processes, each appending `per_writer` events."""
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(writers)
    results = context.Queue()
    processes = [
        context.Process(target=writer_process, args=(url, w, per_writer, barrier, results)) for w in range(writers)
    ]
    for p in processes:
        p.start()
    spans = [results.get() for _ in processes]
    for p in processes:
        p.join()
        if p.exitcode:
            sys.exit(f"writer process failed with exit code {p.exitcode}")
    elapsed = max(end for _, end in spans) - min(start for start, _ in spans)
    return writers * per_writer / elapsed


def extend_chain(url: str, total: int, batch: int = 2000) -> float:
    """Grow the chain by `total` events quickly, for the verify figure: rows built here
    with the chain's own hash function, `batch` to a transaction, and the head moved
    along (append_event would take minutes). Returns seconds."""
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    start = time.perf_counter()
    done = 0
    while done < total:
        with sessions() as s, unit_of_work(s):
            head = s.get(AuditChainHead, 1, with_for_update=True)
            seq, prev_hash = head.last_seq, head.last_hash
            for n in range(done, min(total, done + batch)):
                seq += 1
                salt = secrets.token_hex(32)
                event = AuditEvent(
                    seq=seq,
                    version=CHAIN_VERSION,
                    occurred_at=datetime.now(UTC),
                    kind="bench",
                    actor_id=None,
                    subject_type="bench",
                    subject_id=n,
                    data=canonical_json({"writer": 0, "n": n}),
                    personal_digest=personal_digest(salt, "система", None, None),
                    prev_hash=prev_hash,
                )
                event.hash = prev_hash = event_hash(event)
                event.personal = AuditPersonal(salt=salt, actor_name="система")
                s.add(event)
            head.last_seq, head.last_hash = seq, prev_hash
        done = min(total, done + batch)
    elapsed = time.perf_counter() - start
    engine.dispose()
    return elapsed


def cli_verify(url: str, instance: str) -> tuple[float, str]:
    env = {
        **os.environ,
        "RESERVE_FLOW_DATABASE_URL": url,
        "RESERVE_FLOW_APP_INSTANCE_PATH": instance,
        "PYTHONPATH": PROJECT_ROOT,
    }
    env.pop("RESERVE_FLOW_CONFIG", None)
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "reserve_flow", "audit", "verify"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    elapsed = time.perf_counter() - start
    if done.returncode:
        sys.exit(f"audit verify failed: {done.stdout}{done.stderr}")
    return elapsed, done.stdout.strip()


def main() -> None:
    args = arguments(__doc__.splitlines()[0])
    per_run = scaled(1000, args.scale)
    long_chain = scaled(20000, args.scale)
    with database() as url:
        print(f"audit chain benchmark on {describe(url)}, scale {args.scale}")
        one = concurrent_appends(url, 1, per_run)
        print(f"  1 writer,  {per_run} events, one transaction each: {one:8.0f} appends/s")
        four = concurrent_appends(url, 4, per_run // 4)
        print(f"  4 writers, {per_run // 4 * 4} events, one transaction each: {four:8.0f} appends/s")
        missing = long_chain - per_run - per_run // 4 * 4
        seconds = extend_chain(url, missing)
        print(f"  (setup: {missing} more events written in {seconds:.1f} s, not through append_event)")
        with bench_runtime(url) as runtime:
            with runtime.sessions() as s:
                start = time.perf_counter()
                result = verify_chain(s)
                elapsed = time.perf_counter() - start
            with runtime.sessions() as s:  # again, traced (tracing slows it down)
                tracemalloc.start()
                verify_chain(s)
                _, peak = tracemalloc.get_traced_memory()
                tracemalloc.stop()
            if not result.ok:
                sys.exit(f"chain broken: {result.problem}")
            print(
                f"  verify_chain over {result.checked} events (in process): {elapsed:6.2f} s, "
                f"{result.checked / elapsed:8.0f} events/s, peak traced memory {peak / 2**20:.1f} MiB"
            )
            cli_seconds, said = cli_verify(url, str(runtime.settings.instance_path))
        print(f"  `reserve-flow audit verify` (new process, imports included): {cli_seconds:6.2f} s: {said}")


if __name__ == "__main__":
    main()
