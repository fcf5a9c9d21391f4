"""Latent explorers: sliders (and a clickable map) that decode digits as you drag.

Three ipywidgets 8 explorers, all built on one renderer:

* :class:`LatentExplorer` — one slider per latent dimension; for a 2-D latent
  space also a map of the plane (encoded test digits coloured by class, or the
  decoded manifold) where clicking or dragging moves z.
* :class:`ConditionalExplorer` — a digit selector plus the latent sliders, for a
  conditional VAE's decoder.
* :class:`InterpolationExplorer` — pick two digits; one slider walks from the
  first latent code to the second.

The hot path is short on purpose: a compiled ``tf.function`` around the decoder
(``model.predict`` costs ~50 ms per call, far too slow for a slider), a PNG
encoded with Pillow, and one ``widgets.Image`` update. No matplotlib, no
``interact``, no ``Output`` widget. While a drag in the browser sends values
faster than ``min_interval`` apart, superseded values are dropped and only the
newest is drawn. Setting ``slider.value`` from Python redraws at once (tests
and notebooks rely on this).
"""

import asyncio
import io
import time

import ipywidgets as widgets
import keras
import numpy as np
import tensorflow as tf
from PIL import Image

from .data import check_images, check_labels
from .models import pixel_means

MARKER_COLOUR = "#d62728"
# Enlarge digits by repeating pixels instead of blurring them.
PIXELATED_STYLE = "<style>img.vaecourse-pixels { image-rendering: pixelated; }</style>"


class _Renderer:
    """Decodes latent points to PNG bytes through a compiled decoder call."""

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

    def png(self, z, label=None):
        return to_png(self.images(z, label)[0])


def to_png(image):
    """PNG bytes of one grey-level image in [0, 1], ink dark, at its own size.

    The browser enlarges it (crisply, see PIXELATED_STYLE): a 28 x 28 PNG is
    a third of the encoding time and a fiftieth of the bytes of a 168 x 168 one.
    """
    pixels = (255 - np.clip(image, 0.0, 1.0) * 255).astype("uint8")
    buffer = io.BytesIO()
    Image.fromarray(pixels, mode="L").save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


class _Explorer(widgets.HBox):
    """Shared machinery: a digit image, a z readout and throttled redraws."""

    def __init__(self, renderer, *, image_size, min_interval):
        if not (isinstance(image_size, int) and image_size >= renderer.width):
            raise ValueError(f"image_size must be an integer >= {renderer.width} pixels, got {image_size!r}.")
        if not (isinstance(min_interval, (int, float)) and 0 <= min_interval < 1):
            raise ValueError(f"min_interval must be seconds in [0, 1), got {min_interval!r}.")
        self.renderer = renderer
        self.min_interval = float(min_interval)
        self.image = widgets.Image(format="png", width=image_size, height=image_size)
        self.image.add_class("vaecourse-digit")
        self.image.add_class("vaecourse-pixels")
        self.readout = widgets.HTML()
        self.style = widgets.HTML(PIXELATED_STYLE)
        self.renders = 0  # how many frames were drawn (tests and benchmarks read it)
        self._last_render = -np.inf
        self._scheduled = False
        super().__init__()

    def request_render(self, from_browser=False):
        """Redraw now; or, for a browser event less than ``min_interval`` after the last frame, soon.

        A browser drag can send values faster than frames are worth drawing.
        Such values are not drawn one by one: a single redraw is scheduled on
        the kernel's event loop, and it reads the newest value when it runs,
        so superseded values are dropped. Changes made from Python (or with
        no event loop running, as in tests) are drawn at once.
        """
        try:
            loop = asyncio.get_running_loop() if from_browser else None
        except RuntimeError:
            loop = None
        wait = self._last_render + self.min_interval - time.perf_counter()
        if loop is None or wait <= 0:
            self._render()
        elif not self._scheduled:
            self._scheduled = True
            loop.call_later(wait, self._render)

    def _on_value(self, change):
        # ipywidgets holds a property lock while it applies a value sent by the browser.
        self.request_render(from_browser=bool(change["owner"]._property_lock))

    def _render(self):
        self._scheduled = False
        self._last_render = time.perf_counter()
        self.image.value = self._frame()
        self.renders += 1

    def _frame(self):
        raise NotImplementedError


class _SliderExplorer(_Explorer):
    """Latent sliders, the decoded digit and, for 2-D latent spaces, a clickable map."""

    def __init__(self, renderer, *, extent, image_size, min_interval, background, extra_controls=()):
        super().__init__(renderer, image_size=image_size, min_interval=min_interval)
        self.extent = float(extent)
        self.sliders = [widgets.FloatSlider(value=0.0, min=-extent, max=extent, step=0.01, description=f"z{i + 1}",
                                            continuous_update=True, readout_format="+.2f")
                        for i in range(renderer.latent_dim)]
        for slider in self.sliders:
            slider.observe(self._on_slider, names="value")
        self._moving = False
        self.map = _LatentMap(background, extent, on_pick=self._pick) if background is not None else None
        controls = widgets.VBox([*extra_controls, widgets.HTML("<b>latent z</b>"), *self.sliders, self.readout])
        self.children = [widgets.VBox([self.style, self.image, controls]), *([self.map.canvas] if self.map else [])]

    @property
    def z(self):
        return np.array([slider.value for slider in self.sliders], dtype="float32")

    def move_to(self, z):
        """Set all sliders at once, with a single redraw."""
        self._set_sliders(z)
        self.request_render()

    def _pick(self, z):
        """A click or drag on the map (a browser event)."""
        self._set_sliders(z)
        self.request_render(from_browser=True)

    def _set_sliders(self, z):
        z = np.clip(np.asarray(z, dtype="float32").ravel(), -self.extent, self.extent)
        if z.shape != (len(self.sliders),):
            raise ValueError(f"z must have {len(self.sliders)} values, got {z.shape[0]}.")
        self._moving = True
        try:
            for slider, value in zip(self.sliders, z, strict=True):
                slider.value = float(value)
        finally:
            self._moving = False

    def _on_slider(self, change):
        if not self._moving:
            self._on_value(change)

    def _frame(self):
        z = self.z
        digit = "" if self.label is None else f"digit {self.label}, "
        self.readout.value = digit + "z = (" + ", ".join(f"{v:+.2f}" for v in z) + ")"
        if self.map:
            self.map.mark(z)
        return self.renderer.png(z, self.label)

    label = None


class LatentExplorer(_SliderExplorer):
    """Sliders over the latent space of a decoder, the decoded digit, and a map.

    decoder: a keras.Model from z (latent_dim,) to grey images (H, W, 1), e.g.
    the decoder of :func:`vaecourse.models.build_vae` (logits are handled).
    For a 2-D latent space a map of the plane is shown: the encoded
    ``images`` coloured by ``labels`` if an ``encoder`` is given, else the
    decoded manifold. Sliders span +-``extent`` prior standard deviations.
    """

    def __init__(self, decoder, *, encoder=None, images=None, labels=None, extent=3.0,
                 image_size=168, map_size=240, min_interval=0.015):
        renderer = _Renderer(decoder, conditional=False)
        _check_extent(extent)
        background = None
        if renderer.latent_dim == 2:
            background = (_codes_map(encoder, images, labels, extent, map_size) if encoder is not None
                          else _manifold_map(renderer, None, extent, map_size))
        elif encoder is not None:
            raise ValueError("a map of encoded digits needs a 2-D latent space; "
                             f"this decoder's is {renderer.latent_dim}-D.")
        super().__init__(renderer, extent=extent, image_size=image_size, min_interval=min_interval,
                         background=background)
        self._render()


class ConditionalExplorer(_SliderExplorer):
    """A digit selector plus latent sliders for the decoder of a conditional VAE.

    The map (2-D latent spaces) shows the decoded manifold of the chosen digit;
    the same z under another label keeps the style and changes the class.
    """

    def __init__(self, cvae_decoder, *, digit=0, extent=3.0, image_size=168, map_size=240, min_interval=0.015):
        renderer = _Renderer(cvae_decoder, conditional=True)
        _check_extent(extent)
        if digit not in range(renderer.num_classes):
            raise ValueError(f"digit must be in 0..{renderer.num_classes - 1}, got {digit!r}.")
        self.map_size = map_size
        self.digit = widgets.ToggleButtons(options=list(range(renderer.num_classes)), value=digit,
                                           description="digit", style={"button_width": "2.2em"})
        background = _manifold_map(renderer, digit, extent, map_size) if renderer.latent_dim == 2 else None
        super().__init__(renderer, extent=extent, image_size=image_size, min_interval=min_interval,
                         background=background, extra_controls=[self.digit])
        self.digit.observe(self._on_digit, names="value")
        self._render()

    @property
    def label(self):
        return self.digit.value

    def _on_digit(self, change):
        if self.map:
            self.map.set_background(_manifold_map(self.renderer, change["new"], self.extent, self.map_size))
        self._render()


class InterpolationExplorer(_Explorer):
    """Choose two digits by index; one slider walks from the first code to the second.

    encoder: a VAE encoder (its z_mean is used) or a plain autoencoder's
    encoder; images: the digits to choose from, e.g. the test set.
    """

    def __init__(self, encoder, decoder, images, *, first=0, second=1, image_size=168, min_interval=0.015):
        renderer = _Renderer(decoder, conditional=False)
        super().__init__(renderer, image_size=image_size, min_interval=min_interval)
        if not isinstance(encoder, keras.Model):
            raise ValueError(f"encoder must be a keras.Model, got {type(encoder).__name__}.")
        check_images(images, "images")
        code_size = encoder.outputs[0].shape[-1]
        if code_size != renderer.latent_dim:
            raise ValueError(f"the encoder's code has size {code_size} but the decoder expects {renderer.latent_dim}.")
        for name, index in (("first", first), ("second", second)):
            if not (isinstance(index, int) and 0 <= index < len(images)):
                raise ValueError(f"{name} must be an index in 0..{len(images) - 1}, got {index!r}.")
        self.images = images
        self.encoder = encoder
        self.first = widgets.BoundedIntText(value=first, min=0, max=len(images) - 1, description="from digit #")
        self.second = widgets.BoundedIntText(value=second, min=0, max=len(images) - 1, description="to digit #")
        self.thumbs = [widgets.Image(format="png", width=84, height=84) for _ in range(2)]
        for thumb in self.thumbs:
            thumb.add_class("vaecourse-pixels")
        self.t = widgets.FloatSlider(value=0.0, min=0.0, max=1.0, step=0.01, description="t",
                                     continuous_update=True, readout_format=".2f")
        self.first.observe(self._on_choice, names="value")
        self.second.observe(self._on_choice, names="value")
        self.t.observe(self._on_value, names="value")
        ends = widgets.HBox([widgets.VBox([self.first, self.thumbs[0]]), widgets.VBox([self.second, self.thumbs[1]])])
        self.children = [widgets.VBox([self.style, self.image, self.t, self.readout]), ends]
        self._on_choice()

    def _on_choice(self, change=None):
        chosen = self.images[[self.first.value, self.second.value]]
        codes = self.encoder(chosen, training=False)
        codes = codes[0] if isinstance(codes, (list, tuple)) else codes  # a VAE encoder: use z_mean
        self._codes = np.asarray(codes, dtype="float32")
        for thumb, image in zip(self.thumbs, chosen, strict=True):
            thumb.value = to_png(image[..., 0])
        self._render()

    def _frame(self):
        t = self.t.value
        z = (1 - t) * self._codes[0] + t * self._codes[1]
        self.readout.value = f"t = {t:.2f}: {1 - t:.0%} of #{self.first.value}, {t:.0%} of #{self.second.value}"
        return self.renderer.png(z)


class _LatentMap:
    """A picture of the 2-D latent plane with a marker at z; click or drag to pick z."""

    def __init__(self, background, extent, on_pick):
        from ipycanvas import MultiCanvas, hold_canvas

        self._hold = hold_canvas
        self.size = background.shape[0]
        self.extent = extent
        self.canvas = MultiCanvas(2, width=self.size, height=self.size)
        self.canvas.layout.width = self.canvas.layout.height = f"{self.size}px"
        self.background, self.marker = self.canvas[0], self.canvas[1]
        self._picture, self._z = background, np.zeros(2, "float32")
        self.set_background(background)
        self._set_marker_style()
        # Canvas drawings are messages, not widget state: a page that connects later (Voila,
        # a reloaded tab) would show an empty map, so redraw whenever a client is ready.
        self.canvas.on_client_ready(self._redraw)
        self._dragging = False
        self._on_pick = on_pick
        self.marker.on_mouse_down(self._press)
        self.marker.on_mouse_move(self._drag)
        self.marker.on_mouse_up(self._release)
        self.marker.on_mouse_out(self._release)

    def set_background(self, rgb):
        self._picture = rgb
        self.background.put_image_data(rgb, 0, 0)

    def _redraw(self):
        self.set_background(self._picture)
        self._set_marker_style()
        self.mark(self._z)

    def _set_marker_style(self):
        # The canvas keeps its style between drawings: send it once per page, not with every move.
        self.marker.stroke_style = MARKER_COLOUR
        self.marker.line_width = 2

    def to_z(self, x, y):
        """Canvas pixel -> latent point (z_2 grows upwards)."""
        return np.array([(x / self.size * 2 - 1) * self.extent, (1 - y / self.size * 2) * self.extent], "float32")

    def to_pixel(self, z):
        return (float((z[0] / self.extent + 1) / 2 * self.size), float((1 - z[1] / self.extent) / 2 * self.size))

    def mark(self, z):
        self._z = z
        x, y = self.to_pixel(z)
        with self._hold(self.marker):  # one message per move
            self.marker.clear()
            self.marker.stroke_circle(x, y, 6)
            self.marker.stroke_line(x - 10, y, x + 10, y)
            self.marker.stroke_line(x, y - 10, x, y + 10)

    def _press(self, x, y):
        self._dragging = True
        self._on_pick(self.to_z(x, y))

    def _drag(self, x, y):
        if self._dragging:
            self._on_pick(self.to_z(x, y))

    def _release(self, x, y):
        self._dragging = False


def _manifold_map(renderer, label, extent, size):
    """RGB picture of digits decoded on an evenly spaced grid over [-extent, extent]^2."""
    n = max(2, size // renderer.width)
    values = np.linspace(-extent, extent, n, dtype="float32")
    z1, z2 = np.meshgrid(values, values[::-1])
    images = renderer.images(np.stack([z1.ravel(), z2.ravel()], axis=1), label)
    canvas = images.reshape(n, n, renderer.height, renderer.width).transpose(0, 2, 1, 3)
    canvas = canvas.reshape(n * renderer.height, n * renderer.width)
    grey = np.asarray(Image.fromarray((255 - canvas * 255).astype("uint8")).resize((size, size)))
    return np.repeat(grey[..., None], 3, axis=2)


def _codes_map(encoder, images, labels, extent, size):
    """RGB scatter of encoded digits, coloured by class, axes exactly [-extent, extent]^2."""
    import matplotlib.pyplot as plt
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    if not isinstance(encoder, keras.Model):
        raise ValueError(f"encoder must be a keras.Model, got {type(encoder).__name__}.")
    if images is None or labels is None:
        raise ValueError("a map of encoded digits needs images and labels as well as the encoder.")
    check_images(images, "images")
    labels = check_labels(labels, len(images), name="labels")
    codes = encoder(images, training=False)
    codes = np.asarray(codes[0] if isinstance(codes, (list, tuple)) else codes)
    fig = Figure(figsize=(size / 100, size / 100), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.scatter(codes[:, 0], codes[:, 1], c=labels, cmap=plt.get_cmap("tab10"), vmin=-0.5, vmax=9.5, s=4)
    for digit in range(10):
        centre = np.median(codes[labels == digit], axis=0)
        if np.all(np.abs(centre) < extent):
            ax.text(*centre, str(digit), fontsize=11, weight="bold", ha="center", va="center")
    ax.set_xlim(-extent, extent)
    ax.set_ylim(-extent, extent)
    ax.axhline(0, color="0.85", lw=0.5, zorder=0)
    ax.axvline(0, color="0.85", lw=0.5, zorder=0)
    ax.set_axis_off()
    fig.canvas.draw()
    return np.asarray(fig.canvas.buffer_rgba())[..., :3].copy()


def _check_extent(extent):
    if not (isinstance(extent, (int, float)) and 0 < extent < float("inf")):
        raise ValueError(f"extent (the sliders' half-range) must be a positive number, got {extent!r}.")


def _check_decoder(decoder, conditional):
    """Refuse decoders whose inputs or outputs the explorers cannot show."""
    if not isinstance(decoder, keras.Model):
        raise ValueError(f"decoder must be a keras.Model, got {type(decoder).__name__}.")
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
