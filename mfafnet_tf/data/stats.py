"""Per-band mean and standard deviation over valid pixels, streamed window by window."""

import json

import numpy as np
from tqdm import tqdm

from mfafnet_tf.data import atomic
from mfafnet_tf.data.scene import Window
from mfafnet_tf.errors import ConfigError, DataError

TRANSFORMS = ("none", "log", "db")
EPSILON = 1e-6  # the floor of the log transforms, as in layers.InputNormalization
STRIP_ROWS = 256


def apply_transform(values, transform):
    """Applies "none", "log" (ln(max(x, eps))) or "db" (10 log10(max(x, eps)))."""
    if transform == "none":
        return values
    if transform == "log":
        return np.log(np.maximum(values, EPSILON))
    if transform == "db":
        return 10.0 * np.log10(np.maximum(values, EPSILON))
    raise ConfigError(f"transform: expected one of {', '.join(TRANSFORMS)}, found {transform!r}")


class RunningMoments:
    """Per-channel count, mean and sum of squared deviations (Chan et al. merge)."""

    def __init__(self, channels):
        self.count = 0
        self.mean = np.zeros(channels)
        self.m2 = np.zeros(channels)

    def update(self, values):
        """Adds samples [N, C] (float64)."""
        count = values.shape[0]
        if count == 0:
            return
        mean = values.mean(axis=0)
        m2 = ((values - mean) ** 2).sum(axis=0)
        total = self.count + count
        delta = mean - self.mean
        self.mean = self.mean + delta * (count / total)
        self.m2 = self.m2 + m2 + delta ** 2 * (self.count * count / total)
        self.count = total

    def result(self, transform):
        std = np.sqrt(self.m2 / self.count) if self.count else np.zeros_like(self.m2)
        return {"mean": self.mean.tolist(), "std": std.tolist(),
                "transform": transform, "count": int(self.count)}


def compute_stats(source, split="train", sar_transform="none",
                  optical_transform="none", progress=True):
    """Computes per-band statistics over valid pixels with bounded memory.

    A pixel counts for a modality when all that modality's bands are valid.
    A modality the scenes lack (0 bands) gets empty mean and std, count 0.
    Scenes are read in strips of at most `STRIP_ROWS` rows.

    Args:
        source: a `Dataset` (its scenes of `split` are used; split None or
            "all": every scene), or an iterable of open `Scene` objects.
        split: the split of a `Dataset` to use.
        sar_transform: "none", "log" or "db", applied to SAR before the moments.
        optical_transform: the same for optical.
        progress: show a progress bar.

    Returns:
        {"optical": {...}, "sar": {...}} with mean, std, transform and count.
    """
    for transform in (sar_transform, optical_transform):
        apply_transform(np.zeros(1), transform)
    if hasattr(source, "scenes"):
        records = source.scenes(None if split in (None, "all") else split)
        if not records:
            raise DataError(f"dataset {source.name}: no scenes in split {split!r}")
        scenes, total, owned = (source.open(r) for r in records), len(records), True
    else:
        scenes, total, owned = source, None, False
    moments = None
    for scene in tqdm(scenes, total=total, desc="statistics", unit="scene",
                      disable=not progress):
        if moments is None:
            moments = {"optical": RunningMoments(scene.optical_channels),
                       "sar": RunningMoments(scene.sar_channels)}
        try:
            channels = (scene.optical_channels, scene.sar_channels)
            expected = (moments["optical"].mean.size, moments["sar"].mean.size)
            if channels != expected:
                raise DataError(
                    f"statistics: scene {scene.path} has {channels} (optical, "
                    f"SAR) bands, the earlier scenes {expected}")
            _accumulate(scene, moments, optical_transform, sar_transform)
        finally:
            if owned:
                scene.close()
    if moments is None:
        raise DataError("statistics: no scenes given")
    return {"optical": moments["optical"].result(optical_transform),
            "sar": moments["sar"].result(sar_transform)}


def _accumulate(scene, moments, optical_transform, sar_transform):
    """Adds the valid pixels of one scene, strip by strip."""
    for y in range(0, scene.height, STRIP_ROWS):
        window = scene.read(Window(0, y, scene.width, min(STRIP_ROWS, scene.height - y)))
        for key, transform in (("optical", optical_transform), ("sar", sar_transform)):
            if not moments[key].mean.size:     # a modality the scenes lack
                continue
            values = getattr(window, key).reshape(-1, moments[key].mean.size)
            values = values[np.isfinite(values).all(axis=1)].astype(np.float64)
            moments[key].update(apply_transform(values, transform))


def write_stats(path, stats):
    """Writes statistics JSON atomically."""
    atomic.write_text(path, json.dumps(stats, indent=1) + "\n")
