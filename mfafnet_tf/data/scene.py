"""Co-registered optical + SAR (+ label) scenes read window by window with GDAL."""

import collections
import os

import numpy as np

from mfafnet_tf.data import raster
from mfafnet_tf.data.align import ALIGN_MODES, warp_onto
from mfafnet_tf.errors import BandCountError, ConfigError, DataError

Window = collections.namedtuple("Window", ["x", "y", "width", "height"])
Window.__doc__ = "A pixel rectangle of a scene: column, row, width, height."

SceneWindow = collections.namedtuple("SceneWindow", ["optical", "sar", "label", "valid"])
SceneWindow.__doc__ = """The pixels of one window of a scene.

optical: float32 [h, w, Co], NaN where a band is invalid (declared nodata, NaN or ±inf);
    [h, w, 0] when the scene has no optical file.
sar: float32 [h, w, Cs], NaN where a band is invalid; [h, w, 0] without a SAR file.
label: raw label codes [h, w] in the file's integer dtype, or None without labels.
valid: bool [h, w], True where every band of the scene's modalities is valid.
"""

# Largest allowed displacement between the partners' pixel grids, in pixels.
GEO_TOLERANCE = 0.1


def window_starts(length, size, stride):
    """Start offsets of windows of `size` every `stride`, the last flush with the end."""
    if length <= size:
        return [0]
    starts = list(range(0, length - size + 1, stride))
    if starts[-1] != length - size:
        starts.append(length - size)
    return starts


class _Raster:
    """One open file of a scene with its band selection and nodata values.

    Given a `grid` (an open dataset) that the file is not on, the file is
    read through an in-memory warp onto that grid (`alignment` holds its report).
    """

    def __init__(self, path, role, bands, nodata, integer=False, grid=None,
                 geo_tolerance=GEO_TOLERANCE):
        self.path = os.fspath(path)
        self.role = role
        self.dataset = raster.open_raster(self.path, role)
        self.alignment = None
        self.bands = raster.check_bands(
            self.dataset, self.path, role, bands, integer=integer)
        self.nodata = raster.declared_nodata(
            self.dataset, self.bands, nodata, self.path, role)
        if grid is not None and raster.registration_problem(grid, self.dataset, geo_tolerance):
            # The warp takes the nodata values as given, so that they are never
            # resampled into the valid pixels.
            per_band = [None] * self.dataset.RasterCount
            for band, value in zip(self.bands, self.nodata):
                per_band[band - 1] = value
            self.dataset, self.alignment = warp_onto(
                grid, self.path, role.lower(), nodata=None if nodata is None else per_band)
            # Pixels outside the input get the warp's own nodata where none was declared.
            self.nodata = raster.declared_nodata(self.dataset, self.bands, nodata, self.path, role)

    @property
    def size(self):
        return self.dataset.RasterXSize, self.dataset.RasterYSize

    def read(self, window, size=None):
        return raster.read_bands(self.dataset, self.bands, *window, size=size)


class Scene:
    """An open, validated optical/SAR(/label) set of co-registered rasters.

    One of optical and SAR may be absent (a single-modality dataset): it then
    has 0 channels. Use `open_scene` to create one. Pixels are only read window by window with
    `read`, so scenes of any size fit in memory. Close it (or use it as a context
    manager) to release the GDAL handles.
    """

    def __init__(self, optical, sar, label=None, *, optical_bands=None,
                 sar_bands=None, optical_nodata=None, sar_nodata=None,
                 expect_optical_bands=None, expect_sar_bands=None,
                 geo_tolerance=GEO_TOLERANCE, align=None):
        self._optical = self._sar = self._label = None
        if optical is None and sar is None:
            raise DataError("scene: expected an optical or a SAR file, found neither")
        if align not in (None, *ALIGN_MODES):
            raise ConfigError(
                f"align: expected one of {', '.join(ALIGN_MODES)}, found {align!r}")
        if align and optical is None:
            raise DataError(
                f"scene of SAR raster {sar}: align {align} needs an optical file, "
                f"found none")
        try:
            if optical is not None:
                self._optical = _Raster(optical, "optical", optical_bands, optical_nodata)
            grid = self._optical.dataset if align else None
            if sar is not None:
                self._sar = _Raster(sar, "SAR", sar_bands, sar_nodata, grid=grid,
                                    geo_tolerance=geo_tolerance)
            if label is not None:
                self._label = _Raster(label, "label", None, None, integer=True, grid=grid,
                                      geo_tolerance=geo_tolerance)
                if self._label.dataset.RasterCount != 1:
                    raise DataError(
                        f"label raster {self._label.path}: expected 1 band, found "
                        f"{self._label.dataset.RasterCount}")
            self._check_band_count(self._optical, "optical", expect_optical_bands)
            self._check_band_count(self._sar, "SAR", expect_sar_bands)
            reference = self._reference
            for partner in (self._sar, self._label):
                if partner is not None and partner is not reference:
                    self._check_registration(reference, partner, geo_tolerance)
            self.width, self.height = reference.size
            self.geotransform = tuple(reference.dataset.GetGeoTransform())
            self.projection = reference.dataset.GetProjection()
        except BaseException:
            self.close()
            raise

    @property
    def _reference(self):
        """The raster whose grid the others must share: optical, else SAR."""
        return self._optical if self._optical is not None else self._sar

    def _check_band_count(self, source, role, expected):
        if source is None:
            if expected:
                raise BandCountError(
                    f"scene of {self._reference.path}: expected {int(expected)} {role} "
                    f"band(s), found no {role} file (unset the {role.lower()} bands)",
                    role.lower(), expected, 0)
            return
        if expected is not None and len(source.bands) != int(expected):
            raise BandCountError(
                f"{source.role} raster {source.path}: expected {int(expected)} "
                f"band(s), found {len(source.bands)}", role.lower(), expected, len(source.bands))

    @staticmethod
    def _check_registration(reference, other, tolerance):
        problem = raster.registration_problem(reference.dataset, other.dataset, tolerance)
        if problem:
            raise DataError(
                f"{reference.role} raster {reference.path} and {other.role} raster "
                f"{other.path} {problem}")

    # Paths and channel counts.
    @property
    def path(self):
        """The optical file's path, else the SAR file's."""
        return self._reference.path

    @property
    def optical_path(self):
        return self._optical.path if self._optical is not None else None

    @property
    def sar_path(self):
        return self._sar.path if self._sar is not None else None

    @property
    def label_path(self):
        return self._label.path if self._label is not None else None

    @property
    def optical_channels(self):
        return len(self._optical.bands) if self._optical is not None else 0

    @property
    def sar_channels(self):
        return len(self._sar.bands) if self._sar is not None else 0

    @property
    def alignments(self):
        """The `AlignReport`s of the files read through a warp onto the optical grid."""
        return [source.alignment for source in (self._sar, self._label)
                if source is not None and source.alignment is not None]

    @property
    def has_label(self):
        return self._label is not None

    @property
    def label_nodata(self):
        """The label file's declared nodata code (None without labels or nodata)."""
        return self._label.nodata[0] if self._label is not None else None

    @property
    def block_size(self):
        """The optical (else SAR) file's natural block size (columns, rows)."""
        return tuple(self._reference.dataset.GetRasterBand(1).GetBlockSize())

    def windows(self, size, stride=None):
        """Windows of `size` pixels every `stride` covering the whole scene.

        The last row and column of windows are flush with the scene's edges;
        scenes smaller than `size` yield a single clipped window.
        """
        stride = stride or size
        return [
            Window(x, y, min(size, self.width), min(size, self.height))
            for y in window_starts(self.height, size, stride)
            for x in window_starts(self.width, size, stride)
        ]

    def read(self, window, size=None):
        """Reads one window of every file of the scene.

        Args:
            window: a `Window` inside the scene.
            size: (width, height) to decimate the window to by nearest
                neighbour (a preview of a scene of any size); default: the
                window's own size.

        Returns:
            A `SceneWindow`.

        Raises:
            DataError: the window is outside the scene or a file cannot be read.
        """
        window = Window(*(int(v) for v in window))
        if (window.x < 0 or window.y < 0 or window.width <= 0 or window.height <= 0
                or window.x + window.width > self.width
                or window.y + window.height > self.height):
            raise DataError(
                f"window {tuple(window)} is outside the scene "
                f"{self.path} ({self.width}x{self.height})")
        size = None if size is None else tuple(int(v) for v in size)
        optical, optical_bad = self._read_modality(self._optical, window, size)
        sar, sar_bad = self._read_modality(self._sar, window, size)
        label = None
        if self._label is not None:
            label = self._read(self._label, window, size)[..., 0]
        valid = ~(optical_bad.any(axis=-1) | sar_bad.any(axis=-1))
        return SceneWindow(optical, sar, label, valid)

    def _read_modality(self, source, window, size):
        if source is None:
            width, height = size or (window.width, window.height)
            empty = (height, width, 0)
            return np.zeros(empty, np.float32), np.zeros(empty, bool)
        values = self._read(source, window, size)
        invalid = raster.invalid_mask(values, source.nodata)
        with np.errstate(over="ignore"):      # float64 beyond float32's range
            values = values.astype(np.float32)
        invalid |= ~np.isfinite(values)
        values[invalid] = np.nan
        return values, invalid

    @staticmethod
    def _read(source, window, size=None):
        try:
            return source.read(window, size)
        except RuntimeError as error:
            raise DataError(
                f"{source.role} raster {source.path}: cannot read window "
                f"{tuple(window)} ({error})") from None

    def close(self):
        """Releases the GDAL handles."""
        for source in (self._optical, self._sar, self._label):
            if source is not None:
                source.dataset = None

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def __repr__(self):
        return (f"Scene({self.optical_path!r}, {self.sar_path!r}, "
                f"{self.label_path!r}, {self.width}x{self.height})")


def open_scene(optical, sar, label=None, *, optical_bands=None, sar_bands=None,
               optical_nodata=None, sar_nodata=None, expect_optical_bands=None,
               expect_sar_bands=None, geo_tolerance=GEO_TOLERANCE, align=None):
    """Opens and validates a co-registered optical/SAR(/label) set.

    Args:
        optical: path of the optical raster (None: a SAR-only scene).
        sar: path of the SAR raster (None: an optical-only scene).
        label: path of the single-band integer label raster, or None.
        optical_bands: 1-based optical bands to use (default: all).
        sar_bands: 1-based SAR bands to use (default: all).
        optical_nodata: nodata value (scalar or per selected band) overriding the
            bands' declared nodata; NaN is always invalid.
        sar_nodata: the same for SAR.
        expect_optical_bands: required number of (selected) optical bands.
        expect_sar_bands: required number of (selected) SAR bands.
        geo_tolerance: largest allowed grid displacement between the files, in
            pixels; sizes and CRS must match exactly.
        align: None, or "sar_to_optical": SAR and label files that are not on
            the optical file's grid are read through an in-memory warp onto it
            (`mfafnet_tf.data.align`; SAR averaged or interpolated, labels
            nearest), no file is written.

    Returns:
        A `Scene`.

    Raises:
        DataError: a file is missing or unreadable, or the files differ in size,
            CRS, geotransform, band count or data type; the message names the
            file(s) and what differs.
    """
    return Scene(
        optical, sar, label, optical_bands=optical_bands, sar_bands=sar_bands,
        optical_nodata=optical_nodata, sar_nodata=sar_nodata,
        expect_optical_bands=expect_optical_bands,
        expect_sar_bands=expect_sar_bands, geo_tolerance=geo_tolerance, align=align)
