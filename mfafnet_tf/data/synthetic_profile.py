"""Parameter sets of the synthetic OPT-SAR generator (``mfafnet data synth --profile``).

``default`` is the fast demo profile: classes separable by per-pixel means in one
modality or the other. ``realistic`` makes the classes differ by the arrangement of
surface materials (field rows, canopy, building blocks) instead, and adds the
sensor effects of real optical/SAR pairs; datasets/synthetic/README.md gives the
physics behind each effect.
"""

from typing import NamedTuple

from mfafnet_tf.errors import ConfigError


class SyntheticProfile(NamedTuple):
    """What the generator draws and renders; see datasets/synthetic/README.md.

    Attributes:
        spectra: optical DN (R, G, B, NIR) per surface code.
        texture: amplitude of the smooth optical texture per surface code.
        sigma0: linear SAR backscatter per surface code.
        looks: number of looks of the Gamma speckle (mean 1, variance 1/looks).
        cloud_cover: range of the per-scene cloud share of the optical.
        materials: land use is an arrangement of surface materials (field rows,
            canopy, building blocks, houses among gardens) instead of one
            material per class.
        sar_block: SAR native pixel in optical pixels (backscatter averaged and
            speckled per block).
        coregistration: largest SAR offset from the optical grid, in pixels.
        seasonal: per-scene illumination, haze, phenology, moisture and
            calibration shifts.
        cloud_nodata: the optical under clouds is nodata (0) instead of
            bright cloud tops.
    """

    spectra: dict
    texture: dict
    sigma0: dict
    looks: int
    cloud_cover: tuple
    materials: bool
    sar_block: int
    coregistration: float
    seasonal: bool
    cloud_nodata: bool = False


# Surface codes beyond the WHU label codes (realistic profile): 11 crop row,
# 12 bare-soil row, 21 street between city buildings (roofs keep 20), 31 garden
# vegetation between village houses (houses use the roof material 20).
DEFAULT = SyntheticProfile(
    spectra={
        10: (62, 96, 56, 172), 20: (122, 120, 126, 106), 30: (122, 120, 126, 106),
        40: (26, 42, 58, 14), 50: (36, 64, 42, 128), 60: (152, 150, 148, 128),
        70: (150, 134, 108, 142)},
    texture={10: 6.0, 20: 10.0, 30: 10.0, 40: 3.0, 50: 12.0, 60: 5.0, 70: 8.0},
    sigma0={10: 0.06, 20: 0.8, 30: 0.2, 40: 0.004, 50: 0.06, 60: 0.012, 70: 0.06},
    looks=3, cloud_cover=(0.0, 0.3), materials=False, sar_block=1,
    coregistration=0.0, seasonal=False)

REALISTIC = SyntheticProfile(
    spectra={
        11: (52, 88, 50, 175), 12: (110, 100, 84, 120), 20: (128, 124, 126, 110),
        21: (96, 96, 98, 86), 31: (58, 86, 56, 150), 40: (30, 44, 58, 18),
        50: (42, 70, 46, 150), 60: (140, 138, 136, 122), 70: (82, 92, 72, 140)},
    texture={11: 4.0, 12: 6.0, 20: 6.0, 21: 4.0, 31: 8.0, 40: 3.0, 50: 6.0, 60: 4.0,
             70: 10.0},
    sigma0={11: 0.07, 12: 0.04, 20: 0.9, 21: 0.03, 31: 0.07, 40: 0.004, 50: 0.09,
            60: 0.015, 70: 0.05},
    looks=2, cloud_cover=(0.3, 0.7), materials=True, sar_block=2,
    coregistration=1.5, seasonal=True)

PROFILES = {"default": DEFAULT, "realistic": REALISTIC}


def get_profile(name, looks=None):
    """The named profile, optionally with another number of speckle looks.

    Raises:
        ConfigError: unknown profile name or a number of looks below 1.
    """
    if name not in PROFILES:
        raise ConfigError(f"synthetic profile: expected one of {sorted(PROFILES)}, "
                          f"found {name!r}.")
    profile = PROFILES[name]
    if looks is None:
        return profile
    if int(looks) < 1:
        raise ConfigError(f"looks: expected a whole number >= 1, found {looks!r}.")
    return profile._replace(looks=int(looks))
