"""The contest's and the application's workflow guards."""
