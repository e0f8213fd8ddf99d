"""Synthetic co-registered optical + SAR scenes in the WHU-OPT-SAR layout.

The generator's physical model is documented in datasets/synthetic/README.md.
"""

import math
import os

import numpy as np
from osgeo import gdal, osr
from tqdm import tqdm

from mfafnet_tf.data import atomic, splits

gdal.UseExceptions()

EPSG = 32650  # WGS 84 / UTM zone 50N, as for Hubei.
PIXEL_SIZE = 5.0
CELL = 72  # mean diameter of a class region, in pixels

# WHU codes: 10 farmland, 20 city, 30 village, 40 water, 50 forest, 60 road, 70 others.
REGION_CODES = np.array([10, 20, 30, 40, 50, 70])
REGION_SHARES = np.array([0.26, 0.12, 0.14, 0.12, 0.22, 0.14])
ROAD = 60

# Optical DN (R, G, B, NIR) per code: city and village share one spectrum;
# farmland, forest and others differ mainly in NIR and brightness.
SPECTRA = {
    10: (62, 96, 56, 172), 20: (122, 120, 126, 106), 30: (122, 120, 126, 106),
    40: (26, 42, 58, 14), 50: (36, 64, 42, 128), 60: (152, 150, 148, 128),
    70: (150, 134, 108, 142),
}
TEXTURE = {10: 6.0, 20: 10.0, 30: 10.0, 40: 3.0, 50: 12.0, 60: 5.0, 70: 8.0}
# SAR backscatter sigma0 (linear) per code: farmland, forest and others alike;
# city (double bounce) far above village; water and roads specular and dark.
SIGMA0 = {10: 0.06, 20: 0.8, 30: 0.2, 40: 0.004, 50: 0.06, 60: 0.012, 70: 0.06}
LOOKS = 3
DB_RANGE = (-30.0, 5.0)
CLOUD = (236, 236, 240, 228)


def smooth_noise(rng, shape, scale):
    """Zero-mean unit-scale noise, smooth over about `scale` pixels (bilinear)."""
    height, width = shape
    coarse = rng.standard_normal(
        (int(height / scale) + 2, int(width / scale) + 2))
    y = np.arange(height) / scale
    x = np.arange(width) / scale
    y0, x0 = y.astype(int), x.astype(int)
    fy, fx = (y - y0)[:, None], (x - x0)[None, :]
    top = coarse[y0][:, x0] * (1 - fx) + coarse[y0][:, x0 + 1] * fx
    bottom = coarse[y0 + 1][:, x0] * (1 - fx) + coarse[y0 + 1][:, x0 + 1] * fx
    return top * (1 - fy) + bottom * fy


def _regions(rng, shape):
    """Warped Voronoi cells: (cell index map, code per cell)."""
    height, width = shape
    count = max(4, round(height * width / CELL ** 2))
    seeds = rng.uniform((0, 0), (height, width), size=(count, 2))
    codes = rng.choice(REGION_CODES, size=count, p=REGION_SHARES)
    rows = np.arange(height)[:, None] + 0.3 * CELL * smooth_noise(rng, shape, CELL)
    cols = np.arange(width)[None, :] + 0.3 * CELL * smooth_noise(rng, shape, CELL)
    cells = np.empty(shape, dtype=np.int32)
    for start in range(0, height, 64):
        part = slice(start, start + 64)
        distance = ((rows[part, :, None] - seeds[:, 0]) ** 2
                    + (cols[part, :, None] - seeds[:, 1]) ** 2)
        cells[part] = distance.argmin(axis=-1)
    return cells, codes


def _roads(rng, labels):
    """Draws thin, slightly wavy roads (not across water)."""
    height, width = labels.shape
    rows, cols = np.mgrid[0:height, 0:width]
    wobble = 4.0 * smooth_noise(rng, labels.shape, 48)
    for _ in range(max(1, round(height * width / 160 ** 2))):
        cy, cx = rng.uniform(0, height), rng.uniform(0, width)
        angle = rng.uniform(0, math.pi)
        distance = np.abs((rows - cy) * math.cos(angle) - (cols - cx) * math.sin(angle))
        road = (distance + wobble < rng.uniform(1.0, 2.0)) & (labels != 40)
        labels[road] = ROAD


def _clouds(rng, shape):
    """Cloud opacity and shadow strength maps in [0, 1]."""
    cover = rng.uniform(0.0, 0.3)
    field = smooth_noise(rng, shape, 40)
    threshold = np.quantile(field, 1.0 - cover) if cover > 0.01 else np.inf
    opacity = np.clip((field - threshold) / 0.4, 0.0, 1.0)
    dy, dx = rng.integers(6, 16, size=2)
    shadow = np.zeros(shape)
    shadow[dy:, dx:] = opacity[:shape[0] - dy, :shape[1] - dx]
    return opacity, shadow * (1.0 - opacity)


def _swath_edge(rng, shape):
    """A corner triangle without data in some scenes (as at swath edges)."""
    height, width = shape
    if rng.uniform() > 0.3:
        return np.zeros(shape, dtype=bool)
    rows, cols = np.mgrid[0:height, 0:width]
    depth = rng.uniform(0.1, 0.3) * (height + width)
    return rows + cols < depth


def render_scene(rng, shape):
    """Generates one scene.

    Returns:
        (optical uint8 [4, H, W], SAR uint8 [1, H, W], label codes uint8 [H, W]);
        0 is nodata in optical and SAR and background in the labels.
    """
    cells, cell_codes = _regions(rng, shape)
    labels = cell_codes[cells].astype(np.uint8)
    _roads(rng, labels)
    jitter = rng.normal(1.0, 0.06, size=cell_codes.size)[cells]
    optical = np.zeros((4,) + shape)
    sigma0 = np.zeros(shape)
    texture = smooth_noise(rng, shape, 6)
    for code, spectrum in SPECTRA.items():
        where = labels == code
        for band, value in enumerate(spectrum):
            optical[band][where] = value * jitter[where] + TEXTURE[code] * texture[where]
        sigma0[where] = SIGMA0[code] * jitter[where] ** 4
    optical += rng.normal(0.0, 4.0, size=optical.shape)
    opacity, shadow = _clouds(rng, shape)
    optical *= 1.0 - 0.65 * shadow
    cloud = np.asarray(CLOUD, dtype=float)[:, None, None] + 6.0 * texture
    optical = optical * (1.0 - opacity) + cloud * opacity
    speckle = rng.gamma(LOOKS, 1.0 / LOOKS, size=shape)
    decibels = 10.0 * np.log10(np.maximum(sigma0 * speckle, 1e-6))
    low, high = DB_RANGE
    sar = 1.0 + (decibels - low) / (high - low) * 254.0
    optical = np.clip(np.rint(optical), 1, 255).astype(np.uint8)
    sar = np.clip(np.rint(sar), 1, 255).astype(np.uint8)[None]
    empty = _swath_edge(rng, shape)
    optical[:, empty] = 0
    sar[:, empty] = 0
    labels[empty] = 0
    return optical, sar, labels


def write_geotiff(path, bands, geotransform, projection, nodata=None):
    """Writes a [C, H, W] uint8 array as a tiled GeoTIFF, atomically."""
    count, height, width = bands.shape
    with atomic.atomic_path(path) as temporary:
        dataset = gdal.GetDriverByName("GTiff").Create(
            temporary, width, height, count, gdal.GDT_Byte,
            ["TILED=YES", "BLOCKXSIZE=256", "BLOCKYSIZE=256", "PHOTOMETRIC=MINISBLACK"])
        dataset.SetGeoTransform(geotransform)
        dataset.SetProjection(projection)
        for index in range(count):
            band = dataset.GetRasterBand(index + 1)
            band.WriteArray(bands[index])
            if nodata is not None:
                band.SetNoDataValue(nodata)
        dataset.FlushCache()
        dataset = None


def _assign_splits(names, rng):
    order = list(rng.permutation(len(names)))
    count = len(names)
    n_test = max(1, round(0.2 * count)) if count >= 2 else 0
    n_val = max(1, round(0.15 * count)) if count >= 3 else 0
    result = {}
    for position, index in enumerate(order):
        split = ("test" if position < n_test else
                 "val" if position < n_test + n_val else "train")
        result[names[index]] = split
    return result


def synthesize(out_dir, scenes=8, size=(512, 512), seed=0, progress=True):
    """Writes synthetic scenes in the WHU-OPT-SAR layout and a split file.

    Args:
        out_dir: dataset root; optical/, sar/ and lbl/ are created in it.
        scenes: number of scenes.
        size: (height, width) of each scene in pixels.
        seed: random seed; the same seed gives identical files.
        progress: show a progress bar.

    Returns:
        The path of the split file (``name split`` lines).
    """
    height, width = (int(v) for v in size)
    reference = osr.SpatialReference()
    reference.ImportFromEPSG(EPSG)
    projection = reference.ExportToWkt()
    columns = max(1, math.ceil(math.sqrt(scenes)))
    names = [f"SYN{seed:04d}_{index:03d}" for index in range(scenes)]
    for index in tqdm(range(scenes), desc="synthesizing scenes", unit="scene",
                      disable=not progress):
        rng = np.random.default_rng([seed, index])
        optical, sar, labels = render_scene(rng, (height, width))
        row, column = divmod(index, columns)
        geotransform = (
            300000.0 + column * (width * PIXEL_SIZE + 2000.0), PIXEL_SIZE, 0.0,
            3600000.0 - row * (height * PIXEL_SIZE + 2000.0), 0.0, -PIXEL_SIZE)
        file_name = names[index] + ".tif"
        for folder, bands, nodata in (("optical", optical, 0), ("sar", sar, 0),
                                      ("lbl", labels[None], None)):
            write_geotiff(os.path.join(out_dir, folder, file_name), bands,
                          geotransform, projection, nodata)
    split_path = os.path.join(out_dir, "split.txt")
    splits.write_split_file(
        split_path, _assign_splits(names, np.random.default_rng([seed, 1 << 30])))
    return split_path
