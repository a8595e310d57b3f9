"""Configuration: the one Settings object and the rules archive staff may edit (doctypes/*.yaml)."""

from config.settings import Settings, get_settings

__all__ = ["Settings", "get_settings"]
