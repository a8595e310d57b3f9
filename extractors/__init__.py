"""Pure extraction: a file in, a record out. No Prefect, no database."""
