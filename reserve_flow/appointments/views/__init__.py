"""The pages of vacancies and orders, the order template, the public appointments page."""
