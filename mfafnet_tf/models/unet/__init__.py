"""UNet baselines."""

from mfafnet_tf.models.unet.unet import UNet

__all__ = ["UNet"]
