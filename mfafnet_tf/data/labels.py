"""Mapping raw label codes to contiguous class ids (255 = ignore)."""

import numpy as np

from mfafnet_tf.errors import ConfigError, DataError

IGNORE = 255
_IGNORE_WORDS = {"ignore", "none", "null", ""}


class LabelMap:
    """A table from raw label codes to class ids 0..K-1 or 255 (ignore).

    Args:
        mapping: dict raw code -> class id, or -> "ignore"/None/255. Keys and
            values may be strings (from YAML, CSV or the command line).
        num_classes: K; ids must lie in 0..K-1.
    """

    def __init__(self, mapping, num_classes):
        self.num_classes = int(num_classes)
        table = {}
        for code, target in dict(mapping).items():
            try:
                code = int(code)
            except (TypeError, ValueError):
                raise ConfigError(
                    f"label mapping: code {code!r} is not an integer") from None
            table[code] = self._target(code, target)
        if not table:
            raise ConfigError("label mapping: no codes given")
        self.codes = np.array(sorted(table), dtype=np.int64)
        self.ids = np.array([table[c] for c in self.codes], dtype=np.uint8)

    def _target(self, code, target):
        if target is None or str(target).strip().lower() in _IGNORE_WORDS:
            return IGNORE
        try:
            target = int(target)
        except (TypeError, ValueError):
            raise ConfigError(
                f"label mapping: code {code} maps to {target!r}, expected a class "
                f"id or 'ignore'") from None
        if target != IGNORE and not 0 <= target < self.num_classes:
            raise ConfigError(
                f"label mapping: code {code} maps to {target}, expected 0.."
                f"{self.num_classes - 1} or 'ignore'")
        return target

    @classmethod
    def parse(cls, text, num_classes):
        """Parses "code:id,code:ignore,..." (as given on the command line)."""
        mapping = {}
        for item in filter(None, (part.strip() for part in text.split(","))):
            code, sep, target = item.rpartition(":")
            if not sep:
                raise ConfigError(
                    f"label mapping: {item!r} is not of the form code:id")
            mapping[code.strip()] = target.strip()
        return cls(mapping, num_classes)

    def __call__(self, raw, source="labels", nodata=None):
        """Maps raw codes to uint8 class ids.

        Args:
            raw: integer array of raw codes.
            source: the file the codes come from, named in errors.
            nodata: a code meaning "no label" (ignored whether listed or not).

        Raises:
            DataError: `raw` holds codes that the mapping does not list.
        """
        raw = np.asarray(raw)
        index = np.searchsorted(self.codes, raw)
        np.clip(index, 0, len(self.codes) - 1, out=index)
        missing = raw == nodata if nodata is not None else np.zeros(raw.shape, bool)
        known = (self.codes[index] == raw) | missing
        if not known.all():
            unknown = np.unique(raw[~known])
            listed = ", ".join(str(v) for v in unknown[:10])
            raise DataError(
                f"{source}: unknown label code(s) {listed}; expected one of "
                f"{', '.join(str(c) for c in self.codes)}")
        ids = self.ids[index]
        ids[missing] = IGNORE
        return ids
