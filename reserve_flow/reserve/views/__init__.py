"""The reserve's pages: members, plans, the programme, the public reserve list."""
