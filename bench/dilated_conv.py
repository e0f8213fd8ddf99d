"""Forward and backward time of one dilated 3x3 convolution on CPU, by dilation rate.

MCANet's dilated last ResNet stage and ASPP (rates 6, 12, 18) dominated its
training step on CPU: TensorFlow's gradient of a dilated convolution is slow
there. This times Keras' ``Conv2D`` beside the package's ``AtrousConv2D`` (the
same function, computed tap by tap; MCANet uses it) on one convolution
(ASPP's 2048 -> 256 on the 4x4 map a 64² patch gives at output stride 16,
batch 8, by default) in a ``tf.function``: forward alone and forward with the
input and weight gradients, best of ``--repeats``, and the largest difference
of their outputs.

    PYTHONPATH=. .venv/bin/python bench/dilated_conv.py
"""

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from mfafnet_tf.layers.atrous_conv import AtrousConv2D  # noqa: E402


tf.get_logger().setLevel("ERROR")  # one tf.function per layer retraces by design


def best_seconds(function, x, repeats):
    function(x)  # traces
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function(x)
        times.append(time.perf_counter() - start)
    return min(times)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rates", default="6,12,18")
    parser.add_argument("--shape", default="8,4,4,2048", help="batch,height,width,channels")
    parser.add_argument("--filters", type=int, default=256)
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args(argv)
    x = tf.random.normal([int(s) for s in args.shape.split(",")])
    print(f"3x3 Conv2D {x.shape[-1]}->{args.filters} on {tuple(x.shape)}; load average "
          f"{os.getloadavg()[0]:.1f}")
    print("| dilation | Conv2D forward (s) | Conv2D fwd + bwd (s) | AtrousConv2D forward (s) "
          "| AtrousConv2D fwd + bwd (s) | max abs difference |\n|---:|---:|---:|---:|---:|---:|")
    for rate in (int(r) for r in args.rates.split(",")):
        layers = [keras.layers.Conv2D(args.filters, 3, padding="same", dilation_rate=rate),
                  AtrousConv2D(args.filters, 3, dilation_rate=rate)]
        for layer in layers:
            layer.build(x.shape)
        layers[1].set_weights(layers[0].get_weights())
        cells = []
        for layer in layers:

            @tf.function
            def step(x, layer=layer):
                with tf.GradientTape() as tape:
                    tape.watch(x)
                    loss = tf.reduce_sum(layer(x) ** 2)
                return tape.gradient(loss, [x, *layer.trainable_variables])

            forward = tf.function(layer.__call__)
            cells += [f"{best_seconds(forward, x, args.repeats):.3f}",
                      f"{best_seconds(step, x, args.repeats):.3f}"]
        difference = np.abs(layers[0](x).numpy() - layers[1](x).numpy()).max()
        print(f"| {rate} | {' | '.join(cells)} | {difference:.1e} |", flush=True)


if __name__ == "__main__":
    main()
