"""The registry of organizations and the monitoring imports (XLSX/CSV, all or nothing)."""
