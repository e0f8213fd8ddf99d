"""Exceptions that the package raises for bad input (reported without traceback)."""


class MfafnetError(Exception):
    """Base class: a problem with the user's input, files or configuration."""


class DataError(MfafnetError, ValueError):
    """A raster, dataset or label problem; the message names the file(s)."""


class ConfigError(MfafnetError, ValueError):
    """An invalid recipe, override or option; the message names the key."""
