"""Exceptions that the package raises for bad input (reported without traceback)."""


class MfafnetError(Exception):
    """Base class: a problem with the user's input, files or configuration."""


class DataError(MfafnetError, ValueError):
    """A raster, dataset or label problem; the message names the file(s)."""


class ConfigError(MfafnetError, ValueError):
    """An invalid recipe, override or option; the message names the key."""


class TrainingError(MfafnetError, RuntimeError):
    """Training went wrong in a way a recipe change fixes (a diverged loss); names the run."""


class BandCountError(DataError):
    """An optical or SAR raster has another number of (selected) bands than expected.

    Attributes:
        modality: ``"optical"`` or ``"sar"``.
        expected: the band count wanted.
        found: the band count found (0 when there is no such file).
    """

    def __init__(self, message, modality, expected, found):
        super().__init__(message)
        self.modality, self.expected, self.found = modality, int(expected), int(found)
