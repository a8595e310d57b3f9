"""Sohoa: archival digitisation pipeline for Vietnamese public offices."""

from config.settings import PIPELINE_VERSION

__version__ = PIPELINE_VERSION
