"""Aligning a raster onto another raster's pixel grid with a lazy GDAL warp.

The output takes the reference's CRS, geotransform and size exactly, so the
pair passes the co-registration check of `mfafnet_tf.data.scene`. Written as a
VRT (the default) nothing is copied: GDAL resamples the windows that are read,
so scenes of any size align in no time and no space.

Resampling by role, unless one is given:

- label: ``nearest`` (class codes must not be mixed).
- optical and SAR: ``average`` when the input's pixels are finer than the
  reference's (each output pixel is the mean of the input pixels it covers,
  the right aggregate of reflectance and of SAR intensity in linear power, and
  it reduces speckle), else ``bilinear`` (no blocky steps when refining).
  SAR in dB is averaged in dB, the geometric mean of the power, biased low under
  speckle; the report notes negative SAR values for that reason.
"""

import dataclasses
import math
import os

import numpy as np
from osgeo import gdal, osr

from mfafnet_tf.data import raster
from mfafnet_tf.data.atomic import atomic_path
from mfafnet_tf.data.manifest import MODALITY_NAMES
from mfafnet_tf.errors import ConfigError, DataError

gdal.UseExceptions()

ROLES = ("optical", "sar", "label")
# Values of the `align` option of scenes and datasets.
ALIGN_MODES = ("sar_to_optical",)
ROLE_NAMES = {**MODALITY_NAMES, "label": "label"}
RESAMPLINGS = ("nearest", "bilinear", "cubic", "cubicspline", "lanczos", "average",
               "rms", "mode", "min", "max", "med", "q1", "q3", "sum")
FORMATS = {".vrt": ("VRT", []),
           ".tif": ("GTiff", ["COMPRESS=DEFLATE", "TILED=YES", "BIGTIFF=IF_SAFER"]),
           ".tiff": ("GTiff", ["COMPRESS=DEFLATE", "TILED=YES", "BIGTIFF=IF_SAFER"])}
# Points per edge when a footprint is carried into another CRS.
EDGE_POINTS = 21
# Relative pixel-size difference below which two grids count as equally fine.
SIZE_TOLERANCE = 1e-6


@dataclasses.dataclass(frozen=True)
class AlignReport:
    """What an alignment changed.

    Attributes:
        reference, input, out: the file paths (out: None for an in-memory warp).
        role: "optical", "sar" or "label".
        source_crs, target_crs: the CRSs in words.
        source_pixel: the input's pixel width and height in `source_units`.
        source_units: the input CRS's units.
        source_pixel_on_grid: the same carried into the reference's CRS.
        target_pixel: the reference's pixel width and height.
        units: the reference CRS's units ("metre", "degree", ...).
        source_size, target_size: (width, height) in pixels.
        origin: where the input's upper-left corner falls on the reference
            grid, as (column, row) in reference pixels.
        resampling: the GDAL resampling used, and why.
        nodata: the output's nodata value(s).
        coverage: share of the reference grid that the input covers (by
            bounding box, 0..1).
        note: a caveat worth reading (SAR values that look like dB), or "".
    """

    reference: str
    input: str
    out: str
    role: str
    source_crs: str
    target_crs: str
    source_pixel: tuple
    source_units: str
    source_pixel_on_grid: tuple
    target_pixel: tuple
    units: str
    source_size: tuple
    target_size: tuple
    origin: tuple
    resampling: str
    nodata: tuple
    coverage: float
    note: str = ""

    def lines(self):
        """The report as lines of text."""
        where = self.out or "memory"
        fine = "x".join(f"{v:.4g}" for v in self.source_pixel_on_grid)
        lines = [
            f"aligned {ROLE_NAMES[self.role]} {self.input} onto the grid of {self.reference}"
            f" -> {where}",
            f"  CRS:        {self.source_crs} -> {self.target_crs}"
            + ("" if self.source_crs != self.target_crs else " (unchanged)"),
            f"  pixel size: {'x'.join(f'{v:.6g}' for v in self.source_pixel)} "
            f"{self.source_units} (~{fine} {self.units} on the grid) -> "
            f"{'x'.join(f'{v:.6g}' for v in self.target_pixel)} {self.units}",
            f"  size:       {self.source_size[0]}x{self.source_size[1]} -> "
            f"{self.target_size[0]}x{self.target_size[1]} pixels (width x height)",
            f"  shift:      the input's corner lies at column {self.origin[0]:.3f}, row "
            f"{self.origin[1]:.3f} of the reference grid (sub-pixel "
            f"{_fraction(self.origin[0]):+.3f}, {_fraction(self.origin[1]):+.3f})",
            f"  resampling: {self.resampling}",
            f"  nodata:     {', '.join(_number(v) for v in self.nodata)}",
            f"  coverage:   {100 * self.coverage:.1f}% of the reference grid",
        ]
        if self.note:
            lines.append(f"  note:       {self.note}")
        return lines

    def __str__(self):
        return "\n".join(self.lines())


def _fraction(value):
    """The signed distance to the nearest whole pixel."""
    return value - round(value)


def _number(value):
    return "nan" if math.isnan(value) else f"{value:g}"


def _srs(dataset, path, role):
    reference = raster.spatial_reference(dataset)
    if reference is None:
        raise DataError(f"{role} raster {path}: has no CRS; cannot align it")
    reference.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    return reference


def _bounds(dataset):
    """(min x, min y, max x, max y) of a north-up raster."""
    x0, dx, _, y0, _, dy = dataset.GetGeoTransform()
    x1, y1 = x0 + dx * dataset.RasterXSize, y0 + dy * dataset.RasterYSize
    return min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)


def _north_up(dataset, path, role):
    transform = dataset.GetGeoTransform(can_return_null=True)
    if transform is None:
        raise DataError(f"{role} raster {path}: has no geotransform; cannot align it")
    if transform[2] or transform[4]:
        raise DataError(
            f"{role} raster {path}: rotated geotransform {tuple(transform)}; expected "
            f"a north-up grid (rotation terms 0)")
    return transform


def _pixel_on_grid(source, transform):
    """The input's centre pixel's width and height carried into the reference CRS."""
    x0, dx, _, y0, _, dy = source.GetGeoTransform()
    col, row = source.RasterXSize / 2, source.RasterYSize / 2
    corner = (x0 + col * dx, y0 + row * dy)
    points = transform.TransformPoints(
        [corner, (corner[0] + dx, corner[1]), (corner[0], corner[1] + dy)])
    width = math.dist(points[0][:2], points[1][:2])
    height = math.dist(points[0][:2], points[2][:2])
    return width, height


def _units(srs):
    return "degree" if srs.IsGeographic() else (srs.GetLinearUnitsName() or "unit")


def _nodata(source, override=None):
    """(declared nodata per band or None, the output's nodata per band).

    ``override`` (per band, None entries: the declared value) replaces what the
    bands declare. A band without nodata gets NaN (real types) or its type's
    extreme value (the maximum, the minimum for signed integers) for the
    pixels outside the input.
    """
    declared, chosen = [], []
    for number in range(1, source.RasterCount + 1):
        band = source.GetRasterBand(number)
        value = band.GetNoDataValue()
        if override is not None and override[number - 1] is not None:
            value = float(override[number - 1])
        declared.append(value)
        if value is None:
            dtype = np.dtype(gdal.GetDataTypeName(band.DataType).lower().replace("byte", "uint8"))
            if np.issubdtype(dtype, np.floating):
                value = math.nan
            else:
                info = np.iinfo(dtype)
                value = info.min if info.min < 0 else info.max
        chosen.append(float(value))
    return (None if None in declared else tuple(declared)), tuple(chosen)


def _default_resampling(role, source_pixel, target_pixel):
    if role == "label":
        return "nearest", "class codes are never mixed"
    if all(s < t * (1 - SIZE_TOLERANCE) for s, t in zip(source_pixel, target_pixel)):
        what = ("SAR intensity in linear power" if role == "sar" else "reflectance")
        return "average", f"input pixels finer than the grid: the mean of {what}"
    return "bilinear", "input pixels as coarse as the grid or coarser: interpolated"


def _looks_like_db(source):
    """True when the first band's (approximate) minimum is negative."""
    try:
        low, _ = source.GetRasterBand(1).ComputeRasterMinMax(True)
    except RuntimeError:
        return False
    return low < 0


def plan_alignment(reference, input_path, *, role="sar", resampling=None, out=None, nodata=None):
    """Checks a pair and works out the warp onto the reference's grid.

    Args:
        reference: path of the raster whose grid to take (the optical).
        input_path: path of the raster to align.
        role: what the input is: "optical", "sar" or "label".
        resampling: a GDAL resampling name (see `RESAMPLINGS`); default by role
            and pixel sizes (module docstring).
        out: the output path, for the report.
        nodata: the input's nodata value per band (None entries: the declared
            one), overriding what the file declares.

    Returns:
        (`gdal.WarpOptions` keyword arguments, `AlignReport`).

    Raises:
        ConfigError: unknown role or resampling.
        DataError: a file cannot be read, has no CRS or geotransform, or the
            two do not overlap; the message names both files.
    """
    if role not in ROLES:
        raise ConfigError(f"align: role expected one of {', '.join(ROLES)}, found {role!r}")
    if resampling is not None and resampling not in RESAMPLINGS:
        raise ConfigError(
            f"align: resampling expected one of {', '.join(RESAMPLINGS)}, found {resampling!r}")
    name = ROLE_NAMES[role]
    reference, input_path = os.fspath(reference), os.fspath(input_path)
    grid = raster.open_raster(reference, "reference")
    source = raster.open_raster(input_path, name)
    target = _north_up(grid, reference, "reference")
    _north_up(source, input_path, name)
    target_srs, source_srs = _srs(grid, reference, "reference"), _srs(source, input_path, name)
    transform = osr.CoordinateTransformation(source_srs, target_srs)
    try:
        footprint = transform.TransformBounds(*_bounds(source), EDGE_POINTS)
    except RuntimeError:
        footprint = None
    grid_bounds = _bounds(grid)
    overlap = None
    if footprint is not None and all(math.isfinite(v) for v in footprint):
        width = min(footprint[2], grid_bounds[2]) - max(footprint[0], grid_bounds[0])
        height = min(footprint[3], grid_bounds[3]) - max(footprint[1], grid_bounds[1])
        if width > 0 and height > 0:
            overlap = width * height
    if overlap is None:
        raise DataError(
            f"{name} raster {input_path} does not overlap reference raster {reference}: "
            f"the input covers {_box(footprint)} and the reference {_box(grid_bounds)} "
            f"in {raster.describe_crs(target_srs)}")
    x0, dx, _, y0, _, dy = source.GetGeoTransform()
    corner = transform.TransformPoint(x0, y0)
    origin = ((corner[0] - target[0]) / target[1], (corner[1] - target[3]) / target[5])
    target_pixel = (abs(target[1]), abs(target[5]))
    on_grid = _pixel_on_grid(source, transform)
    if resampling is None:
        resampling, why = _default_resampling(role, on_grid, target_pixel)
        described = f"{resampling} ({why})"
    else:
        described = f"{resampling} (given)"
    declared, nodata = _nodata(source, nodata)
    note = ""
    if role == "sar" and resampling not in ("nearest", "mode") and _looks_like_db(source):
        note = ("SAR values below 0 look like dB; resampling dB averages log values "
                "(a geometric mean of the power, biased low); convert to linear power "
                "first, or use --resampling nearest")
    area = (grid_bounds[2] - grid_bounds[0]) * (grid_bounds[3] - grid_bounds[1])
    report = AlignReport(
        reference=reference, input=input_path, out=None if out is None else os.fspath(out),
        role=role, source_crs=raster.describe_crs(source_srs),
        target_crs=raster.describe_crs(target_srs),
        source_pixel=(abs(dx), abs(dy)), source_units=_units(source_srs),
        source_pixel_on_grid=on_grid,
        target_pixel=target_pixel, units=_units(target_srs),
        source_size=(source.RasterXSize, source.RasterYSize),
        target_size=(grid.RasterXSize, grid.RasterYSize), origin=origin,
        resampling=described, nodata=nodata, coverage=min(1.0, overlap / area), note=note)
    options = dict(
        dstSRS=grid.GetProjection(), outputBounds=grid_bounds,
        width=grid.RasterXSize, height=grid.RasterYSize, resampleAlg=resampling,
        srcNodata=None if declared is None else " ".join(_number(v) for v in declared),
        dstNodata=" ".join(_number(v) for v in nodata))
    return options, report


def _box(bounds):
    if bounds is None or not all(math.isfinite(v) for v in bounds):
        return "an area that cannot be carried into the reference's CRS"
    return "x {:.6g}..{:.6g}, y {:.6g}..{:.6g}".format(bounds[0], bounds[2], bounds[1], bounds[3])


def align_raster(reference, input_path, out, *, role="sar", resampling=None):
    """Writes `input_path` warped onto the grid of `reference`, atomically.

    Args:
        reference: path of the raster whose CRS, geotransform and size to take.
        input_path: path of the raster to align.
        out: ``.vrt`` (lazy, no pixels copied; it refers to the input by a
            path relative to itself) or ``.tif`` (a tiled, compressed copy).
        role: "optical", "sar" or "label".
        resampling: a GDAL resampling name; default by role (module docstring).

    Returns:
        The `AlignReport`.

    Raises:
        ConfigError: unknown output extension, role or resampling, or `out`
            is one of the inputs.
        DataError: see `plan_alignment`.
    """
    out = os.fspath(out)
    extension = os.path.splitext(out)[1].lower()
    if extension not in FORMATS:
        raise ConfigError(
            f"--out {out}: expected a .vrt (lazy, default) or .tif file, found "
            f"{extension or 'no extension'!r}")
    if os.path.abspath(out) in (os.path.abspath(reference), os.path.abspath(input_path)):
        raise ConfigError(f"--out {out}: would overwrite an input; choose another path")
    options, report = plan_alignment(reference, input_path, role=role,
                                     resampling=resampling, out=out)
    driver, creation = FORMATS[extension]
    with atomic_path(out) as temporary:
        written = gdal.Warp(temporary, os.path.abspath(input_path), format=driver,
                            creationOptions=creation, **options)
        written.FlushCache()
        written = None
    return report


def warp_onto(grid, input_path, role, resampling=None, nodata=None):
    """An in-memory VRT of `input_path` on the grid of the open dataset `grid`.

    Args:
        grid: an open `gdal.Dataset` whose grid to take (its description is
            its path).
        input_path: path of the raster to align.
        role: "optical", "sar" or "label".
        resampling, nodata: see `plan_alignment`.

    Returns:
        (the warped `gdal.Dataset`, the `AlignReport`).
    """
    options, report = plan_alignment(grid.GetDescription(), input_path, role=role,
                                     resampling=resampling, nodata=nodata)
    return gdal.Warp("", os.fspath(input_path), format="VRT", **options), report
