"""One STAC Item per class map: footprint, projection, classes, links to inputs and model."""

import datetime
import os
import re

import pystac
from osgeo import gdal, osr
from pystac.extensions.classification import Classification, ClassificationExtension
from pystac.extensions.projection import ProjectionExtension

from mfafnet_tf.batch.catalog import output_stem
from mfafnet_tf.batch.stac_collection import COLLECTION_FILE
from mfafnet_tf.errors import DataError
from mfafnet_tf.inference.palette import NODATA_CLASS

gdal.UseExceptions()

COG_MEDIA_TYPE = pystac.MediaType.COG
# Points per footprint edge: enough for a UTM scene's edges to stay straight in
# longitude/latitude to well under a pixel.
EDGE_POINTS = 11
_NAME_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")


def scene_item(job, cog_path, model, *, collection_id=None):
    """Builds the STAC Item of a class-map COG.

    Geometry and bbox are the raster's footprint in longitude/latitude (WGS 84),
    with the projection extension (EPSG code or WKT2, shape, transform) and the
    classification extension's classes (name, title, colour hint from the
    file's colour table; 255 as nodata) on the ``class_map`` asset. Links
    ``derived_from`` point to the optical and SAR inputs (and the source STAC
    Item, if any), ``describedby`` to the model, ``collection`` to the run's
    ``collection.json``.

    Args:
        job: The scene's :class:`~mfafnet_tf.batch.catalog.SceneJob`.
        cog_path: The class map; the asset's href is its file name, so the
            item belongs next to it.
        model: Model path, as given to the run.
        collection_id: Id of the run's collection, or None.

    Returns:
        A ``pystac.Item`` with id :func:`~mfafnet_tf.batch.catalog.output_stem` of the scene.
    """
    cog_path = os.fspath(cog_path)
    dataset = gdal.Open(cog_path)
    transform = dataset.GetGeoTransform()  # (also makes GDAL 3.6 read the .aux.xml sidecar)
    reference = dataset.GetSpatialRef()
    if reference is None:
        raise DataError(f"class map {cog_path}: expected a CRS, found none")
    band = dataset.GetRasterBand(1)
    names = band.GetCategoryNames() or []
    table = band.GetColorTable()
    geometry = footprint(dataset.RasterXSize, dataset.RasterYSize, transform, reference)
    longitudes, latitudes = zip(*geometry["coordinates"][0])
    when = datetime.datetime.fromisoformat(job.datetime) if job.datetime else _now()
    item = pystac.Item(
        id=output_stem(job.name), geometry=geometry,
        bbox=[min(longitudes), min(latitudes), max(longitudes), max(latitudes)],
        datetime=when, properties={"title": job.name, "created": _now().isoformat()},
        collection=collection_id,
    )
    asset = pystac.Asset(os.path.basename(cog_path), title="class map", media_type=COG_MEDIA_TYPE,
                         roles=["data"])
    item.add_asset("class_map", asset)
    projection = ProjectionExtension.ext(item, add_if_missing=True)
    epsg = _epsg(reference)
    projection.apply(
        epsg=epsg, wkt2=None if epsg else reference.ExportToWkt(["FORMAT=WKT2_2019"]),
        shape=[dataset.RasterYSize, dataset.RasterXSize],
        transform=[transform[1], transform[2], transform[0], transform[4], transform[5], transform[3]],
    )
    ClassificationExtension.ext(asset, add_if_missing=True).apply(classes=class_list(names, table))
    for role, href in (("optical", job.optical), ("SAR", job.sar)):
        if href:
            item.add_link(pystac.Link("derived_from", href, pystac.MediaType.GEOTIFF, title=f"{role} input"))
    if job.source_item:
        item.add_link(pystac.Link("derived_from", job.source_item, pystac.MediaType.JSON, title="input item"))
    item.add_link(pystac.Link("describedby", os.path.abspath(model), title="model"))
    if collection_id:
        item.add_link(pystac.Link("collection", f"./{COLLECTION_FILE}", pystac.MediaType.JSON, title=collection_id))
    return item


def class_list(names, table):
    """Classification-extension classes 0..K-1 (+ nodata 255) from names and a colour table."""
    classes = []
    for value, title in enumerate(names):
        color = table.GetColorEntry(value) if table is not None else None
        classes.append(Classification.create(
            value=value, name=_NAME_UNSAFE.sub("_", title).strip("_") or f"class_{value}", title=title,
            color_hint="".join(f"{channel:02X}" for channel in color[:3]) if color else None,
        ))
    classes.append(Classification.create(value=NODATA_CLASS, name="nodata", title="no data", nodata=True))
    return classes


def footprint(width, height, transform, reference):
    """GeoJSON Polygon of a raster's outline in longitude/latitude (WGS 84)."""
    steps = [index / (EDGE_POINTS - 1) for index in range(EDGE_POINTS)]
    outline = ([(width * s, 0) for s in steps] + [(width, height * s) for s in steps[1:]]
               + [(width * (1 - s), height) for s in steps[1:]] + [(0, height * (1 - s)) for s in steps[1:]])
    wgs84 = osr.SpatialReference()
    wgs84.ImportFromEPSG(4326)
    wgs84.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    source = reference.Clone()
    source.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    to_wgs84 = osr.CoordinateTransformation(source, wgs84)
    points = [(transform[0] + column * transform[1] + row * transform[2],
               transform[3] + column * transform[4] + row * transform[5]) for column, row in outline]
    # Reversed: counter-clockwise, the exterior ring order of GeoJSON (RFC 7946).
    ring = [[round(x, 8), round(y, 8)] for x, y, _ in to_wgs84.TransformPoints(points[::-1])]
    return {"type": "Polygon", "coordinates": [ring]}


def _epsg(reference):
    code = reference.GetAuthorityCode(None)
    return int(code) if reference.GetAuthorityName(None) == "EPSG" and code else None


def _now():
    return datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
