"""The core: what every domain stands on and that knows no domain. The workflow engine and its
definitions, the audit chain, deadlines and the scheduler scan, the outbox and its dispatch,
stored and generated files, counters, dates, the database helpers and the web plumbing. Domains
register with it; it imports none of them."""
