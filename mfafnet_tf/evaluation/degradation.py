"""Deterministic cloud-shaped removal of one modality from a scene, for robustness tests."""

import zlib

import numpy as np

from mfafnet_tf.data.smooth_noise import noise_grid, sample_noise
from mfafnet_tf.errors import ConfigError

CLOUD_SCALE = 48  # pixels per noise sample: clouds of roughly this radius
LATTICE = 4  # pixel spacing of the samples that set the mask's threshold
DEGRADABLE = ("optical", "sar")


class CloudMask:
    """A smooth, cloud-shaped mask over a share of a scene's pixels.

    The mask is a threshold of a smooth random field that depends only on the
    scene's size, its name and the seed, so every model is scored under the
    same clouds, and a larger share covers the smaller shares' clouds too.

    Args:
        shape: (height, width) of the scene.
        share: share of the pixels to mask, 0..1 (0: none, 1: all).
        seed: random seed.
        name: scene name, so that scenes of one seed get different clouds.

    Raises:
        ConfigError: ``share`` is outside 0..1.
    """

    def __init__(self, shape, share, seed=0, name=""):
        if not 0.0 <= share <= 1.0:
            raise ConfigError(f"removed share: expected 0..1, found {share}")
        self.shape = tuple(int(v) for v in shape)
        self.share = float(share)
        rng = np.random.default_rng([int(seed), zlib.crc32(name.encode("utf-8"))])
        self._grid = noise_grid(rng, self.shape, CLOUD_SCALE)
        height, width = self.shape
        lattice = sample_noise(self._grid, CLOUD_SCALE, np.arange(0, height, LATTICE),
                               np.arange(0, width, LATTICE))
        self._threshold = float(np.quantile(lattice, 1.0 - self.share)) if 0 < share < 1 else None

    def window(self, window):
        """bool [h, w]: True where the mask covers the ``Window``."""
        shape = (window.height, window.width)
        if self.share in (0.0, 1.0):
            return np.full(shape, self.share == 1.0)
        field = sample_noise(self._grid, CLOUD_SCALE, np.arange(window.y, window.y + window.height),
                             np.arange(window.x, window.x + window.width))
        return field > self._threshold


class DegradedScene:
    """An open scene whose reads have one modality removed (NaN) under a mask.

    Everything but ``read`` is the wrapped scene's.

    Args:
        scene: an open ``mfafnet_tf.data.Scene``.
        modality: ``"optical"`` or ``"sar"``.
        mask: a ``CloudMask`` of the scene's shape.
    """

    def __init__(self, scene, modality, mask):
        if modality not in DEGRADABLE:
            raise ConfigError(f"degraded modality: expected optical or sar, found {modality!r}")
        self._scene = scene
        self.modality = modality
        self.mask = mask

    def __getattr__(self, name):
        return getattr(self._scene, name)

    def read(self, window):
        """The scene's ``SceneWindow`` with the modality NaN (nodata) under the mask."""
        read = self._scene.read(window)
        covered = self.mask.window(window)
        values = np.where(covered[..., None], np.float32(np.nan), getattr(read, self.modality))
        return read._replace(**{self.modality: values, "valid": read.valid & ~covered})
