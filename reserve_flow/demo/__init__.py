"""The demo district seeded by `reserve-flow demo` through the same services and engine a user
drives, kept apart from those services."""
