"""The error a setting of the service's environment raises: it names the setting, never a secret's value."""

from __future__ import annotations


class SettingsError(RuntimeError):
    pass
