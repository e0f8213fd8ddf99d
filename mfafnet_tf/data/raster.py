"""Thin GDAL helpers: opening rasters with clear errors and comparing georeference."""

import numpy as np
from osgeo import gdal, osr

from mfafnet_tf.errors import DataError

gdal.UseExceptions()
osr.UseExceptions()

# GDAL data types that hold real-valued pixels (not complex) and integer labels.
_REAL_TYPES = {
    gdal.GDT_Byte, gdal.GDT_UInt16, gdal.GDT_Int16, gdal.GDT_UInt32,
    gdal.GDT_Int32, gdal.GDT_Float32, gdal.GDT_Float64,
}
_INTEGER_TYPES = {
    gdal.GDT_Byte, gdal.GDT_UInt16, gdal.GDT_Int16, gdal.GDT_UInt32, gdal.GDT_Int32,
}
if hasattr(gdal, "GDT_Int8"):
    _REAL_TYPES.add(gdal.GDT_Int8)
    _INTEGER_TYPES.add(gdal.GDT_Int8)


def open_raster(path, role):
    """Opens a raster read-only.

    Args:
        path: file path.
        role: what the file is for ("optical", "SAR", "label"), used in errors.

    Returns:
        The `gdal.Dataset`.

    Raises:
        DataError: the file is missing or GDAL cannot read it.
    """
    try:
        dataset = gdal.Open(str(path), gdal.GA_ReadOnly)
    except RuntimeError as error:
        raise DataError(f"{role} raster {path}: cannot be opened ({error})") from None
    if dataset is None:
        raise DataError(f"{role} raster {path}: cannot be opened")
    return dataset


def check_bands(dataset, path, role, bands, *, integer=False):
    """Checks a 1-based band selection and the bands' data types.

    Args:
        dataset: an open `gdal.Dataset`.
        path: its file path, for errors.
        role: what the file is for, for errors.
        bands: 1-based band numbers, or None for all bands.
        integer: require integer data (labels).

    Returns:
        The band numbers as a tuple.
    """
    count = dataset.RasterCount
    if bands is None:
        bands = tuple(range(1, count + 1))
    bands = tuple(int(b) for b in bands)
    if not bands:
        raise DataError(f"{role} raster {path}: no bands selected")
    for number in bands:
        if not 1 <= number <= count:
            raise DataError(
                f"{role} raster {path}: band {number} selected, but the file has "
                f"{count} band(s) (bands are numbered from 1)")
        data_type = dataset.GetRasterBand(number).DataType
        allowed = _INTEGER_TYPES if integer else _REAL_TYPES
        if data_type not in allowed:
            kind = "an integer" if integer else "a real-valued"
            raise DataError(
                f"{role} raster {path}: band {number} has data type "
                f"{gdal.GetDataTypeName(data_type)}, expected {kind} type")
    return bands


def declared_nodata(dataset, bands, override, path, role):
    """Per-band nodata values: the override (scalar or per band) else the declared ones."""
    if override is None:
        return tuple(dataset.GetRasterBand(b).GetNoDataValue() for b in bands)
    values = np.atleast_1d(np.asarray(override, dtype=np.float64))
    if values.size == 1:
        return (float(values[0]),) * len(bands)
    if values.size != len(bands):
        raise DataError(
            f"{role} raster {path}: {values.size} nodata values given for "
            f"{len(bands)} selected band(s)")
    return tuple(float(v) for v in values)


def read_bands(dataset, bands, x, y, width, height, size=None):
    """Reads a window of the given bands as a native-dtype array [h, w, C].

    Only the bands' own values are read: GDAL mask bands (including a 4th band
    that GDAL would interpret as alpha) are never consulted. With `size`
    (width, height) the window is decimated to that many pixels by nearest
    neighbour: output pixel i takes window pixel floor((i + 0.5) * width / size).
    """
    buffer = {} if size is None else dict(
        buf_xsize=int(size[0]), buf_ysize=int(size[1]),
        resample_alg=gdal.GRIORA_NearestNeighbour)
    planes = [
        dataset.GetRasterBand(b).ReadAsArray(x, y, width, height, **buffer) for b in bands
    ]
    return np.stack(planes, axis=-1)


def invalid_mask(values, nodata):
    """Boolean [h, w, C]: NaN, ±inf or equal to the band's nodata value."""
    if np.issubdtype(values.dtype, np.floating):
        invalid = ~np.isfinite(values)
    else:
        invalid = np.zeros(values.shape, dtype=bool)
    for channel, value in enumerate(nodata):
        if value is None or np.isnan(value):
            continue
        invalid[..., channel] |= values[..., channel] == value
    return invalid


def spatial_reference(dataset):
    """The dataset's CRS as an `osr.SpatialReference`, or None when it has none."""
    wkt = dataset.GetProjection()
    if not wkt:
        return None
    reference = osr.SpatialReference()
    reference.ImportFromWkt(wkt)
    return reference


def describe_crs(reference):
    """A short human-readable name of a CRS (or "none")."""
    if reference is None:
        return "none"
    code = reference.GetAuthorityCode(None)
    name = reference.GetName() or "unnamed"
    return f"{name} (EPSG:{code})" if code else name


def geotransform_offset(first, second, width, height):
    """Largest displacement, in pixels of `first`, between the two grids' corners."""
    worst = 0.0
    pixel = max(abs(first[1]) + abs(first[2]), abs(first[4]) + abs(first[5]))
    for col, row in ((0, 0), (width, 0), (0, height), (width, height)):
        ax = first[0] + col * first[1] + row * first[2]
        ay = first[3] + col * first[4] + row * first[5]
        bx = second[0] + col * second[1] + row * second[2]
        by = second[3] + col * second[4] + row * second[5]
        worst = max(worst, abs(ax - bx), abs(ay - by))
    return worst / pixel if pixel else 0.0


def registration_problem(first, second, tolerance):
    """Why two datasets are not on one pixel grid, or None when they are.

    Args:
        first, second: open `gdal.Dataset`s.
        tolerance: largest allowed displacement of the grids, in pixels of
            `first`; sizes and CRSs must match exactly.

    Returns:
        None, or the difference in words ("differ in size: ...").
    """
    sizes = [(d.RasterXSize, d.RasterYSize) for d in (first, second)]
    if sizes[0] != sizes[1]:
        return (f"differ in size: {sizes[0][0]}x{sizes[0][1]} vs "
                f"{sizes[1][0]}x{sizes[1][1]} (width x height)")
    crs = [spatial_reference(d) for d in (first, second)]
    if (crs[0] is None) != (crs[1] is None) or (
            crs[0] is not None and not crs[0].IsSame(crs[1])):
        return f"differ in CRS: {describe_crs(crs[0])} vs {describe_crs(crs[1])}"
    transforms = [tuple(d.GetGeoTransform()) for d in (first, second)]
    offset = geotransform_offset(*transforms, *sizes[0])
    if offset > tolerance:
        return (f"are not co-registered: their pixel grids are {offset:.3g} pixel(s) "
                f"apart (tolerance {tolerance} pixel); geotransforms {transforms[0]} "
                f"vs {transforms[1]}")
    return None
