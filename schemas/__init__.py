"""The record contract of ../shared/SCHEMA.md as pydantic models, exported as JSON Schema."""
