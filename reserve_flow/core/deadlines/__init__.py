"""Deadlines of workflow states and whole cases in Russian working days; the scheduler's scan that
reminds, escalates and expires them, one leader at a time."""
