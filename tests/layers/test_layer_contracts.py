"""Every layer: output shape, config round trip, gradients to every weight."""

import numpy as np
import pytest

from mfafnet_tf import layers

CASES = {
    "atrous_conv": (lambda: layers.AtrousConv2D(6, 3, dilation_rate=(2, 3)), (2, 8, 7, 4)),
    "haar_downsampling": (lambda: layers.HaarDownsampling(8), (2, 16, 16, 3)),
    "conv_downsampling_strided": (lambda: layers.ConvDownsampling(8, "strided_conv"), (2, 16, 16, 3)),
    "conv_downsampling_pool": (lambda: layers.ConvDownsampling(8, "max_pool"), (2, 16, 16, 3)),
    "conv_feed_forward": (lambda: layers.ConvFeedForward(6, 12, "relu6"), (2, 8, 8, 4)),
    "affine_coupling": (lambda: layers.AffineCoupling(2.0), (2, 8, 8, 6)),
    "spatial_reduction_attention": (
        lambda: layers.SpatialReductionAttention(2, 8, 5, reduction_ratio=2),
        (2, 8, 8, 6),
    ),
    "lite_transformer_block": (lambda: layers.LiteTransformerBlock(2, 2), (2, 8, 8, 8)),
    "feature_decomposition": (lambda: layers.FeatureDecomposition(0.5, 2, 2), (2, 8, 8, 16)),
    "feature_decomposition_ablation": (
        lambda: layers.FeatureDecomposition(0.25, low_branch="none", high_branch="conv"),
        (2, 8, 8, 16),
    ),
    "cross_feature_fusion": (
        lambda: layers.CrossFeatureFusion("cross_attention", 2, 2),
        [(2, 8, 8, 8), (2, 8, 8, 8)],
    ),
    "cross_feature_fusion_concat": (lambda: layers.CrossFeatureFusion("concat"), [(2, 8, 8, 8)] * 2),
    "cross_feature_fusion_sum": (lambda: layers.CrossFeatureFusion("sum"), [(2, 8, 8, 8)] * 2),
    "inverse_haar_upsampling": (lambda: layers.InverseHaarUpsampling(5), (2, 8, 8, 6)),
    "feature_reconstruction": (
        lambda: layers.FeatureReconstruction(6),
        [(2, 8, 8, 4), (2, 8, 8, 4), (2, 8, 8, 3)],
    ),
    "semantic_alignment_gaussian": (
        lambda: layers.SemanticAlignment("gaussian_mmd", max_tokens=50),
        [(2, 4, 4, 8), (2, 4, 4, 8)],
    ),
    "semantic_alignment_linear": (
        lambda: layers.SemanticAlignment("linear_mmd"),
        [(2, 4, 4, 8), (2, 4, 4, 8)],
    ),
    "haar_dwt": (lambda: layers.HaarDWT(), (2, 8, 6, 3)),
    "haar_idwt": (lambda: layers.HaarIDWT(), (2, 4, 3, 12)),
    "input_normalization": (
        lambda: layers.InputNormalization([1.0, 2.0], [2.0, 4.0], "none"),
        (2, 5, 7, 2),
    ),
    "input_normalization_validity": (
        lambda: layers.InputNormalization([1.0, 2.0], [2.0, 4.0], "db", validity=True),
        (2, 5, 7, 2),
    ),
    "spatial_padding": (lambda: layers.SpatialPadding(8), (2, 13, 9, 3)),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_layer_contract(case, check_layer):
    factory, input_shape = CASES[case]
    check_layer(factory(), input_shape)


def test_spatial_crop_matches_reference(random_array, check_layer):
    crop = layers.SpatialCrop()
    out = check_layer(crop, [(2, 16, 16, 3), (2, 13, 9, 1)])
    assert tuple(out.shape) == (2, 13, 9, 3)
    np.testing.assert_array_equal(np.asarray(out), random_array((2, 16, 16, 3))[:, :13, :9])
