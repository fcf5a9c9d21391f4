"""A decoder the browser can run: its graph as a small JSON spec, its weights as float32 bytes.

The latent explorers decode in the browser (``explorer.js``), so that a slider
never waits for the kernel. For that the front end gets the decoder once, in a
form plain JavaScript can evaluate: a list of nodes in topological order (each
an operation with its inputs, settings and the place of its weights in one
float32 buffer) and the buffer itself. The operations are the ones the
package's decoders use: dense and convolutional layers, a concatenated label,
reshapes, and the likelihood head, whose means are what gets drawn (a
sigmoid of Bernoulli logits, Gaussian means as they are).

:func:`forward` evaluates a spec with NumPy, operation by operation as the
JavaScript does; :func:`export_decoder` checks it against the Keras decoder
before anything is sent, so a spec that would draw something else is never
used. A decoder with a layer outside this list raises :class:`NotPortable`,
naming the layer; the explorers then decode in the kernel instead.
"""

import numpy as np

from . import checks
from .likelihoods import PixelLikelihood

ACTIVATIONS = ("linear", "relu", "sigmoid", "tanh")
# The largest difference from the Keras decoder, on random latent points, that still counts as the same image.
TOLERANCE = 1e-5


class NotPortable(ValueError):
    """The decoder has a layer or setting the browser explorer cannot run."""


def export_decoder(decoder, *, seed=0):
    """``(spec, weights)`` for ``decoder``: the JSON-ready graph and its float32 weights as bytes.

    Raises :class:`NotPortable` if a layer is not supported or if the spec,
    evaluated by :func:`forward`, differs from ``decoder`` by more than
    ``TOLERANCE`` on a few random latent points (and labels).
    """
    checks.keras_model(decoder, "decoder")
    buffer = _Weights()
    nodes = [_node(layer, buffer) for layer in decoder.layers]
    inputs = [{"name": _name_of(tensor), "size": int(tensor.shape[-1])} for tensor in decoder.inputs]
    head = decoder.layers[-1]
    spec = {
        "inputs": inputs,
        "nodes": [node for node in nodes if node is not None],
        "output": _name_of(decoder.outputs[0]),
        "image_shape": [int(size) for size in decoder.outputs[0].shape[1:]],
        "means": "sigmoid" if isinstance(head, PixelLikelihood) and head.distribution == "bernoulli" else "identity",
    }
    weights = buffer.tobytes()
    _verify(decoder, spec, weights, seed)
    return spec, weights


def forward(spec, weights, z, label=None):
    """Evaluate ``spec`` on latent points ``z`` (N, d) and one-hot ``label`` rows: pixel means (N, H, W, C).

    The NumPy twin of explorer.js, computed in float64.
    """
    flat = np.frombuffer(weights, dtype="<f4").astype("float64")
    values = {}
    given = [np.asarray(z, "float64")] + ([np.asarray(label, "float64")] if label is not None else [])
    if len(given) != len(spec["inputs"]):
        raise ValueError(f"this decoder takes {len(spec['inputs'])} inputs, got {len(given)}.")
    for entry, value in zip(spec["inputs"], given, strict=True):
        values[entry["name"]] = value
    for node in spec["nodes"]:
        args = [values[name] for name in node["inputs"]]
        values[node["name"]] = _OPS[node["op"]](node, args, flat)
    out = values[spec["output"]]
    return 1 / (1 + np.exp(-out)) if spec["means"] == "sigmoid" else out


# --- layers -> nodes ------------------------------------------------------------

class _Weights:
    """Collects arrays into one float32 buffer; hands out (offset, shape) references."""

    def __init__(self):
        self.parts, self.size = [], 0

    def add(self, array):
        array = np.asarray(array, dtype="float32")
        reference = {"offset": self.size, "shape": list(array.shape)}
        self.parts.append(array.ravel())
        self.size += array.size
        return reference

    def tobytes(self):
        return np.concatenate(self.parts).astype("<f4").tobytes() if self.parts else b""


def _name_of(tensor):
    return tensor._keras_history.operation.name


def _node(layer, buffer):
    kind = type(layer).__name__
    if kind == "InputLayer":
        return None
    if len(layer._inbound_nodes) != 1:
        raise NotPortable(f"layer {layer.name!r} is used {len(layer._inbound_nodes)} times in the decoder; "
                          "the browser explorer runs each layer once.")
    node = {"name": layer.name, "inputs": [_name_of(t) for t in layer._inbound_nodes[0].input_tensors]}
    config = layer.get_config()
    if kind == "Dense":
        kernel, *bias = layer.get_weights()
        node.update(op="dense", kernel=buffer.add(kernel), bias=buffer.add(bias[0]) if bias else None,
                    activation=_activation(layer, config))
    elif kind in ("Conv2D", "Conv2DTranspose"):
        _check_conv(layer, config)
        kernel, *bias = layer.get_weights()
        node.update(op="conv" if kind == "Conv2D" else "conv_transpose", kernel=buffer.add(kernel),
                    bias=buffer.add(bias[0]) if bias else None, strides=list(config["strides"]),
                    padding=config["padding"], activation=_activation(layer, config))
    elif kind in ("Reshape", "Flatten"):
        node.update(op="reshape", shape=[int(size) for size in layer.output.shape[1:]])
    elif kind == "Concatenate":
        if config["axis"] not in (-1, len(layer.output.shape) - 1):
            raise NotPortable(f"layer {layer.name!r} concatenates along axis {config['axis']}; "
                              "the browser explorer joins along the last axis only.")
        node.update(op="concat")
    elif kind == "Activation":
        node.update(op="activation", activation=_activation(layer, config))
    elif kind in ("Dropout", "PixelLikelihood"):
        node.update(op="identity")  # Dropout does nothing at inference; the head's means are applied last
    else:
        raise NotPortable(f"layer {layer.name!r} ({kind}) is not one the browser explorer can run; "
                          "it runs Dense, Conv2D, Conv2DTranspose, Reshape, Flatten, Concatenate, Activation, "
                          "Dropout and PixelLikelihood.")
    return node


def _activation(layer, config):
    name = config.get("activation", "linear")
    if not isinstance(name, str) or name not in ACTIVATIONS:
        raise NotPortable(f"layer {layer.name!r} has activation {name!r}; the browser explorer runs "
                          f"{', '.join(ACTIVATIONS)}.")
    return name


def _check_conv(layer, config):
    if config.get("data_format", "channels_last") != "channels_last":
        raise NotPortable(f"layer {layer.name!r} is channels_first; the browser explorer needs channels_last.")
    if tuple(config.get("dilation_rate", (1, 1))) != (1, 1) or config.get("groups", 1) != 1:
        raise NotPortable(f"layer {layer.name!r} is dilated or grouped, which the browser explorer does not run.")
    if config["padding"] not in ("same", "valid"):
        raise NotPortable(f"layer {layer.name!r} has padding {config['padding']!r}.")
    if layer.__class__.__name__ == "Conv2DTranspose" and config.get("output_padding") is not None:
        raise NotPortable(f"layer {layer.name!r} sets output_padding, which the browser explorer does not run.")


def _verify(decoder, spec, weights, seed):
    from .likelihoods import pixel_means

    rng = np.random.default_rng(seed)
    z = rng.normal(size=(8, spec["inputs"][0]["size"])).astype("float32") * 1.5
    given = [z]
    if len(spec["inputs"]) == 2:
        classes = spec["inputs"][1]["size"]
        given.append(np.eye(classes, dtype="float32")[rng.integers(classes, size=len(z))])
    expected = np.asarray(pixel_means(decoder, decoder(given if len(given) > 1 else z, training=False)))
    got = forward(spec, weights, *given)
    gap = float(np.max(np.abs(got - expected)))
    if not gap <= TOLERANCE:
        raise NotPortable(f"the browser's version of the decoder differs from it by {gap:.2g} (more than "
                          f"{TOLERANCE:g}); some layer behaves differently from what the explorer assumes.")


# --- the operations, as explorer.js computes them ----------------------------------

def _activate(x, name):
    if name == "relu":
        return np.maximum(x, 0)
    if name == "sigmoid":
        return 1 / (1 + np.exp(-x))
    if name == "tanh":
        return np.tanh(x)
    return x


def _array(flat, reference):
    start = reference["offset"]
    return flat[start:start + int(np.prod(reference["shape"]))].reshape(reference["shape"])


def _bias(node, flat):
    return 0.0 if node["bias"] is None else _array(flat, node["bias"])


def _dense(node, args, flat):
    return _activate(args[0] @ _array(flat, node["kernel"]) + _bias(node, flat), node["activation"])


def _padding(size, kernel, stride, padding):
    """(output size, padding before) of a convolution along one axis, as Keras and TensorFlow count them."""
    if padding == "valid":
        return (size - kernel) // stride + 1, 0
    out = -(-size // stride)
    return out, max((out - 1) * stride + kernel - size, 0) // 2


def _conv(node, args, flat):
    x = args[0]
    kernel = _array(flat, node["kernel"])  # (kh, kw, in, out)
    kh, kw, _, channels = kernel.shape
    (sh, sw), (n, height, width, _) = node["strides"], x.shape
    out_h, top = _padding(height, kh, sh, node["padding"])
    out_w, left = _padding(width, kw, sw, node["padding"])
    out = np.zeros((n, out_h, out_w, channels))
    for a in range(kh):
        for b in range(kw):
            rows = np.arange(out_h) * sh + a - top
            cols = np.arange(out_w) * sw + b - left
            ok_r, ok_c = (rows >= 0) & (rows < height), (cols >= 0) & (cols < width)
            patch = x[np.ix_(np.arange(n), rows[ok_r], cols[ok_c])]
            out[np.ix_(np.arange(n), ok_r.nonzero()[0], ok_c.nonzero()[0])] += patch @ kernel[a, b]
    return _activate(out + _bias(node, flat), node["activation"])


def _conv_transpose(node, args, flat):
    x = args[0]
    kernel = _array(flat, node["kernel"])  # (kh, kw, out, in)
    kh, kw, channels, _ = kernel.shape
    (sh, sw), (n, height, width, _) = node["strides"], x.shape
    if node["padding"] == "same":
        out_h, out_w = height * sh, width * sw
    else:
        out_h, out_w = height * sh + max(kh - sh, 0), width * sw + max(kw - sw, 0)
    _, top = _padding(out_h, kh, sh, node["padding"])
    _, left = _padding(out_w, kw, sw, node["padding"])
    out = np.zeros((n, out_h, out_w, channels))
    for a in range(kh):
        for b in range(kw):
            rows = np.arange(height) * sh + a - top
            cols = np.arange(width) * sw + b - left
            ok_r, ok_c = (rows >= 0) & (rows < out_h), (cols >= 0) & (cols < out_w)
            contribution = x[:, ok_r][:, :, ok_c] @ kernel[a, b].T
            out[np.ix_(np.arange(n), rows[ok_r], cols[ok_c])] += contribution
    return _activate(out + _bias(node, flat), node["activation"])


def _reshape(node, args, flat):
    return args[0].reshape((len(args[0]), *node["shape"]))


def _concat(node, args, flat):
    return np.concatenate(args, axis=-1)


def _activation_op(node, args, flat):
    return _activate(args[0], node["activation"])


def _identity(node, args, flat):
    return args[0]


_OPS = {"dense": _dense, "conv": _conv, "conv_transpose": _conv_transpose, "reshape": _reshape,
        "concat": _concat, "activation": _activation_op, "identity": _identity}
