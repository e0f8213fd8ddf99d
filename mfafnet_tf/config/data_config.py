"""The ``data:`` section of a recipe."""

import dataclasses
from typing import Optional


@dataclasses.dataclass
class DataConfig:
    """Where the scenes and the tiled training data are.

    Attributes:
        dataset: Dataset adapter name (``synthetic``, ``whu_opt_sar``,
            ``yeseg_opt_sar``, ``manifest``).
        root: Directory (or manifest file) the adapter reads scenes from.
        tile_dir: Directory of the tiled TFRecords and ``index.json``.
        stats: Normalization statistics JSON; ``None`` means
            ``<tile_dir>/stats.json``, computed when missing.
        patch: Training patch size in pixels.
        stride: Tiling stride; ``None`` means ``patch``.
        split_file: Optional file naming the scenes of each split.
        options: Further keyword arguments for the dataset adapter (band
            selection, label mapping, manifest columns).
        synthesize: When ``root`` holds no scenes, generate synthetic ones there
            (``dataset: synthetic`` only).
        synthetic_scenes: Number of synthetic scenes to generate.
        synthetic_size: Side length of each synthetic scene in pixels.
        synthetic_seed: Seed of the synthetic generator.
        synthetic_profile: Generator profile, ``default`` or ``realistic``.
        synthetic_cloud_nodata: Synthetic clouds are optical nodata (as a
            cloud mask applied to an L2A product leaves them) instead of
            bright cloud tops.
        augment: Random flips and rotations of training patches.
        modality_dropout: Share of training patches of a fusion model whose
            optical or SAR (equal odds) is removed as a whole (made nodata).
        cloud_dropout: Share of training patches of a fusion model whose
            optical gets cloud-shaped nodata regions (10-90 % of the patch).
        sar_gap_dropout: Share of training patches of a fusion model whose SAR
            gets nodata regions of the same shapes (swath edges, layover and
            shadow masks). The three are ignored for single-modality models.
        dropout_warmup: Share of the training steps over which the dropout
            shares rise linearly from 0 to their values (0: full from the
            first step).
        optical_transform: Transform before the optical statistics (``none``,
            ``log``, ``db``), see the statistics JSON format.
        sar_transform: The same for SAR (``db`` for linear backscatter).
    """

    dataset: str = "synthetic"
    root: str = "data/synthetic"
    tile_dir: str = "data/synthetic/tiles"
    stats: Optional[str] = None
    patch: int = 64
    stride: Optional[int] = None
    split_file: Optional[str] = None
    options: dict = dataclasses.field(default_factory=dict)
    synthesize: bool = False
    synthetic_scenes: int = 12
    synthetic_size: int = 256
    synthetic_seed: int = 0
    synthetic_profile: str = "default"
    synthetic_cloud_nodata: bool = False
    augment: bool = True
    modality_dropout: float = 0.0
    cloud_dropout: float = 0.0
    sar_gap_dropout: float = 0.0
    dropout_warmup: float = 0.0
    optical_transform: str = "none"
    sar_transform: str = "none"
