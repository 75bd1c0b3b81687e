"""Organizations and their monitoring results."""
