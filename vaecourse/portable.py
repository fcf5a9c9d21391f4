"""A model the browser can run: its graph as a small JSON spec, its weights as float32 bytes.

The latent explorers decode in the browser (``explorer.js``), so that a slider
never waits for the kernel. For that the front end gets the decoder once, in a
form plain JavaScript can evaluate: a list of nodes in topological order (each
an operation with its named inputs, settings and the place of its weights in
one float32 buffer) and the buffer itself. The operations are the ones the
package's models use: dense and convolutional layers, a concatenated label,
reshapes, and a decoder's likelihood head, whose means are what gets drawn (a
sigmoid of Bernoulli logits, Gaussian means as they are).

The graph is read from the model's public ``get_config()``: every layer with
the layers it reads from, and every output of a layer named (``layer`` for its
first, ``layer:k`` for the k-th after it), so that a model with several outputs
or an image input (an encoder, the judge of ``vaecourse.judge``) can be
described as well as a decoder. :func:`export_model` describes any such model;
:func:`export_decoder` adds what the explorers draw. :func:`forward` evaluates
a spec with NumPy, operation by operation as the JavaScript does, and both
exports check it against Keras before anything is sent, so a spec that would
compute something else is never used. A layer outside this list raises
:class:`NotPortable`, naming the layer; the explorers then decode in the
kernel instead.
"""

import numpy as np

from . import checks
from .likelihoods import PixelLikelihood

ACTIVATIONS = ("linear", "relu", "sigmoid", "tanh")
# The largest difference from the Keras model, on random inputs, that still counts as the same result.
TOLERANCE = 1e-5


class NotPortable(ValueError):
    """The model has a layer or setting the browser explorer cannot run."""


def export_model(model, *, seed=0):
    """``(spec, weights)`` for a functional ``model``: its graph (every output named) and its float32 weights.

    Raises :class:`NotPortable` if a layer is not supported or if the spec,
    evaluated by :func:`forward`, differs from the model's first output by more
    than ``TOLERANCE`` on a few random inputs.
    """
    spec, weights = _describe(model)
    _verify(model, spec, weights, seed, means=False)
    return spec, weights


def export_decoder(decoder, *, seed=0):
    """``(spec, weights)`` for ``decoder``, with what the explorers draw: the image shape and its pixel means.

    Checked like :func:`export_model`, on the pixel means of random latent points (and labels).
    """
    spec, weights = _describe(decoder)
    head = decoder.layers[-1]
    spec.update(image_shape=[int(size) for size in decoder.outputs[0].shape[1:]],
                means="sigmoid" if isinstance(head, PixelLikelihood) and head.distribution == "bernoulli"
                else "identity")
    _verify(decoder, spec, weights, seed, means=True)
    return spec, weights


def forward(spec, weights, *inputs):
    """Evaluate ``spec`` on one array per input (latent points, one-hot labels, images): its first output.

    For a decoder's spec, the pixel means (N, H, W, C). The NumPy twin of explorer.js, computed in float64.
    """
    flat = np.frombuffer(weights, dtype="<f4").astype("float64")
    if len(inputs) != len(spec["inputs"]):
        raise ValueError(f"this model takes {len(spec['inputs'])} inputs, got {len(inputs)}.")
    values = {entry["name"]: np.asarray(value, "float64") for entry, value in zip(spec["inputs"], inputs, strict=True)}
    for node in spec["nodes"]:
        result = _OPS[node["op"]](node, [values[name] for name in node["inputs"]], flat)
        names = node.get("outputs", [node["name"]])
        values.update(zip(names, result if len(names) > 1 else [result], strict=True))
    out = values[spec["outputs"][0]]
    return 1 / (1 + np.exp(-out)) if spec.get("means") == "sigmoid" else out


# --- the graph, from the model's config -----------------------------------------------

def _describe(model):
    checks.keras_model(model, "model")
    config = model.get_config()
    if "layers" not in config or "input_layers" not in config:
        raise NotPortable(f"model {model.name!r} is not a functional model; the browser runs functional graphs.")
    buffer = _Weights()
    nodes = []
    for entry in config["layers"]:
        layer = model.get_layer(entry["name"])
        if type(layer).__name__ == "InputLayer":
            continue
        if len(entry["inbound_nodes"]) != 1:
            raise NotPortable(f"layer {layer.name!r} is used {len(entry['inbound_nodes'])} times in the model; "
                              "the browser runs each layer once.")
        nodes.append(_node(layer, _tensor_names(entry["inbound_nodes"][0]), buffer))
    spec = {
        "inputs": [{"name": _tensor_name(*reference), "shape": [int(size) for size in tensor.shape[1:]],
                    "size": int(tensor.shape[-1])}
                   for reference, tensor in zip(_references(config["input_layers"]), model.inputs, strict=True)],
        "nodes": nodes,
        "outputs": [_tensor_name(*reference) for reference in _references(config["output_layers"])],
    }
    spec["output"] = spec["outputs"][0]  # what explorer.js draws
    return spec, buffer.tobytes()


def _references(layers):
    """[layer, node, tensor] triples; a model with one input or output may give a single triple."""
    return [layers] if layers and isinstance(layers[0], str) else layers


def _tensor_name(layer_name, node_index, tensor_index):
    return layer_name if tensor_index == 0 else f"{layer_name}:{tensor_index}"


def _tensor_names(inbound):
    """The names of the tensors a layer's call reads, in order, from its config's inbound node."""
    found = []

    def walk(value):
        if isinstance(value, dict) and value.get("class_name") == "__keras_tensor__":
            found.append(_tensor_name(*value["config"]["keras_history"]))
        elif isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, (list, tuple)):
            for item in value:
                walk(item)

    walk(inbound.get("args", []))
    walk(inbound.get("kwargs", {}))
    return found


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


def _node(layer, inputs, buffer):
    kind = type(layer).__name__
    node = {"name": layer.name, "inputs": inputs}
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
                              "the browser joins along the last axis only.")
        node.update(op="concat")
    elif kind == "Activation":
        node.update(op="activation", activation=_activation(layer, config))
    elif kind in ("Dropout", "PixelLikelihood"):
        node.update(op="identity")  # Dropout does nothing at inference; a decoder's means are applied last
    elif kind == "KLDivergence":  # an encoder's: hands on (mean, log-variance) unchanged, its loss aside
        node.update(op="identity", outputs=[_tensor_name(layer.name, 0, k) for k in range(len(inputs))])
    else:
        raise NotPortable(f"layer {layer.name!r} ({kind}) is not one the browser explorer can run; "
                          "it runs Dense, Conv2D, Conv2DTranspose, Reshape, Flatten, Concatenate, Activation, "
                          "Dropout, PixelLikelihood and KLDivergence.")
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


def _verify(model, spec, weights, seed, *, means):
    """Raise NotPortable if forward(spec) differs from the model on random inputs: images in [0, 1] for image
    inputs, one-hot rows for a decoder's label, standard normal draws (times 1.5) for the rest."""
    from .likelihoods import pixel_means

    rng = np.random.default_rng(seed)
    given = []
    for position, entry in enumerate(spec["inputs"]):
        shape = (8, *entry["shape"])
        if len(entry["shape"]) == 3:
            given.append(rng.random(shape).astype("float32"))
        elif means and position == 1:
            given.append(np.eye(entry["size"], dtype="float32")[rng.integers(entry["size"], size=8)])
        else:
            given.append(rng.normal(size=shape).astype("float32") * 1.5)
    result = model(given if isinstance(model.input, (list, tuple)) else given[0], training=False)
    expected = pixel_means(model, result) if means else (result[0] if isinstance(result, (list, tuple)) else result)
    gap = float(np.max(np.abs(forward(spec, weights, *given) - np.asarray(expected))))
    if not gap <= TOLERANCE:
        raise NotPortable(f"the browser's version of the model differs from it by {gap:.2g} (more than "
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
    return args[0] if len(args) == 1 else args


_OPS = {"dense": _dense, "conv": _conv, "conv_transpose": _conv_transpose, "reshape": _reshape,
        "concat": _concat, "activation": _activation_op, "identity": _identity}
