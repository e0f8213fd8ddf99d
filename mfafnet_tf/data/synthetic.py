"""Synthetic co-registered optical + SAR scenes in the WHU-OPT-SAR layout.

The generator's physical model is documented in datasets/synthetic/README.md.
Scenes are rendered in strips of rows from a per-scene plan (region seeds,
coarse noise grids, roads), so memory grows with the scene width, not its area.
"""

import contextlib
import math
import os
from typing import NamedTuple

import numpy as np
from osgeo import gdal, osr
from tqdm import tqdm

from mfafnet_tf.data import atomic, splits

gdal.UseExceptions()

EPSG = 32650  # WGS 84 / UTM zone 50N, as for Hubei.
PIXEL_SIZE = 5.0
CELL = 72  # mean diameter of a class region, in pixels
ROAD_SPACING = 85  # pixels of scene side per road
STRIP = 256  # rows rendered at a time (the GeoTIFF block height); fixes the output
SEARCH_BLOCK = 256  # columns per nearest-region-seed search
ROAD_BAND = 64  # rows per road rasterization step
CLOUD_LATTICE = 8  # pixel spacing of the samples that set the cloud threshold

# WHU codes: 10 farmland, 20 city, 30 village, 40 water, 50 forest, 60 road, 70 others.
REGION_CODES = np.array([10, 20, 30, 40, 50, 70])
REGION_SHARES = np.array([0.26, 0.12, 0.14, 0.12, 0.22, 0.14])
ROAD = 60
WATER = 40

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


def _code_table(values, channels=1):
    """A [channels, 256] float32 lookup table indexed by label code."""
    table = np.zeros((256, channels), np.float32)
    for code, value in values.items():
        table[code] = value
    return table.T


OPTICAL_TABLE = _code_table(SPECTRA, 4)
TEXTURE_TABLE = _code_table(TEXTURE)[0]
SIGMA0_TABLE = _code_table(SIGMA0)[0]


class _ScenePlan(NamedTuple):
    """Everything about a scene that is drawn once, not per pixel."""
    shape: tuple
    seeds: np.ndarray          # float32 [N, 2] region seeds (row, col), sorted by row
    codes: np.ndarray          # uint8 [N] class code per region
    brightness: np.ndarray     # float32 [N] per-region brightness factor
    warp: tuple                # two noise grids displacing rows and columns
    roads: np.ndarray          # [R, 4] centre row, centre column, angle, half width
    wobble: np.ndarray         # noise grid bending the roads
    texture: np.ndarray        # noise grid of the optical texture
    clouds: np.ndarray         # noise grid of the cloud field
    cloud_threshold: float
    shadow_offset: tuple       # (rows, columns) from a cloud to its shadow
    edge_depth: float          # no data where row + column < edge_depth
    pixel_seed: int            # per-strip pixel noise generators derive from it


def _noise_grid(rng, shape, scale):
    """Coarse unit normal values, one per `scale` pixels, for `_sample`."""
    height, width = shape
    return rng.standard_normal(
        (int(height / scale) + 2, int(width / scale) + 2), dtype=np.float32)


def _sample(grid, scale, rows, columns):
    """Smooth zero-mean noise (bilinear in `grid`) at pixel rows x columns."""
    y, x = np.asarray(rows) / scale, np.asarray(columns) / scale
    y0, x0 = y.astype(np.intp), x.astype(np.intp)
    fy = (y - y0).astype(np.float32)[:, None]
    fx = (x - x0).astype(np.float32)[None, :]
    upper, lower = grid[y0], grid[y0 + 1]
    top = upper[:, x0] * (1 - fx) + upper[:, x0 + 1] * fx
    bottom = lower[:, x0] * (1 - fx) + lower[:, x0 + 1] * fx
    return top * (1 - fy) + bottom * fy


def _plan(rng, shape):
    """Draws the `_ScenePlan` of a scene of `shape` (height, width)."""
    height, width = shape
    count = max(4, round(height * width / CELL ** 2))
    seeds = rng.uniform((0, 0), (height, width), size=(count, 2))
    seeds = seeds[np.argsort(seeds[:, 0])].astype(np.float32)
    codes = rng.choice(REGION_CODES, size=count, p=REGION_SHARES).astype(np.uint8)
    warp = (_noise_grid(rng, shape, CELL), _noise_grid(rng, shape, CELL))
    road_count = max(1, round((height + width) / 2 / ROAD_SPACING))
    roads = np.column_stack([
        rng.uniform(0, height, road_count), rng.uniform(0, width, road_count),
        rng.uniform(0, math.pi, road_count), rng.uniform(1.0, 2.0, road_count)])
    wobble = _noise_grid(rng, shape, 48)
    brightness = rng.normal(1.0, 0.06, size=count).astype(np.float32)
    texture = _noise_grid(rng, shape, 6)
    cover = rng.uniform(0.0, 0.3)
    clouds = _noise_grid(rng, shape, 40)
    threshold = np.inf
    if cover > 0.01:
        lattice = _sample(clouds, 40, np.arange(0, height, CLOUD_LATTICE),
                          np.arange(0, width, CLOUD_LATTICE))
        threshold = float(np.quantile(lattice, 1.0 - cover))
    shadow_offset = tuple(int(v) for v in rng.integers(6, 16, size=2))
    # A corner triangle without data in some scenes (as at swath edges).
    edge_depth = rng.uniform(0.1, 0.3) * (height + width) if rng.uniform() <= 0.3 else 0.0
    return _ScenePlan(shape, seeds, codes, brightness, warp, roads, wobble, texture,
                      clouds, threshold, shadow_offset, edge_depth,
                      int(rng.integers(2 ** 63)))


def _nearest_seeds(seeds, rows, columns):
    """Index of the nearest seed to each point; rows, columns float32 [h, w]."""
    nearest = np.empty(rows.shape, np.int32)
    for start in range(0, rows.shape[1], SEARCH_BLOCK):
        part = slice(start, start + SEARCH_BLOCK)
        y, x = rows[:, part].ravel(), columns[:, part].ravel()
        margin = float(CELL)
        while True:
            # Seeds outside the points' box grown by `margin` are farther than
            # `margin` from every point: the search is exact once each point
            # has a candidate within `margin`.
            low, high = np.searchsorted(seeds[:, 0], (y.min() - margin, y.max() + margin))
            inside = np.flatnonzero((seeds[low:high, 1] > x.min() - margin)
                                    & (seeds[low:high, 1] < x.max() + margin)) + low
            if inside.size:
                distance = ((y[:, None] - seeds[inside, 0]) ** 2
                            + (x[:, None] - seeds[inside, 1]) ** 2)
                best = distance.argmin(axis=1)
                if (inside.size == len(seeds)
                        or distance[np.arange(best.size), best].max() <= margin ** 2):
                    break
            margin *= 2
        nearest[:, part] = inside[best].reshape(rows.shape[0], -1)
    return nearest


def _regions(plan, rows, columns):
    """Warped Voronoi cells: region index per pixel of the strip."""
    displacement = 0.3 * CELL
    warped_rows = rows[:, None] + displacement * _sample(plan.warp[0], CELL, rows, columns)
    warped_columns = columns[None, :] + displacement * _sample(plan.warp[1], CELL, rows, columns)
    return _nearest_seeds(plan.seeds, warped_rows.astype(np.float32),
                          warped_columns.astype(np.float32))


def _draw_roads(plan, labels, rows, columns):
    """Draws thin, slightly wavy roads (not across water) into a strip's labels."""
    width = plan.shape[1]
    bend = 4.0 * float(np.abs(plan.wobble).max())  # bound of the wobble term
    for centre_row, centre_column, angle, half_width in plan.roads:
        cos, sin = math.cos(angle), math.sin(angle)
        reach = half_width + bend
        for band in range(0, len(rows), ROAD_BAND):
            band_rows = rows[band:band + ROAD_BAND]
            left, right = 0, width
            if sin > 1e-6:  # only the columns the road can reach in these rows
                reached = [centre_column + ((row - centre_row) * cos + side * reach) / sin
                           for row in (band_rows[0], band_rows[-1]) for side in (-1, 1)]
                left = max(0, math.floor(min(reached)))
                right = min(width, math.ceil(max(reached)) + 1)
            if left >= right:
                continue
            band_columns = columns[left:right]
            distance = np.abs((band_rows[:, None] - centre_row) * cos
                              - (band_columns[None, :] - centre_column) * sin)
            wobble = 4.0 * _sample(plan.wobble, 48, band_rows, band_columns)
            block = labels[band:band + ROAD_BAND, left:right]
            block[(distance + wobble < half_width) & (block != WATER)] = ROAD


def _clouds(plan, rows, columns):
    """Cloud opacity and shadow strength of a strip, in [0, 1]."""
    def opacity_at(at_rows, at_columns):
        field = _sample(plan.clouds, 40, at_rows, at_columns)
        return np.clip((field - plan.cloud_threshold) / 0.4, 0.0, 1.0)

    opacity = opacity_at(rows, columns)
    dy, dx = plan.shadow_offset
    shadow = opacity_at(np.maximum(rows - dy, 0), np.maximum(columns - dx, 0))
    shadow[rows < dy] = 0.0
    shadow[:, columns < dx] = 0.0
    return opacity, shadow * (1.0 - opacity)


def _render_strip(plan, top, height):
    """Rows top..top+height of a scene: (optical [4, h, W], SAR [1, h, W], labels [h, W])."""
    rows, columns = np.arange(top, top + height), np.arange(plan.shape[1])
    regions = _regions(plan, rows, columns)
    labels = plan.codes[regions]
    _draw_roads(plan, labels, rows, columns)
    brightness = plan.brightness[regions]
    texture = _sample(plan.texture, 6, rows, columns)
    rng = np.random.default_rng([plan.pixel_seed, top])
    optical = OPTICAL_TABLE[:, labels] * brightness + TEXTURE_TABLE[labels] * texture
    optical += rng.standard_normal(optical.shape, dtype=np.float32) * 4.0
    sigma0 = SIGMA0_TABLE[labels] * brightness ** 4
    opacity, shadow = _clouds(plan, rows, columns)
    optical *= 1.0 - 0.65 * shadow
    optical *= 1.0 - opacity
    optical += (np.asarray(CLOUD, np.float32)[:, None, None] + 6.0 * texture) * opacity
    speckle = rng.standard_gamma(LOOKS, size=labels.shape, dtype=np.float32) / LOOKS
    decibels = 10.0 * np.log10(np.maximum(sigma0 * speckle, 1e-6))
    low, high = DB_RANGE
    sar = 1.0 + (decibels - low) / (high - low) * 254.0
    optical = np.clip(np.rint(optical), 1, 255).astype(np.uint8)
    sar = np.clip(np.rint(sar), 1, 255).astype(np.uint8)[None]
    empty = rows[:, None] + columns[None, :] < plan.edge_depth
    optical[:, empty] = 0
    sar[:, empty] = 0
    labels[empty] = 0
    return optical, sar, labels


def scene_strips(rng, shape):
    """Generates one scene strip by strip.

    Yields:
        (top row, optical uint8 [4, h, W], SAR uint8 [1, h, W], label codes uint8
        [h, W]) for consecutive strips of at most ``STRIP`` rows; 0 is nodata in
        optical and SAR and background in the labels.
    """
    plan = _plan(rng, shape)
    for top in range(0, shape[0], STRIP):
        yield (top,) + _render_strip(plan, top, min(STRIP, shape[0] - top))


def render_scene(rng, shape):
    """Generates one scene in memory (the strips of `scene_strips` joined).

    Returns:
        (optical uint8 [4, H, W], SAR uint8 [1, H, W], label codes uint8 [H, W]).
    """
    strips = [strip[1:] for strip in scene_strips(rng, shape)]
    return tuple(np.concatenate(parts, axis=-2) for parts in zip(*strips))


def _create_geotiff(path, count, shape, geotransform, projection, nodata):
    """An empty tiled uint8 GeoTIFF of `count` bands."""
    height, width = shape
    dataset = gdal.GetDriverByName("GTiff").Create(
        path, width, height, count, gdal.GDT_Byte,
        ["TILED=YES", "BLOCKXSIZE=256", "BLOCKYSIZE=256", "PHOTOMETRIC=MINISBLACK",
         "BIGTIFF=IF_SAFER"])
    dataset.SetGeoTransform(geotransform)
    dataset.SetProjection(projection)
    if nodata is not None:
        for index in range(count):
            dataset.GetRasterBand(index + 1).SetNoDataValue(nodata)
    return dataset


def _write_scene(paths, rng, shape, geotransform, projection, progress):
    """Renders a scene strip by strip into the optical, SAR and label GeoTIFFs, atomically."""
    with contextlib.ExitStack() as stack:
        datasets = [
            _create_geotiff(stack.enter_context(atomic.atomic_path(path)), count, shape,
                            geotransform, projection, nodata)
            for path, count, nodata in zip(paths, (4, 1, 1), (0, 0, None))]
        for top, optical, sar, labels in scene_strips(rng, shape):
            for dataset, bands in zip(datasets, (optical, sar, labels[None])):
                for index, values in enumerate(bands):
                    dataset.GetRasterBand(index + 1).WriteArray(values, 0, top)
                dataset.FlushCache()  # writes and frees the strip's blocks
            progress.update(len(labels))
        datasets.clear()  # closes the files before they are renamed


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
    with tqdm(total=scenes * height, desc=f"synthesizing {scenes} scenes", unit="row",
              disable=not progress) as bar:
        for index, name in enumerate(names):
            row, column = divmod(index, columns)
            geotransform = (
                300000.0 + column * (width * PIXEL_SIZE + 2000.0), PIXEL_SIZE, 0.0,
                3600000.0 - row * (height * PIXEL_SIZE + 2000.0), 0.0, -PIXEL_SIZE)
            paths = [os.path.join(out_dir, folder, name + ".tif")
                     for folder in ("optical", "sar", "lbl")]
            _write_scene(paths, np.random.default_rng([seed, index]), (height, width),
                         geotransform, projection, bar)
    split_path = os.path.join(out_dir, "split.txt")
    splits.write_split_file(
        split_path, _assign_splits(names, np.random.default_rng([seed, 1 << 30])))
    return split_path
