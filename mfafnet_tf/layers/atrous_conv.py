"""A dilated "same" convolution computed tap by tap: exact, and quick to train on CPU."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="mfafnet_tf")
class AtrousConv2D(keras.layers.Conv2D):
    """``keras.layers.Conv2D`` with "same" padding and stride 1, computed tap by tap.

    The output is the sum, over the kernel's taps, of the input shifted by the
    tap's offset (zeros outside the map) convolved with that tap's 1x1 kernel:
    the function and the weights of a dilated ``Conv2D``. Two reasons for it:
    TensorFlow's CPU gradient of a dilated convolution is slow, while 1x1
    convolutions are matrix products (``bench/dilated_conv.py`` times both);
    and a tap whose offset reaches the map's static height or width only ever
    reads padding, so it is skipped. At output stride 16 a 64² patch gives a
    4x4 map, where ASPP's rates 6, 12 and 18 leave only the centre tap.
    Undilated, the tap sum is slower than ``Conv2D``'s own convolution, which
    it then calls.

    Args:
        filters: output channels.
        kernel_size: an odd int or a pair of odd ints.
        dilation_rate: an int or a pair of ints.
        **kwargs: the other ``Conv2D`` arguments; ``strides`` must be 1,
            ``padding`` "same" and ``data_format`` "channels_last".

    Call args:
        inputs: a (B, H, W, C) map, any H and W.

    Returns:
        A (B, H, W, filters) map.

    Raises:
        ValueError: strides, padding, data format, groups or an even kernel
            that a tap-by-tap "same" convolution does not cover.
    """

    def __init__(self, filters, kernel_size, dilation_rate=1, **kwargs):
        kwargs.setdefault("padding", "same")
        super().__init__(filters, kernel_size, dilation_rate=dilation_rate, **kwargs)
        unsupported = {
            "strides": self.strides != (1, 1),
            "padding": self.padding != "same",
            "data_format": self.data_format != "channels_last",
            "groups": self.groups != 1,
            "kernel_size": any(size % 2 == 0 for size in self.kernel_size),
        }
        bad = [name for name, flag in unsupported.items() if flag]
        if bad:
            raise ValueError(
                f"AtrousConv2D '{self.name}' needs strides 1, 'same' padding, channels_last, "
                f"groups 1 and an odd kernel; got {', '.join(f'{n}={getattr(self, n)!r}' for n in bad)}")

    def convolution_op(self, inputs, kernel):
        """Sums the taps that can reach the map (all of them when a size is unknown)."""
        if self.dilation_rate == (1, 1):
            return super().convolution_op(inputs, kernel)
        shape = ops.shape(inputs)
        offsets = []
        for axis, (size, rate) in enumerate(zip(self.kernel_size, self.dilation_rate)):
            extent = inputs.shape[axis + 1]
            offsets.append([(tap, (tap - size // 2) * rate) for tap in range(size)
                            if extent is None or abs(tap - size // 2) * rate < extent])
        pads = [max(abs(offset) for _, offset in axis_offsets) for axis_offsets in offsets]
        padded = ops.pad(inputs, ((0, 0), (pads[0], pads[0]), (pads[1], pads[1]), (0, 0)))
        outputs = None
        for row, row_offset in offsets[0]:
            for column, column_offset in offsets[1]:
                shifted = ops.slice(padded, (0, pads[0] + row_offset, pads[1] + column_offset, 0),
                                    shape)
                term = ops.conv(shifted, kernel[row:row + 1, column:column + 1])
                outputs = term if outputs is None else outputs + term
        return outputs
