"""Sources: read or fetch documents. Local files and folders for now (sources/files.py)."""
