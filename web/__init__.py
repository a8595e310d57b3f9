"""The clerks' and archivists' web app (FastAPI, server-rendered Jinja2 pages, JSON API under /api)."""
