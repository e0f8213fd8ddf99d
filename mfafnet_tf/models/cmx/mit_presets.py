"""Mix Transformer (MiT, SegFormer) encoder presets of CMX.

Widths, depths, heads and SR ratios are those of SegFormer's MiT-B0/B1/B2,
which CMX's ``models/encoders/dual_segformer.py`` uses unchanged. The
decoder width is CMX's: every config of huaaaliu/RGBX_Semantic_Segmentation
sets ``decoder_embed_dim = 512``, for MiT-B0 as for MiT-B2 (SegFormer's own
decoder uses 256 for B0/B1 and 768 for B2). CMX's ``builder.py`` maps
``mit_b1`` to the B0 encoder (with B1 decoder widths, so it cannot run);
``mit_b1`` here is SegFormer's B1.
"""

PRESETS = {
    "mit_b0": {
        "widths": (32, 64, 160, 256),
        "depths": (2, 2, 2, 2),
        "num_heads": (1, 2, 5, 8),
        "sr_ratios": (8, 4, 2, 1),
        "decoder_width": 512,
    },
    "mit_b1": {
        "widths": (64, 128, 320, 512),
        "depths": (2, 2, 2, 2),
        "num_heads": (1, 2, 5, 8),
        "sr_ratios": (8, 4, 2, 1),
        "decoder_width": 512,
    },
    "mit_b2": {
        "widths": (64, 128, 320, 512),
        "depths": (3, 4, 6, 3),
        "num_heads": (1, 2, 5, 8),
        "sr_ratios": (8, 4, 2, 1),
        "decoder_width": 512,
    },
}
