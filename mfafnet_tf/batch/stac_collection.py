"""The STAC Collection of a batch run: extent of its items, their classes, item links."""

import datetime

import pystac
from pystac.extensions.classification import ClassificationExtension

COLLECTION_FILE = "collection.json"


def run_collection(items, collection_id, description):
    """Builds the Collection of a run from its items (``pystac.Item``, at least one).

    Spatial extent: the union of the items' bboxes; temporal extent: their
    datetimes; summaries: the classification classes of the first item's
    class map. Each item is linked (``item``, ``./<id>.json``), so the
    collection belongs next to the item files.
    """
    boxes = [item.bbox for item in items]
    times = sorted(item.datetime for item in items)
    collection = pystac.Collection(
        id=collection_id, description=description, license="other",
        extent=pystac.Extent(
            pystac.SpatialExtent([[min(b[0] for b in boxes), min(b[1] for b in boxes),
                                   max(b[2] for b in boxes), max(b[3] for b in boxes)]]),
            pystac.TemporalExtent([[times[0], times[-1]]]),
        ),
        extra_fields={"created": datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0).isoformat()},
    )
    classes = ClassificationExtension.ext(items[0].assets["class_map"]).classes
    ClassificationExtension.summaries(collection, add_if_missing=True).classes = classes
    for item in sorted(items, key=lambda entry: entry.id):
        collection.add_link(pystac.Link("item", f"./{item.id}.json", pystac.MediaType.GEOJSON, title=item.id))
    return collection
