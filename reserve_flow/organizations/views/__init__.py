"""The registry's and the monitoring's pages."""
