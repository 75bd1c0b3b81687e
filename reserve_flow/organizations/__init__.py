"""The organizations of the district (schools, kindergartens, additional education) and the yearly
monitoring of head effectiveness."""
