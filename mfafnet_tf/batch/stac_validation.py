"""Offline STAC validation: pystac's bundled core schemas plus structural extension checks."""

import re

import pystac
from pystac.extensions.classification import ClassificationExtension
from pystac.extensions.projection import ProjectionExtension
from pystac.validation import JsonSchemaSTACValidator

_CLASS_NAME = re.compile(r"^[0-9A-Za-z_-]+$")


class OfflineValidator(JsonSchemaSTACValidator):
    """Validates STAC JSON without a network.

    The core Item/Collection schemas (and GeoJSON's) ship with pystac and are
    checked with jsonschema; the extension schemas do not ship, so the two
    extensions this package writes (projection, classification) are checked
    for their structure, and any other extension is an error.
    """

    def validate_extension(self, stac_dict, stac_object_type, stac_version, extension_id, href=None):
        checks = {ProjectionExtension.get_schema_uri(): _projection_problems,
                  ClassificationExtension.get_schema_uri(): _classification_problems}
        if extension_id not in checks:
            problems = [f"no offline check for extension {extension_id}"]
        else:
            problems = checks[extension_id](stac_dict)
        if problems:
            raise pystac.STACValidationError(
                f"{stac_object_type} {stac_dict.get('id')!r}, extension {extension_id}: " + "; ".join(problems))
        return extension_id


def validate_stac(stac_dict):
    """Validates a STAC Item or Collection dict offline.

    Raises:
        pystac.STACValidationError: The dict breaks the core schema or an extension's structure.
    """
    return pystac.validation.validate_dict(stac_dict, validator=OfflineValidator())


def _projection_problems(stac_dict):
    problems = []
    for where, fields in _property_sets(stac_dict):
        if not any(key in fields for key in ("proj:code", "proj:epsg", "proj:wkt2", "proj:projjson")):
            continue
        shape = fields.get("proj:shape")
        if shape is not None and not (len(shape) == 2 and all(isinstance(v, int) and v > 0 for v in shape)):
            problems.append(f"{where} proj:shape {shape!r} is not two positive integers")
        transform = fields.get("proj:transform")
        if transform is not None and not (len(transform) in (6, 9)
                                          and all(isinstance(v, (int, float)) for v in transform)):
            problems.append(f"{where} proj:transform {transform!r} is not 6 or 9 numbers")
        code = fields.get("proj:code")
        if code is not None and not re.match(r"^[A-Z]+:\S+$", str(code)):
            problems.append(f"{where} proj:code {code!r} is not AUTHORITY:CODE")
    if not any(key.startswith("proj:") for _, fields in _property_sets(stac_dict) for key in fields):
        problems.append("declared, but no proj: field anywhere")
    return problems


def _classification_problems(stac_dict):
    lists = [(where, fields["classification:classes"]) for where, fields in _property_sets(stac_dict)
             if "classification:classes" in fields]
    summaries = stac_dict.get("summaries", {})
    if "classification:classes" in summaries:
        lists.append(("summaries", summaries["classification:classes"]))
    if not lists:
        return ["declared, but no classification:classes anywhere"]
    problems = []
    for where, classes in lists:
        values = [entry.get("value") for entry in classes]
        if len(set(values)) != len(values) or not all(isinstance(v, int) for v in values):
            problems.append(f"{where} class values {values} are not unique integers")
        for entry in classes:
            if not _CLASS_NAME.match(str(entry.get("name", ""))):
                problems.append(f"{where} class {entry.get('value')} has name {entry.get('name')!r}, "
                                f"expected letters, digits, - and _")
            hint = entry.get("color_hint")
            if hint is not None and not re.match(r"^[0-9A-F]{6}$", hint):
                problems.append(f"{where} class {entry.get('value')} color_hint {hint!r} is not RRGGBB")
    return problems


def _property_sets(stac_dict):
    """(where, fields) of the places extension fields live: properties, assets."""
    sets = [("properties", stac_dict.get("properties", {}))]
    sets += [(f"asset {key!r}", asset) for key, asset in stac_dict.get("assets", {}).items()]
    return sets
