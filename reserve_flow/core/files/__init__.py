"""Files: uploads stored by SHA-256 outside any served folder, generated documents with their
hashes, XLSX/CSV tables read and written."""
