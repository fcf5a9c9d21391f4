"""Latent explorers: sliders and a clickable map that decode digits in the browser as you drag.

Three widgets (anywidget, so they run in JupyterLab, Voila, VS Code and Colab):

* :class:`LatentExplorer`: one slider per latent dimension; for a 2-D latent
  space also a map of the plane (encoded test digits coloured by class, or
  the decoded manifold) where clicking or dragging moves z.
* :class:`ConditionalExplorer`: digit buttons plus the latent sliders, for a
  conditional VAE's decoder.
* :class:`InterpolationExplorer`: pick two digits; one slider walks from the
  first latent code to the second.

The decoder travels to the browser once, as the spec and float32 weights of
:mod:`vaecourse.portable`, and ``explorer.js`` computes every frame there: a
drag sends no message to the kernel, so a far-away kernel (Binder) feels as
near as a local one, and a static page needs none. The latent point is a
synced trait: Python reads ``explorer.z`` (updated when a drag ends) and
setting it, or calling :meth:`move_to`, redraws the digit. A decoder with a
layer the browser cannot run is decoded in the kernel instead, frame by
frame, and the widget says so; ``decode_in="kernel"`` asks for that on
purpose (the benchmark compares the two).

For MNIST-sized digits the judge (:mod:`vaecourse.judge`) travels too: when a
move ends, a screen reader hears where z is and what the digit looks like
("looks like a 7", or "looks like no digit").
"""

import functools
import io
from pathlib import Path
from statistics import NormalDist

import anywidget
import numpy as np
import tensorflow as tf
import traitlets
from PIL import Image

from . import checks, judge
from .likelihoods import pixel_means
from .plots import codes_picture, gaussian_grid, tile, where_classes_lie
from .portable import NotPortable, export_decoder, export_model

DECODE_IN = ("auto", "browser", "kernel")
# The decoded plane on a map is the lessons' manifold figure (plots.gaussian_grid): MAP_TILES digits a side, at
# evenly spaced quantiles of N(0, 1) from QUANTILES[0] to QUANTILES[1], so each tile holds the same prior mass.
# The map's axes are those quantiles, linear in pixels; explorer.js reads the grid from the map_quantiles trait.
MAP_TILES = 12
QUANTILES = (0.05, 0.95)
MAP_GRID = np.linspace(*QUANTILES, MAP_TILES).tolist()


@functools.cache
def _portable_judge():
    """The shipped judge's (spec, weights), exported once per kernel: every explorer carries the same."""
    return export_model(judge.load().model)


class _Renderer:
    """Decodes latent points in the kernel, through a compiled decoder call (maps, checks, kernel frames)."""

    def __init__(self, decoder, *, conditional):
        _check_decoder(decoder, conditional)
        self.decoder = decoder
        self.latent_dim = int(decoder.inputs[0].shape[-1])
        self.num_classes = int(decoder.inputs[1].shape[-1]) if conditional else None
        self.height, self.width = (int(s) for s in decoder.outputs[0].shape[1:3])

        specs = [tf.TensorSpec((None, self.latent_dim), tf.float32)]
        if conditional:
            specs.append(tf.TensorSpec((None,), tf.int32))  # class indices, one-hot encoded in the graph

        @tf.function(input_signature=specs)
        def decode(z, *labels):
            inputs = [z, tf.one_hot(labels[0], self.num_classes)] if labels else z
            return pixel_means(decoder, decoder(inputs, training=False))

        # Calling the traced graph directly skips tf.function's argument matching (0.1 ms a frame).
        self._decode = decode.get_concrete_function()

    def images(self, z, label=None):
        """Decode a batch of latent points (N, latent_dim) to images (N, H, W) in [0, 1]."""
        z = np.asarray(z, dtype="float32").reshape(-1, self.latent_dim)
        args = [tf.constant(z)]
        if self.num_classes is not None:
            args.append(tf.constant(np.full(len(z), label, dtype="int32")))
        return self._decode(*args).numpy().reshape(-1, self.height, self.width)


def grey_bytes(images):
    """Images in [0, 1] as bytes of 0..255 (the means, not inverted): how frames and thumbnails travel."""
    return np.round(np.clip(images, 0.0, 1.0) * 255).astype("uint8").tobytes()


def png_bytes(rgb):
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, format="PNG")
    return buffer.getvalue()


class _Explorer(anywidget.AnyWidget):
    """What the three explorers share: the decoder, where it runs, and the digit's size on screen."""

    _esm = Path(__file__).with_name("explorer.js")
    kind = traitlets.Unicode().tag(sync=True)
    spec = traitlets.Dict(allow_none=True, default_value=None).tag(sync=True)  # None: the kernel decodes
    weights = traitlets.Bytes().tag(sync=True)
    note = traitlets.Unicode("").tag(sync=True)
    frame = traitlets.Bytes().tag(sync=True)  # the kernel's latest frame, when it decodes
    image_shape = traitlets.List().tag(sync=True)
    image_size = traitlets.Int(168).tag(sync=True)
    latent_dim = traitlets.Int().tag(sync=True)
    extent = traitlets.Float(3.0).tag(sync=True)
    map_size = traitlets.Int(0).tag(sync=True)
    map_quantiles = traitlets.List(traitlets.Float()).tag(sync=True)  # the decoded plane's grid ([]: a map of codes)
    map_png = traitlets.Bytes().tag(sync=True)  # a picture from the kernel; empty: the browser draws it
    map_text = traitlets.Unicode("").tag(sync=True)  # the map in words, for screen readers ("": none)
    title = traitlets.Unicode("").tag(sync=True)  # what a screen reader calls the explorer ("": by its kind)
    judge_spec = traitlets.Dict(allow_none=True, default_value=None).tag(sync=True)  # None: 28 x 28 digits only
    judge_weights = traitlets.Bytes().tag(sync=True)
    judge_threshold = traitlets.Float(judge.THRESHOLD).tag(sync=True)

    def __init__(self, renderer, *, kind, decode_in, image_size, **traits):
        checks.one_of(decode_in, "decode_in", DECODE_IN)
        checks.integer(image_size, "image_size", at_least=renderer.width)
        self.renderer = renderer
        spec, weights, note = None, b"", ""
        if decode_in != "kernel":
            try:
                spec, weights = export_decoder(renderer.decoder)
            except NotPortable as reason:
                if decode_in == "browser":
                    raise
                note = f"Decoding in the kernel, so each move waits for it: {reason}"
        judge_spec, judge_weights = _portable_judge() if (renderer.height, renderer.width) == (28, 28) else (None, b"")
        super().__init__(kind=kind, spec=spec, weights=weights, note=note, image_size=image_size,
                         image_shape=[renderer.height, renderer.width], latent_dim=renderer.latent_dim,
                         judge_spec=judge_spec, judge_weights=judge_weights, **traits)

    @property
    def decodes_in(self):
        """"browser" or "kernel": where this explorer's frames are computed."""
        return "kernel" if self.spec is None else "browser"

    def __repr__(self):
        return f"{type(self).__name__}: {self.describe()}, decoded in the {self.decodes_in}"

    def _repr_mimebundle_(self, **kwargs):
        """The live widget, and beside it a still picture of its first frame.

        JupyterLab, Voila and Colab show the widget; GitHub, nbviewer and a page
        without JavaScript show the picture instead of an empty space.
        """
        data, metadata = super()._repr_mimebundle_(**kwargs)
        data["image/png"] = png_bytes(self.picture())
        return data, metadata

    def describe(self):
        """Where the explorer is, in words: "z = (+0.00, +0.00)"."""
        return f"z = ({', '.join(f'{round(v, 2) + 0.0:+.2f}' for v in self.current_z())})"  # + 0.0: no "-0.00"

    def _digit_picture(self, image=None):
        """The digit now shown, ink dark, enlarged to image_size pixels, RGB."""
        image = self.image() if image is None else image
        scale = max(1, self.image_size // self.renderer.width)
        grey = (255 - np.round(np.clip(image, 0, 1) * 255)).astype("uint8")
        grey = np.kron(grey, np.ones((scale, scale), "uint8"))
        return np.repeat(grey[..., None], 3, axis=2)

    def image(self):
        """The digit the explorer shows now, decoded in the kernel: an (H, W) array in [0, 1]."""
        return self.renderer.images(self.current_z(), getattr(self, "digit", None))[0]

    def current_z(self):
        raise NotImplementedError

    def _send_frame(self, change=None):
        if self.decodes_in == "kernel":
            self.frame = grey_bytes(self.image())

    def static_state(self):
        """This explorer's state for a page without a kernel: (JSON-ready dict, {field: bytes}).

        explorer.js's ``mount`` reads the dict, with each bytes field saved
        as a file beside it and named in ``files``.
        """
        if self.decodes_in == "kernel":
            raise NotPortable(f"this explorer decodes in the kernel, so a page without one cannot show it. "
                              f"{self.note}")
        state, files = {}, {}
        for name in self.keys:
            if name.startswith("_") or name in ("layout", "tabbable", "tooltip", "comm"):
                continue
            value = getattr(self, name)
            if isinstance(value, bytes):
                if value:
                    files[name] = value
            else:
                state[name] = value
        return state, files


class _SliderExplorer(_Explorer):
    """Latent sliders, the decoded digit and, for 2-D latent spaces, a clickable map."""

    z = traitlets.List(traitlets.Float()).tag(sync=True)

    def __init__(self, renderer, *, extent, map_size, **kwargs):
        checks.number(extent, "extent (the sliders' half-range)", above=0)
        if renderer.latent_dim == 2:
            checks.integer(map_size, "map_size", at_least=2 * renderer.width)
        super().__init__(renderer, extent=float(extent), z=[0.0] * renderer.latent_dim,
                         map_size=map_size if renderer.latent_dim == 2 else 0, **kwargs)

    @traitlets.validate("z")
    def _valid_z(self, proposal):
        z = np.asarray(proposal["value"], dtype="float64").ravel()
        if z.shape != (self.latent_dim,) or not np.all(np.isfinite(z)):
            raise traitlets.TraitError(f"z must be {self.latent_dim} finite numbers, got {proposal['value']!r}.")
        return [float(v) for v in np.clip(z, -self.extent, self.extent)]

    def move_to(self, z):
        """Put the latent point at ``z`` (clipped to the sliders' range); the digit is redrawn."""
        self.z = [float(v) for v in np.asarray(z, dtype="float64").ravel()]

    def current_z(self):
        return self.z

    def _manifold(self, label):
        """The decoded plane as an RGB picture: the lessons' quantile grid, as explorer.js draws it."""
        grid = self.map_quantiles  # the one description of the grid, which explorer.js reads too
        sheet = tile(self.renderer.images(gaussian_grid(len(grid), low=grid[0], high=grid[-1]), label),
                     len(grid), len(grid))
        grey = (255 - np.round(sheet * 255)).astype("uint8")
        return np.repeat(grey[..., None], 3, axis=2)

    def _manifold_png(self, label):
        """The decoded plane as a PNG, for a kernel that decodes (the browser draws its own)."""
        return png_bytes(self._manifold(label))

    def picture(self):
        """A still of the explorer: the digit, and for a 2-D latent space the map with z marked (RGB)."""
        digit = self._digit_picture()
        if not self.map_size:
            return digit
        if self.map_png:
            plane = np.asarray(Image.open(io.BytesIO(self.map_png)).convert("RGB"))
        else:
            plane = self._manifold(getattr(self, "digit", None))
        plane = np.asarray(Image.fromarray(plane).resize((self.map_size, self.map_size)))
        return _side_by_side(digit, _with_marker(plane, self.map_position(self.z)))

    def map_position(self, z):
        """Where ``z`` falls on the map: (from the left, from the top), as fractions of its side.

        A decoded plane spans the quantiles of its grid's outer tiles (about +-2.4 for 12 tiles); the sliders
        reach +-extent, and a point beyond the plane is marked at its edge.
        """
        if self.map_quantiles:
            step = self.map_quantiles[1] - self.map_quantiles[0]
            first = self.map_quantiles[0] - step / 2  # the outer edge of the first tile
            across, up = ((NormalDist().cdf(float(v)) - first) / (len(self.map_quantiles) * step) for v in z)
        else:
            across, up = ((float(v) / self.extent + 1) / 2 for v in z)
        return float(np.clip(across, 0, 1)), float(np.clip(1 - up, 0, 1))  # a point off the map: at its edge


class LatentExplorer(_SliderExplorer):
    """Sliders over the latent space of a decoder, the decoded digit, and a map.

    decoder: a keras.Model from z (latent_dim,) to grey images (H, W, 1), e.g.
    the decoder of :func:`vaecourse.models.build_vae`; what is drawn is its
    likelihood's pixel means. For a 2-D latent space a map of the plane is
    shown: the encoded ``images`` coloured by ``labels`` if an ``encoder`` is
    given, else the decoded manifold. Sliders span +-``extent``.
    decode_in: "auto" (the browser if it can run the decoder, else the
    kernel), "browser" (or a :class:`~vaecourse.portable.NotPortable` error),
    or "kernel". title: what a screen reader calls this explorer (two on one
    page need different ones), e.g. "the 2-D VAE".

    First used in notebook 04.
    """

    def __init__(self, decoder, *, encoder=None, images=None, labels=None, extent=3.0, image_size=168,
                 map_size=240, decode_in="auto", title=""):
        renderer = _Renderer(decoder, conditional=False)
        if encoder is not None and renderer.latent_dim != 2:
            raise ValueError("a map of encoded digits needs a 2-D latent space; "
                             f"this decoder's is {renderer.latent_dim}-D.")
        super().__init__(renderer, kind="latent", extent=extent, map_size=map_size, image_size=image_size,
                         decode_in=decode_in, title=title)
        if self.map_size and encoder is not None:
            codes, labels = _encoded(encoder, images, labels)
            self.map_png = png_bytes(codes_picture(codes, labels, self.extent, self.map_size))
            self.map_text = "where the classes lie: " + "; ".join(where_classes_lie(codes, labels).splitlines())
        elif self.map_size:
            self.map_quantiles = MAP_GRID
            if self.decodes_in == "kernel":
                self.map_png = self._manifold_png(None)
        self.observe(self._send_frame, names="z")
        self._send_frame()


class ConditionalExplorer(_SliderExplorer):
    """Digit buttons plus latent sliders for the decoder of a conditional VAE.

    The map (2-D latent spaces) shows the decoded manifold of the chosen
    digit; the same z under another label keeps the style and changes the
    class. Set ``explorer.digit`` from Python to switch. Other arguments as
    for :class:`LatentExplorer`.

    First used in notebook 08.
    """

    digit = traitlets.Int(0).tag(sync=True)
    num_classes = traitlets.Int().tag(sync=True)

    def __init__(self, cvae_decoder, *, digit=0, extent=3.0, image_size=168, map_size=240, decode_in="auto",
                 title=""):
        renderer = _Renderer(cvae_decoder, conditional=True)
        checks.integer(digit, "digit", at_least=0, at_most=renderer.num_classes - 1)
        super().__init__(renderer, kind="conditional", extent=extent, map_size=map_size, image_size=image_size,
                         decode_in=decode_in, digit=digit, num_classes=renderer.num_classes, title=title,
                         map_quantiles=MAP_GRID)
        self.observe(self._send_frame, names=["z", "digit"])
        self.observe(self._send_map, names="digit")
        self._send_map()
        self._send_frame()

    def describe(self):
        return f"digit {self.digit}, {super().describe()}"

    @traitlets.validate("digit")
    def _valid_digit(self, proposal):
        return _as_trait_error(checks.integer, proposal["value"], "digit", at_least=0, at_most=self.num_classes - 1)

    def _send_map(self, change=None):
        if self.map_size and self.decodes_in == "kernel":
            self.map_png = self._manifold_png(self.digit)


class InterpolationExplorer(_Explorer):
    """Choose two digits by index; the slider ``t`` walks from the first code to the second.

    encoder: a VAE encoder (its z_mean is used) or a plain autoencoder's
    encoder; images: the digits to choose from, e.g. the test set; labels
    (optional): their classes, so that a screen reader hears which digits the
    ends are. Setting ``first`` or ``second`` (from the widget or from Python)
    encodes the new digit in the kernel; moving ``t`` is drawn in the browser.

    First used in notebook 11.
    """

    t = traitlets.Float(0.0).tag(sync=True)
    first = traitlets.Int(0).tag(sync=True)
    second = traitlets.Int(1).tag(sync=True)
    count = traitlets.Int().tag(sync=True)
    ends = traitlets.List().tag(sync=True)  # the two latent codes
    thumbs = traitlets.Bytes().tag(sync=True)  # the two chosen digits, for the picture
    end_labels = traitlets.List().tag(sync=True)  # the two chosen digits' classes ([]: no labels given)

    def __init__(self, encoder, decoder, images, *, labels=None, first=0, second=1, image_size=168, decode_in="auto",
                 title=""):
        renderer = _Renderer(decoder, conditional=False)
        checks.keras_model(encoder, "encoder")
        checks.images(images, "images")
        code_size = encoder.outputs[0].shape[-1]
        if code_size != renderer.latent_dim:
            raise ValueError(f"the encoder's code has size {code_size} but the decoder expects {renderer.latent_dim}.")
        for name, index in (("first", first), ("second", second)):
            checks.integer(index, name, at_least=0, at_most=len(images) - 1)
        self.encoder, self.images = encoder, images
        self.labels = None if labels is None else checks.labels(labels, "labels", len(images))
        super().__init__(renderer, kind="interpolation", decode_in=decode_in, image_size=image_size,
                         count=len(images), first=first, second=second, ends=self._codes([first, second]),
                         title=title)
        self._choose()
        self.observe(self._choose, names=["first", "second"])
        self.observe(self._send_frame, names="t")
        self._send_frame()

    @traitlets.validate("t")
    def _valid_t(self, proposal):
        return float(_as_trait_error(checks.number, proposal["value"], "t", at_least=0.0, at_most=1.0))

    @traitlets.validate("first", "second")
    def _valid_index(self, proposal):
        return _as_trait_error(checks.integer, proposal["value"], proposal["trait"].name, at_least=0,
                               at_most=self.count - 1)

    def _codes(self, indices):
        codes = self.encoder(self.images[indices], training=False)
        codes = codes[0] if isinstance(codes, (list, tuple)) else codes  # a VAE encoder: use z_mean
        return np.asarray(codes, dtype="float64").tolist()

    def _choose(self, change=None):
        chosen = [self.first, self.second]
        self.end_labels = [] if self.labels is None else [int(self.labels[i]) for i in chosen]  # before ends:
        self.thumbs = grey_bytes(self.images[chosen][..., 0])  # the front end redraws when the ends come
        self.ends = self._codes(chosen)
        self._send_frame()

    def current_z(self):
        start, end = np.asarray(self.ends)
        return (1 - self.t) * start + self.t * end

    def describe(self):
        first, second = (f"#{index}" + (f" ({_a(label)})" if label is not None else "")
                         for index, label in zip((self.first, self.second), self.end_labels or (None, None),
                                                 strict=True))
        return f"t = {self.t:.2f} from digit {first} to digit {second}"

    def picture(self, steps=8):
        """A still of the walk: the first digit, ``steps`` decoded points from t = 0 to 1, the second digit."""
        start, end = np.asarray(self.ends)
        t = np.linspace(0, 1, steps)[:, None]
        walk = self.renderer.images((1 - t) * start + t * end)
        pictures = [self._digit_picture(image) for image in (self.images[self.first, ..., 0], *walk,
                                                             self.images[self.second, ..., 0])]
        return _side_by_side(*pictures, gap=4)

    def static_state(self, gallery_size=100):
        """As for the other explorers, with the first ``gallery_size`` images encoded, to choose from."""
        state, files = super().static_state()
        gallery = list(range(min(gallery_size, self.count)))
        state.update(count=len(gallery), gallery_codes=self._codes(gallery),
                     gallery_labels=[] if self.labels is None else [int(label) for label in self.labels[gallery]])
        files["gallery_thumbs"] = grey_bytes(self.images[gallery][..., 0])
        return state, files


def _side_by_side(*pictures, gap=12):
    """RGB pictures in a row on white, top-aligned."""
    height = max(p.shape[0] for p in pictures)
    width = sum(p.shape[1] for p in pictures) + gap * (len(pictures) - 1)
    canvas = np.full((height, width, 3), 255, "uint8")
    x = 0
    for picture in pictures:
        canvas[:picture.shape[0], x:x + picture.shape[1]] = picture
        x += picture.shape[1] + gap
    return canvas


def _with_marker(plane, position):
    """The map with the red cross of explorer.js at ``position`` (fractions of its side, from the top left)."""
    from PIL import ImageDraw

    image = Image.fromarray(plane)
    x, y = position[0] * image.width, position[1] * image.height
    draw = ImageDraw.Draw(image)
    draw.ellipse((x - 6, y - 6, x + 6, y + 6), outline=(214, 39, 40), width=2)
    draw.line((x - 10, y, x + 10, y), fill=(214, 39, 40), width=2)
    draw.line((x, y - 10, x, y + 10), fill=(214, 39, 40), width=2)
    return np.asarray(image)


def _encoded(encoder, images, labels):
    """The map's points: the codes of ``images`` (a VAE's means) and their checked ``labels``."""
    checks.keras_model(encoder, "encoder")
    if images is None or labels is None:
        raise ValueError("a map of encoded digits needs images and labels as well as the encoder.")
    checks.images(images, "images")
    labels = checks.labels(labels, "labels", len(images))
    codes = encoder(images, training=False)
    return np.asarray(codes[0] if isinstance(codes, (list, tuple)) else codes), labels


def _a(digit):
    """ "a 7", "an 8": a digit as a sentence names it."""
    return f"{'an' if digit == 8 else 'a'} {digit}"


def _as_trait_error(check, *args, **kwargs):
    """Apply one of the package's checks to a trait being set: traitlets expects a TraitError."""
    try:
        return check(*args, **kwargs)
    except ValueError as error:
        raise traitlets.TraitError(str(error)) from None


def _check_decoder(decoder, conditional):
    """Refuse decoders whose inputs or outputs the explorers cannot show."""
    checks.keras_model(decoder, "decoder")
    if len(decoder.outputs) != 1:
        raise ValueError(f"decoder must have one output (the image), got {len(decoder.outputs)}.")
    shape = tuple(decoder.outputs[0].shape[1:])
    if len(shape) != 3 or shape[2] != 1:
        raise ValueError(f"decoder must output grey-level images (height, width, 1), got shape {shape}.")
    if len(decoder.inputs[0].shape) != 2:
        raise ValueError(f"decoder's first input must be a latent vector (batch, latent_dim), "
                         f"got shape {tuple(decoder.inputs[0].shape)}.")
    if conditional and len(decoder.inputs) != 2:
        raise ValueError("ConditionalExplorer needs a conditional decoder with inputs [z, one_hot_label] "
                         "(see build_cvae).")
    if not conditional and len(decoder.inputs) != 1:
        raise ValueError("this decoder takes a label as well as z: use ConditionalExplorer.")
