"""The settings of a whole-scene prediction, one value from the command line to ``predict_scene``."""

import dataclasses

from mfafnet_tf.errors import ConfigError

# The tiling of `mfafnet predict`, `predict-batch` and `evaluate` alike, so that the
# score evaluated is that of the map predicted: tiles of twice the model's training
# patch (the context it learned; models trained by `mfafnet train` record it), else
# 512 pixels, overlapping by a quarter of the tile.
DEFAULT_TILE = 512
PATCHES_PER_TILE = 2
OVERLAP_SHARE = 4
DEFAULT_BATCH_SIZE = 4
NODATA_POLICIES = ("any", "all")
# The `align` mode of `open_scene` that the `align` setting turns on.
ALIGN_SAR_TO_OPTICAL = "sar_to_optical"


def _optional_tuple(values):
    return None if values is None else tuple(values)


def check_tiling(tile, overlap, batch_size):
    """Raises ConfigError unless tile > 0, 0 <= overlap <= tile // 2 and batch_size > 0."""
    if tile < 1:
        raise ConfigError(f"tile: expected a positive number of pixels, found {tile}")
    if not 0 <= overlap <= tile // 2:
        raise ConfigError(f"overlap: expected 0..{tile // 2} (half the tile of {tile}), found {overlap}")
    if batch_size < 1:
        raise ConfigError(f"batch_size: expected a positive number of tiles, found {batch_size}")


def check_nodata_policy(policy):
    """Raises ConfigError unless ``policy`` is None or one of ``NODATA_POLICIES``."""
    if policy not in (None, *NODATA_POLICIES):
        raise ConfigError(f"nodata policy: expected one of {', '.join(NODATA_POLICIES)}, found {policy!r}")


@dataclasses.dataclass(frozen=True)
class PredictSettings:
    """How a scene is read and predicted, whatever the outputs.

    Built once (by the command line, a Beam pipeline or a Python caller) and
    passed as is to :func:`~mfafnet_tf.inference.predict_scene.predict_scene`.
    The values are checked when it is built.

    Attributes:
        optical_bands: 1-based optical bands to use (default all).
        sar_bands: 1-based SAR bands to use (default all).
        optical_nodata: Nodata value of every optical band, overriding the
            value the file declares (for files that declare none); NaN is
            always nodata.
        sar_nodata: The same for the SAR bands.
        align: Read a SAR that is not on the optical's grid through a lazy
            in-memory warp onto it (``align: sar_to_optical`` of
            :func:`mfafnet_tf.data.open_scene`); the map keeps the optical's
            georeference. False: such a pair is an error.
        tile: Tile size in pixels; None: twice the model's training patch,
            else ``DEFAULT_TILE`` (512); see ``tiling``.
        overlap: Overlap of neighbouring tiles in pixels (at most ``tile // 2``);
            None: a quarter of the tile.
        batch_size: Tiles per model call.
        class_names: Names of the K classes; default the model's, else ``class_<i>``.
        nodata_policy: ``"all"`` (255 only where every modality the model takes
            is nodata; the default for fusion models, which predict from the
            SAR under masked clouds) or ``"any"`` (255 where any is; the
            default, and the only case, for single-modality models).

    Raises:
        ConfigError: ``tile``, ``overlap`` or ``batch_size`` is out of range, or
            the nodata policy is unknown.
    """

    optical_bands: tuple = None
    sar_bands: tuple = None
    optical_nodata: float = None
    sar_nodata: float = None
    align: bool = False
    tile: int = None
    overlap: int = None
    batch_size: int = DEFAULT_BATCH_SIZE
    class_names: tuple = None
    nodata_policy: str = None

    def __post_init__(self):
        for name in ("optical_bands", "sar_bands", "class_names"):
            object.__setattr__(self, name, _optional_tuple(getattr(self, name)))
        check_tiling(*self.tiling(), self.batch_size)
        check_nodata_policy(self.nodata_policy)

    def tiling(self, training_patch=None):
        """``(tile, overlap)`` for a model trained on ``training_patch``-pixel patches (None: unknown)."""
        tile = self.tile
        if tile is None:
            tile = PATCHES_PER_TILE * training_patch if training_patch else DEFAULT_TILE
        return tile, tile // OVERLAP_SHARE if self.overlap is None else self.overlap

    @classmethod
    def given(cls, settings=None, **options):
        """``settings``, or the settings of keyword ``options`` (the fields above); not both.

        Raises:
            TypeError: Both are given, or an option is not a field.
        """
        if settings is None:
            return cls(**options)
        if options:
            raise TypeError(f"give settings or the options {', '.join(options)}, not both")
        return settings

    @property
    def scene_options(self):
        """Keyword arguments of :func:`mfafnet_tf.data.open_scene` (bands, nodata values, alignment)."""
        return {"optical_bands": self.optical_bands, "sar_bands": self.sar_bands,
                "optical_nodata": self.optical_nodata, "sar_nodata": self.sar_nodata,
                "align": ALIGN_SAR_TO_OPTICAL if self.align else None}

    def tiling_options(self, training_patch=None):
        """Keyword arguments of :func:`~mfafnet_tf.inference.iter_scene_predictions` (see ``tiling``)."""
        tile, overlap = self.tiling(training_patch)
        return {"tile": tile, "overlap": overlap, "batch_size": self.batch_size,
                "nodata_policy": self.nodata_policy}
