"""Files: uploaded documents (storage) and, later, generated protocols and orders."""
