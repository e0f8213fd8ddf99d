"""Checking that a file is a valid Cloud-Optimized GeoTIFF, with GDAL."""

import os

from osgeo import gdal

gdal.UseExceptions()

# What GDAL's COG driver writes right after the 8-byte TIFF header (16 for BigTIFF).
STRUCTURAL_METADATA = b"GDAL_STRUCTURAL_METADATA_SIZE="
IFDS_BEFORE_DATA = b"LAYOUT=IFDS_BEFORE_DATA"


def cog_problems(path):
    """Lists why ``path`` is not a valid COG (an empty list when it is one).

    The main checks of GDAL's ``validate_cloud_optimized_geotiff.py``: a GeoTIFF that
    GDAL reports as ``LAYOUT=COG``, with GDAL's structural metadata
    (``LAYOUT=IFDS_BEFORE_DATA``) at the start; every level tiled like the
    full image; overviews when the image is larger than a tile; the IFDs of
    all levels first, full resolution then overviews, before any image data;
    and the image data from the smallest overview to full resolution, so a
    reader gets the header with one small range request and a preview with
    the next.
    """
    path = os.fspath(path)
    try:
        dataset = gdal.OpenEx(path, gdal.OF_RASTER, allowed_drivers=["GTiff"])
    except RuntimeError as error:
        return [f"cannot be opened as a GeoTIFF ({error})"]
    problems = []
    if dataset.GetMetadataItem("LAYOUT", "IMAGE_STRUCTURE") != "COG":
        problems.append("GDAL does not report LAYOUT=COG")
    if not _has_structural_metadata(path):
        problems.append("no GDAL structural metadata with LAYOUT=IFDS_BEFORE_DATA after the TIFF header")
    band = dataset.GetRasterBand(1)
    levels = [band] + [band.GetOverview(index) for index in range(band.GetOverviewCount())]
    tile = tuple(band.GetBlockSize())
    if tile[0] == band.XSize and tile[0] != tile[1]:
        problems.append(f"the image is stored in strips ({tile[0]}x{tile[1]} blocks), not tiles")
    for level in levels[1:]:
        if tuple(level.GetBlockSize()) != tile:
            problems.append(f"overview {level.XSize}x{level.YSize} has {level.GetBlockSize()} blocks, "
                            f"expected {list(tile)} like the full image")
    if max(band.XSize, band.YSize) > max(tile) and len(levels) == 1:
        problems.append(f"no overviews on a {band.XSize}x{band.YSize} image larger than its tiles")
    ifds = [_tiff_offset(level, "IFD_OFFSET") for level in levels]
    data = [_tiff_offset(level, "BLOCK_OFFSET_0_0") for level in levels]
    if None in ifds or None in data:
        problems.append("an IFD or the first tile of a level cannot be located")
    else:
        if ifds != sorted(ifds) or max(ifds) > min(data):
            problems.append(f"IFDs (at {ifds}) are not all before the image data (from byte {min(data)}) "
                            f"in full-resolution-then-overview order")
        if data != sorted(data, reverse=True):
            problems.append(f"image data are not stored from the smallest overview to full resolution "
                            f"(first tiles at {data}, full resolution first)")
    return problems


def is_valid_cog(path):
    """True when :func:`cog_problems` finds nothing."""
    return not cog_problems(path)


def _tiff_offset(band, item):
    value = band.GetMetadataItem(item, "TIFF")
    return int(value) if value else None


def _has_structural_metadata(path):
    with open(path, "rb") as stream:
        head = stream.read(1024)
    start = 16 if head[2:4] in (b"\x2b\x00", b"\x00\x2b") else 8  # BigTIFF: version 43
    if not head[start:].startswith(STRUCTURAL_METADATA):
        return False
    size_start = start + len(STRUCTURAL_METADATA)
    size = int(head[size_start:size_start + 6])
    return IFDS_BEFORE_DATA in head[size_start:size_start + 13 + size]
