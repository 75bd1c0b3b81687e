"""The privacy domain's operations: consents, publication, retention and destruction, export."""
