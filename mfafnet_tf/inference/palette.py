"""Class colours shared by the GeoTIFF colour table and the PNG quicklook.

Classes are coloured by name after a land-cover palette: ESA WorldCover's
legend where it has the class (water blue, trees dark green, cropland pink,
built-up red, ...), plus village, road and the like; other names get tab20
colours. The table is in docs/architecture.md.
"""

import re

import numpy as np
from matplotlib import colormaps
from osgeo import gdal

gdal.UseExceptions()

NODATA_CLASS = 255
# In the GeoTIFF's colour table nodata is transparent; in the quicklook, whose
# page is white, it is black, which no class colour is.
NODATA_COLOR = (0, 0, 0, 0)
QUICKLOOK_NODATA_RGB = (0, 0, 0)

# (words a class name may start a word with, RGB); the first match wins.
LAND_COVER_PALETTE = (
    (("water", "river", "lake", "sea", "flood"), (0, 100, 200)),
    (("wetland", "marsh", "swamp"), (0, 150, 160)),
    (("mangrove",), (0, 207, 117)),
    (("forest", "tree", "wood"), (0, 100, 0)),
    (("shrub", "bush"), (255, 187, 34)),
    (("bare", "sand", "soil", "rock", "desert"), (180, 180, 180)),
    (("grass", "meadow", "pasture", "vegetation"), (255, 255, 76)),
    (("farm", "crop", "agri", "paddy", "field"), (240, 150, 255)),
    (("city", "urban", "built", "build", "house", "settlement"), (250, 0, 0)),
    (("village", "rural"), (255, 140, 90)),
    (("road", "street", "highway", "rail"), (90, 90, 90)),
    (("snow", "ice", "glacier"), (240, 240, 240)),
    (("moss", "lichen"), (250, 230, 160)),
)
_NEGATIONS = {"no", "non", "not"}
# Smallest RGB distance of a spare colour from the colours already in the map.
MIN_DISTANCE = 60.0


def _palette_color(name):
    words = re.findall(r"[a-z]+", str(name).lower())
    if _NEGATIONS & set(words):              # "non-water" is not water
        return None
    for prefixes, rgb in LAND_COVER_PALETTE:
        if any(word.startswith(prefixes) for word in words):
            return rgb
    return None


def _spare_colors(count):
    """Colours for unnamed classes: tab10 without its blues first, then tab20's light ones."""
    if count > 20:
        hues = colormaps["hsv"](np.arange(count) / count)
    else:
        tab20 = colormaps["tab20"](np.arange(20))
        hues = tab20[[2, 4, 6, 8, 10, 12, 14, 16, *range(3, 20, 2), 1, 0, 18]]
    return [tuple(int(v) for v in np.round(rgba[:3] * 255)) for rgba in hues]


def _distance(first, second):
    return float(np.linalg.norm(np.subtract(first, second, dtype=float)))


def class_colors(class_names):
    """Distinct RGB colours (uint8 [K,3]) for the named classes.

    A name that matches `LAND_COVER_PALETTE` gets its colour, unless an
    earlier class already has it; the others get spare colours (tab10/tab20,
    evenly spaced hues beyond 20 classes), none close to a colour in use, so
    an unnamed "dry" is not drawn in the blue of "flooded".
    """
    colors = [_palette_color(name) for name in class_names]
    used = []
    for index, rgb in enumerate(colors):
        if rgb is None or rgb in used:
            taken = used + [c for c in colors[index + 1:] if c is not None]
            spare = [c for c in _spare_colors(len(class_names)) if c not in taken]
            far = [c for c in spare if min((_distance(c, t) for t in taken), default=1e9) >= MIN_DISTANCE]
            rgb = (far or spare)[0]
        colors[index] = rgb
        used.append(rgb)
    return np.array(colors, np.uint8).reshape(len(class_names), 3)


def color_table(colors):
    """A ``gdal.ColorTable`` with ``colors`` for 0..K-1 and transparent nodata (255)."""
    table = gdal.ColorTable()
    for index, rgb in enumerate(colors):
        table.SetColorEntry(index, tuple(int(v) for v in rgb) + (255,))
    table.SetColorEntry(NODATA_CLASS, NODATA_COLOR)
    return table


def class_map_rgb(ids, colors):
    """uint8 [h, w, 3] picture of class ids: `colors` for 0..K-1, black for the rest.

    Black (`QUICKLOOK_NODATA_RGB`) marks nodata (255) and any id beyond the
    colours; no class colour is black.
    """
    rgb = np.empty(ids.shape + (3,), np.uint8)
    rgb[...] = QUICKLOOK_NODATA_RGB
    known = ids < len(colors)
    rgb[known] = np.asarray(colors)[ids[known]]
    return rgb
