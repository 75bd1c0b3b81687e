"""Domain operations per area, called by the web, the API and the CLI alike."""
