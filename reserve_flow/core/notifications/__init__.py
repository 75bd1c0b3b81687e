"""The outbox: notifications queued in the transaction that causes them, sent after commit by
e-mail (SMTP) and shown in-app; never lost, never twice."""
