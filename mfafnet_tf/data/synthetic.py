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
from mfafnet_tf.data.smooth_noise import noise_grid, sample_noise
from mfafnet_tf.data.synthetic_profile import DEFAULT, SyntheticProfile, get_profile

gdal.UseExceptions()

EPSG = 32650  # WGS 84 / UTM zone 50N, as for Hubei.
PIXEL_SIZE = 5.0
CELL = 72  # mean diameter of a class region, in pixels
ROAD_SPACING = 85  # pixels of scene side per road
STRIP = 256  # rows rendered at a time (the GeoTIFF block height); fixes the output
SEARCH_BLOCK = 256  # columns per nearest-region-seed search
ROAD_BAND = 64  # rows per road rasterization step
CLOUD_LATTICE = 8  # pixel spacing of the samples that set the cloud threshold
CLOUD_NODATA_OPACITY = 0.5  # cloud_nodata: optical nodata where clouds are this opaque

# WHU codes: 10 farmland, 20 city, 30 village, 40 water, 50 forest, 60 road, 70 others.
REGION_CODES = np.array([10, 20, 30, 40, 50, 70])
REGION_SHARES = np.array([0.26, 0.12, 0.14, 0.12, 0.22, 0.14])
ROAD = 60
WATER = 40

DB_RANGE = (-30.0, 5.0)  # SAR dB scaled to DN 1..255
CLOUD = (236, 236, 240, 228)
VEGETATION = (11, 31, 50, 70)  # surfaces whose NIR follows the season (realistic profile)
MOIST = (12, 70)  # surfaces whose backscatter follows soil moisture (realistic profile)


def _code_table(values, channels=1):
    """A [channels, 256] float32 lookup table indexed by surface code."""
    table = np.zeros((256, channels), np.float32)
    for code, value in values.items():
        table[code] = value
    return table.T


class _Tables(NamedTuple):
    """A profile's per-code lookup tables."""
    optical: np.ndarray  # [4, 256]
    texture: np.ndarray  # [256]
    sigma0: np.ndarray   # [256]


def _tables(profile):
    return _Tables(_code_table(profile.spectra, 4), _code_table(profile.texture)[0],
                   _code_table(profile.sigma0)[0])


class _Season(NamedTuple):
    """Per-scene acquisition conditions (neutral in the default profile)."""
    gain: float = 1.0         # illumination: optical DN scale
    haze: float = 0.0         # additive path radiance, strongest in blue
    phenology: float = 1.0    # NIR scale of vegetation surfaces
    moisture: float = 1.0     # backscatter scale of soil-like surfaces
    wind: float = 1.0         # backscatter scale of water (wind roughening)
    calibration: float = 0.0  # SAR calibration offset in dB


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
    profile: SyntheticProfile
    tables: _Tables
    orientation: np.ndarray    # float32 [N] field-row / building-grid angle per region
    period: np.ndarray         # float32 [N] field-row period per region, pixels
    sar_offset: tuple          # (rows, columns) of the SAR grid against the optical
    season: _Season


def _plan(rng, shape, profile):
    """Draws the `_ScenePlan` of a scene of `shape` (height, width)."""
    height, width = shape
    count = max(4, round(height * width / CELL ** 2))
    seeds = rng.uniform((0, 0), (height, width), size=(count, 2))
    seeds = seeds[np.argsort(seeds[:, 0])].astype(np.float32)
    codes = rng.choice(REGION_CODES, size=count, p=REGION_SHARES).astype(np.uint8)
    warp = (noise_grid(rng, shape, CELL), noise_grid(rng, shape, CELL))
    road_count = max(1, round((height + width) / 2 / ROAD_SPACING))
    roads = np.column_stack([
        rng.uniform(0, height, road_count), rng.uniform(0, width, road_count),
        rng.uniform(0, math.pi, road_count), rng.uniform(1.0, 2.0, road_count)])
    wobble = noise_grid(rng, shape, 48)
    brightness = rng.normal(1.0, 0.06, size=count).astype(np.float32)
    texture = noise_grid(rng, shape, 6)
    cover = rng.uniform(*profile.cloud_cover)
    clouds = noise_grid(rng, shape, 40)
    threshold = np.inf
    if cover > 0.01:
        lattice = sample_noise(clouds, 40, np.arange(0, height, CLOUD_LATTICE),
                          np.arange(0, width, CLOUD_LATTICE))
        threshold = float(np.quantile(lattice, 1.0 - cover))
    shadow_offset = tuple(int(v) for v in rng.integers(6, 16, size=2))
    # A corner triangle without data in some scenes (as at swath edges).
    edge_depth = rng.uniform(0.1, 0.3) * (height + width) if rng.uniform() <= 0.3 else 0.0
    pixel_seed = int(rng.integers(2 ** 63))
    # Drawn after everything the default profile draws, so its scenes stay the same.
    orientation = rng.uniform(0, math.pi, count).astype(np.float32)
    period = rng.uniform(6.0, 10.0, count).astype(np.float32)
    radius = profile.coregistration * math.sqrt(rng.uniform())
    angle = rng.uniform(0, 2 * math.pi)
    sar_offset = (radius * math.sin(angle), radius * math.cos(angle))
    season = _Season()
    if profile.seasonal:
        season = _Season(gain=rng.uniform(0.8, 1.2), haze=rng.uniform(0.0, 25.0),
                         phenology=rng.uniform(0.7, 1.2), moisture=rng.uniform(0.6, 1.6),
                         wind=rng.uniform(1.0, 4.0), calibration=rng.normal(0.0, 1.0))
    return _ScenePlan(shape, seeds, codes, brightness, warp, roads, wobble, texture,
                      clouds, threshold, shadow_offset, edge_depth, pixel_seed, profile,
                      _tables(profile), orientation, period, sar_offset, season)


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
    warped_rows = rows[:, None] + displacement * sample_noise(plan.warp[0], CELL, rows, columns)
    warped_columns = columns[None, :] + displacement * sample_noise(plan.warp[1], CELL, rows, columns)
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
            wobble = 4.0 * sample_noise(plan.wobble, 48, band_rows, band_columns)
            block = labels[band:band + ROAD_BAND, left:right]
            block[(distance + wobble < half_width) & (block != WATER)] = ROAD


def _clouds(plan, rows, columns):
    """Cloud opacity and shadow strength of a strip, in [0, 1]."""
    def opacity_at(at_rows, at_columns):
        field = sample_noise(plan.clouds, 40, at_rows, at_columns)
        return np.clip((field - plan.cloud_threshold) / 0.4, 0.0, 1.0)

    opacity = opacity_at(rows, columns)
    dy, dx = plan.shadow_offset
    shadow = opacity_at(np.maximum(rows - dy, 0), np.maximum(columns - dx, 0))
    shadow[rows < dy] = 0.0
    shadow[:, columns < dx] = 0.0
    return opacity, shadow * (1.0 - opacity)


def _surfaces(plan, regions, labels, rows, columns):
    """Surface materials of a strip (realistic profile): field rows of crop and bare
    soil on farmland, roofs and streets on city blocks, houses among gardens in
    villages; forest, water, roads and others keep one material each."""
    angle, period = plan.orientation[regions], plan.period[regions]
    rows, columns = rows[:, None].astype(np.float32), columns[None, :].astype(np.float32)
    along = rows * np.cos(angle) + columns * np.sin(angle)
    across = columns * np.cos(angle) - rows * np.sin(angle)
    surfaces = labels.copy()
    crop = np.sin(2 * math.pi * along / period) > 0
    surfaces[labels == 10] = np.where(crop, 11, 12)[labels == 10]
    blocks = (np.sin(2 * math.pi * along / 12) > -0.6) & (np.sin(2 * math.pi * across / 12) > -0.6)
    surfaces[(labels == 20) & ~blocks] = 21
    houses = (np.sin(2 * math.pi * along / 16) > 0.5) & (np.sin(2 * math.pi * across / 16) > 0.5)
    surfaces[labels == 30] = np.where(houses, 20, 31)[labels == 30]
    return surfaces


def _canopy(rows, columns):
    """Tree-crown texture in [-1, 1]: three crossed sinusoids of 3-5 px periods."""
    rows, columns = rows[:, None].astype(np.float32), columns[None, :].astype(np.float32)
    return (np.sin(1.9 * rows + 0.7 * columns) * np.sin(1.3 * columns - 0.8 * rows + 1.0)
            + 0.5 * np.sin(1.1 * rows + 1.6 * columns + 2.0)) / 1.5


def _ground(plan, rows, columns):
    """Land cover of a strip at (possibly shifted) pixel coordinates.

    Returns:
        (label codes uint8 [h, W], surface codes uint8 [h, W], per-pixel region
        brightness float32 [h, W]).
    """
    regions = _regions(plan, rows, columns)
    labels = plan.codes[regions]
    _draw_roads(plan, labels, rows, columns)
    surfaces = labels
    if plan.profile.materials:
        surfaces = _surfaces(plan, regions, labels, rows, columns)
    return labels, surfaces, plan.brightness[regions]


def _speckle(rng, shape, looks, block):
    """Multiplicative Gamma speckle (mean 1, variance 1/looks), one value per
    `block` x `block` SAR pixel, repeated onto the optical grid."""
    coarse = (-(-shape[0] // block), -(-shape[1] // block))
    speckle = rng.standard_gamma(looks, size=coarse, dtype=np.float32) / looks
    return np.repeat(np.repeat(speckle, block, 0), block, 1)[:shape[0], :shape[1]]


def _block_mean(values, block):
    """Mean of `values` [h, W] over `block` x `block` cells, repeated back to [h, W]."""
    if block == 1:
        return values
    height, width = values.shape
    padded = np.pad(values, ((0, -height % block), (0, -width % block)), mode="edge")
    means = padded.reshape(padded.shape[0] // block, block, -1, block).mean(axis=(1, 3))
    return np.repeat(np.repeat(means, block, 0), block, 1)[:height, :width]


def _render_strip(plan, top, height):
    """Rows top..top+height of a scene: (optical [4, h, W], SAR [1, h, W], labels [h, W])."""
    profile, tables, season = plan.profile, plan.tables, plan.season
    rows, columns = np.arange(top, top + height), np.arange(plan.shape[1])
    labels, surfaces, brightness = _ground(plan, rows, columns)
    texture = sample_noise(plan.texture, 6, rows, columns)
    rng = np.random.default_rng([plan.pixel_seed, top])
    optical = tables.optical[:, surfaces] * brightness + tables.texture[surfaces] * texture
    optical += rng.standard_normal(optical.shape, dtype=np.float32) * 4.0
    if profile.materials:
        canopy = np.isin(surfaces, (50, 31))
        optical[:, canopy] += (np.array([[14], [20], [14], [45]], np.float32)
                               * _canopy(rows, columns)[canopy])
    if profile.seasonal:
        optical[3, np.isin(surfaces, VEGETATION)] *= season.phenology
        optical = optical * season.gain + season.haze * np.array(
            [0.6, 0.8, 1.0, 0.3], np.float32)[:, None, None]
    if plan.sar_offset == (0.0, 0.0):
        sar_surfaces, sar_brightness = surfaces, brightness
    else:  # the SAR sees the ground of a slightly shifted grid
        dy, dx = plan.sar_offset
        _, sar_surfaces, sar_brightness = _ground(plan, rows + dy, columns + dx)
    sigma0 = tables.sigma0[sar_surfaces] * sar_brightness ** 4
    if profile.seasonal:
        sigma0[np.isin(sar_surfaces, MOIST)] *= season.moisture
        sigma0[sar_surfaces == WATER] *= season.wind
    opacity, shadow = _clouds(plan, rows, columns)
    optical *= 1.0 - 0.65 * shadow
    optical *= 1.0 - opacity
    optical += (np.asarray(CLOUD, np.float32)[:, None, None] + 6.0 * texture) * opacity
    speckle = _speckle(rng, labels.shape, profile.looks, profile.sar_block)
    sigma0 = _block_mean(sigma0, profile.sar_block) * speckle
    decibels = 10.0 * np.log10(np.maximum(sigma0, 1e-6)) + season.calibration
    low, high = DB_RANGE
    sar = 1.0 + (decibels - low) / (high - low) * 254.0
    optical = np.clip(np.rint(optical), 1, 255).astype(np.uint8)
    sar = np.clip(np.rint(sar), 1, 255).astype(np.uint8)[None]
    if profile.cloud_nodata:  # a cloud mask applied to the product
        optical[:, opacity >= CLOUD_NODATA_OPACITY] = 0
    empty = rows[:, None] + columns[None, :] < plan.edge_depth
    optical[:, empty] = 0
    sar[:, empty] = 0
    labels[empty] = 0
    return optical, sar, labels


def scene_strips(rng, shape, profile=DEFAULT):
    """Generates one scene strip by strip.

    Args:
        rng: numpy Generator; the scene depends only on its state.
        shape: (height, width) in pixels.
        profile: a ``SyntheticProfile`` (see ``synthetic_profile.PROFILES``).

    Yields:
        (top row, optical uint8 [4, h, W], SAR uint8 [1, h, W], label codes uint8
        [h, W]) for consecutive strips of at most ``STRIP`` rows; 0 is nodata in
        optical and SAR and background in the labels.
    """
    plan = _plan(rng, shape, profile)
    for top in range(0, shape[0], STRIP):
        yield (top,) + _render_strip(plan, top, min(STRIP, shape[0] - top))


def render_scene(rng, shape, profile=DEFAULT):
    """Generates one scene in memory (the strips of `scene_strips` joined).

    Returns:
        (optical uint8 [4, H, W], SAR uint8 [1, H, W], label codes uint8 [H, W]).
    """
    strips = [strip[1:] for strip in scene_strips(rng, shape, profile)]
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


def _write_scene(paths, rng, shape, geotransform, projection, profile, progress):
    """Renders a scene strip by strip into the optical, SAR and label GeoTIFFs, atomically."""
    with contextlib.ExitStack() as stack:
        datasets = [
            _create_geotiff(stack.enter_context(atomic.atomic_path(path)), count, shape,
                            geotransform, projection, nodata)
            for path, count, nodata in zip(paths, (4, 1, 1), (0, 0, None))]
        for top, optical, sar, labels in scene_strips(rng, shape, profile):
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


def synthesize(out_dir, scenes=8, size=(512, 512), seed=0, profile="default", looks=None,
               cloud_nodata=False, progress=True):
    """Writes synthetic scenes in the WHU-OPT-SAR layout and a split file.

    Args:
        out_dir: dataset root; optical/, sar/ and lbl/ are created in it.
        scenes: number of scenes.
        size: (height, width) of each scene in pixels.
        seed: random seed; the same seed gives identical files.
        profile: ``"default"`` (fast demo scenes) or ``"realistic"`` (texture-
            and context-defined classes, coarse and shifted SAR, heavy clouds,
            seasonal shifts); see datasets/synthetic/README.md.
        looks: number of SAR speckle looks instead of the profile's.
        cloud_nodata: mark the optical under clouds (opacity >= 0.5) as nodata
            (0), as a cloud mask applied to an L2A product does; the SAR and
            the labels are unchanged there. The scenes are otherwise identical.
        progress: show a progress bar.

    Returns:
        The path of the split file (``name split`` lines).

    Raises:
        ConfigError: unknown profile or invalid number of looks.
    """
    profile = get_profile(profile, looks)._replace(cloud_nodata=bool(cloud_nodata))
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
                         geotransform, projection, profile, bar)
    split_path = os.path.join(out_dir, "split.txt")
    splits.write_split_file(
        split_path, _assign_splits(names, np.random.default_rng([seed, 1 << 30])))
    return split_path
