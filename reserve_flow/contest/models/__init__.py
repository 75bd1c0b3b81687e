"""Contests, applicants' profiles and consents, applications and their documents, the commission's work, protocols."""
