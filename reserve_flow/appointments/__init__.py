"""Appointment of heads (roadmap items 10 and 12): vacancies with their shortlist from the reserve,
attestation, numbered orders of the РУО and their publication."""
