"""Timelines: each organization's heads, vacancies, orders and monitoring; each person's path from
application to appointment."""
