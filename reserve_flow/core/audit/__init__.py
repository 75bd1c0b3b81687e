"""The tamper-evident audit log: a SHA-256 hash chain of events, appended in the caller's
transaction and verified by `reserve-flow audit verify`."""
