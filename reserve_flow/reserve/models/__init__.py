"""Reserve membership, development plans and their evidence, the programme."""
