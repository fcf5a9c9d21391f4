"""Figures the notebooks use again and again: image grids, latent maps, manifolds, curves.

Each function returns the matplotlib ``Figure`` it drew, so a notebook shows it
and a test can check what was drawn.
"""

from statistics import NormalDist

import matplotlib.pyplot as plt
import numpy as np

from . import checks
from .likelihoods import pixel_means


def show_images(images, *, ncols=10, titles=None, size=1.0, suptitle=None):
    """A grid of grey-level images (N, H, W, 1) in [0, 1], ``ncols`` per row.

    First used in notebook 00.
    """
    checks.images(images, "images")
    checks.integer(ncols, "ncols", at_least=1)
    if titles is not None and len(titles) != len(images):
        raise ValueError(f"titles must have one entry per image ({len(images)}), got {len(titles)}.")
    nrows = -(-len(images) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(ncols * size, nrows * size * (1.25 if titles else 1)),
                             squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i < len(images):
            ax.imshow(images[i, ..., 0], cmap="gray_r", vmin=0, vmax=1)
            if titles is not None:
                ax.set_title(str(titles[i]), fontsize=8)
    if suptitle:
        fig.suptitle(suptitle)
    fig.tight_layout()
    return fig


def tile(images, nrows, ncols):
    """One canvas (nrows * H, ncols * W) of images (nrows * ncols, H, W[, 1]) laid out row by row.

    First used in notebook 08.
    """
    images = np.asarray(images)
    images = images[..., 0] if images.ndim == 4 else images
    if images.ndim != 3 or len(images) != nrows * ncols:
        raise ValueError(f"tile needs {nrows} x {ncols} = {nrows * ncols} images of shape (H, W) or (H, W, 1), "
                         f"got an array of shape {images.shape}.")
    height, width = images.shape[1:]
    return images.reshape(nrows, ncols, height, width).transpose(0, 2, 1, 3).reshape(nrows * height, ncols * width)


def image_rows(rows, names, *, n=10, size=0.9, title=None):
    """Rows of images (each an array (N, H, W, 1) in [0, 1]), the first ``n`` of each, named on the left.

    First used in notebook 00.
    """
    if len(rows) != len(names):
        raise ValueError(f"image_rows needs one name per row: {len(rows)} rows, {len(names)} names.")
    for row, name in zip(rows, names, strict=True):
        checks.images(np.asarray(row), f"row {name!r}")
    n = min([n, *(len(row) for row in rows)])
    fig, axes = plt.subplots(len(rows), n, figsize=(n * size, len(rows) * size * 1.05), squeeze=False)
    for r, (images, name) in enumerate(zip(rows, names, strict=True)):
        for c in range(n):
            axes[r, c].imshow(images[c, ..., 0], cmap="gray_r", vmin=0, vmax=1)
            axes[r, c].set_xticks([])
            axes[r, c].set_yticks([])
        axes[r, 0].set_ylabel(name, rotation=0, ha="right", va="center", fontsize=8)
    if title:
        fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    return fig


def plot_reconstructions(originals, reconstructions, *, n=10, labels=("input", "output")):
    """Originals on the top row, their reconstructions underneath.

    First used in notebook 01.
    """
    checks.images(originals, "originals")
    checks.images(reconstructions, "reconstructions")
    if originals.shape != reconstructions.shape:
        raise ValueError(f"originals {originals.shape} and reconstructions {reconstructions.shape} "
                         "must have the same shape.")
    n = min(n, len(originals))
    fig, axes = plt.subplots(2, n, figsize=(n, 2.2), squeeze=False)
    for row, images in enumerate((originals, reconstructions)):
        for i in range(n):
            axes[row, i].imshow(images[i, ..., 0], cmap="gray_r", vmin=0, vmax=1)
            axes[row, i].set_xticks([])
            axes[row, i].set_yticks([])
        axes[row, 0].set_ylabel(labels[row])
    fig.tight_layout()
    return fig


# One colour per digit class, each with a contrast of at least 3:1 against white (WCAG's rule for graphics).
# No ten colours stay apart for every kind of colour blindness, so the maps draw each code as its digit's own
# glyph, and the colour only helps.
CLASS_COLOURS = ("#332288", "#117733", "#882255", "#0072B2", "#AA4499", "#B34700", "#555555", "#8F6B00",
                 "#C23D5E", "#00786E")


def scatter_codes(ax, codes, labels, *, size=18):
    """Draw 2-D codes on ``ax`` as the glyphs of their digits ("0" ... "9"), each class in its colour."""
    codes = np.asarray(codes)
    labels = np.asarray(labels)
    if codes.ndim != 2 or codes.shape[1] != 2:
        raise ValueError(f"codes must have shape (N, 2) for a 2-D map, got {codes.shape}.")
    if labels.shape != (len(codes),):
        raise ValueError(f"labels must have shape ({len(codes)},), got {labels.shape}.")
    for digit in range(10):
        chosen = labels == digit
        ax.scatter(codes[chosen, 0], codes[chosen, 1], marker=f"${digit}$", s=size, linewidths=0,
                   color=CLASS_COLOURS[digit], label=str(digit))


def plot_latent_map(codes, labels, *, ax=None, title="Latent codes of test digits"):
    """Scatter 2-D latent codes, each drawn as its digit's glyph in its class's colour.

    First used in notebook 02.
    """
    fig, ax = (ax.figure, ax) if ax is not None else plt.subplots(figsize=(5.5, 4.5))
    scatter_codes(ax, codes, labels)
    ax.legend(title="digit", loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False, markerscale=1.6,
              handletextpad=0.2)
    ax.set_xlabel("$z_1$")
    ax.set_ylabel("$z_2$")
    ax.set_title(title)
    fig.tight_layout()
    return fig


def codes_picture(codes, labels, extent, size):
    """An RGB picture (size, size, 3) of 2-D codes as in :func:`plot_latent_map`, axes exactly +-extent.

    The explorers' map, drawn in the kernel and sent to the browser once.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(size / 100, size / 100), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.axhline(0, color="0.85", lw=0.5, zorder=0)
    ax.axvline(0, color="0.85", lw=0.5, zorder=0)
    scatter_codes(ax, codes, labels, size=14)
    ax.set_xlim(-extent, extent)
    ax.set_ylim(-extent, extent)
    ax.set_axis_off()
    fig.canvas.draw()
    return np.asarray(fig.canvas.buffer_rgba())[..., :3].copy()


def gaussian_grid(n, *, low=0.05, high=0.95):
    """n x n points of a 2-D latent plane at equally spaced quantiles of N(0, 1).

    Spacing by quantiles (as in Kingma and Welling's manifold figure) puts
    equal prior probability mass between neighbouring points. Returns an
    array (n*n, 2), rows from top (high z_2) to bottom.

    First used in notebook 08.
    """
    checks.integer(n, "n", at_least=2)
    if not 0 < low < high < 1:
        raise ValueError(f"need 0 < low < high < 1 for quantiles, got low={low!r}, high={high!r}.")
    values = np.array([NormalDist().inv_cdf(q) for q in np.linspace(low, high, n)], dtype="float32")
    z1, z2 = np.meshgrid(values, values[::-1])
    return np.stack([z1.ravel(), z2.ravel()], axis=1)


def decode_grid(decoder, *, n=15, label=None, num_classes=10):
    """The pixel means decoded at ``gaussian_grid(n)``, rows from top (high z_2) to bottom: (n*n, H, W, 1).

    For a conditional decoder pass ``label`` (a digit) to decode that class.
    """
    checks.keras_model(decoder, "decoder")
    if decoder.inputs[0].shape[-1] != 2:
        raise ValueError(f"a latent plane needs a decoder with a 2-D latent input, "
                         f"got {decoder.inputs[0].shape[-1]}-D.")
    conditional = len(decoder.inputs) == 2
    if conditional and label not in range(num_classes):
        raise ValueError(f"a conditional decoder needs label in 0..{num_classes - 1}, got {label!r}.")
    z = gaussian_grid(n)
    inputs = [z, np.tile(np.eye(num_classes, dtype="float32")[label], (len(z), 1))] if conditional else z
    return np.asarray(pixel_means(decoder, decoder(inputs, training=False)))


def plot_manifold(decoder, *, n=15, label=None, num_classes=10, title="Decoded latent plane"):
    """Decode an n x n grid of 2-D latent points (Gaussian quantiles) into one big image.

    For a conditional decoder pass ``label`` (a digit) to draw that class.

    First used in notebook 04.
    """
    images = decode_grid(decoder, n=n, label=label, num_classes=num_classes)
    z = gaussian_grid(n)
    width = images.shape[2]
    fig, ax = plt.subplots(figsize=(6, 6))
    ax.imshow(tile(images, n, n), cmap="gray_r", vmin=0, vmax=1)
    ticks = np.arange(n) * width + width / 2
    ax.set_xticks(ticks[::2], [f"{v:.1f}" for v in z[:n, 0][::2]])
    ax.set_yticks(ticks[::2], [f"{v:.1f}" for v in z[::n, 1][::2]])
    ax.set_xlabel("$z_1$")
    ax.set_ylabel("$z_2$")
    ax.set_title(title)
    return fig


def manifold_in_words(decoder, reader, *, n=15, label=None, num_classes=10):
    """The manifold figure as text: what ``reader`` (``vaecourse.judge``) reads in each of its n x n cells.

    One line per row of the figure, top (high z_2) first, one character per cell: the digit read, or "x" where
    the reader sees no digit (a screen reader speaks an x; many skip a full stop). For someone who cannot see
    the figure, and as a check on what it shows.

    First used in notebook 04.
    """
    readings = reader.read(decode_grid(decoder, n=n, label=label, num_classes=num_classes)).reshape(n, n)
    return "\n".join(" ".join("x" if digit < 0 else str(digit) for digit in row) for row in readings)


_DIRECTIONS = ("right", "upper right", "top", "upper left", "left", "lower left", "bottom", "lower right")


def where_classes_lie(codes, labels, *, centre=0.5):
    """Where each class's 2-D codes lie, in words: one line per class, from the median of its codes.

    "near the centre" within ``centre`` of the origin, else one of eight directions ("upper left", ...).
    For someone who cannot see a latent map: the text alternative of its figure points here.

    First used in notebook 04.
    """
    codes, labels = np.asarray(codes), np.asarray(labels)
    if codes.ndim != 2 or codes.shape[1] != 2:
        raise ValueError(f"codes must be 2-D latent points of shape (N, 2), got shape {codes.shape}.")
    if labels.shape != (len(codes),):
        raise ValueError(f"labels must hold one class per code ({len(codes)}), got shape {labels.shape}.")
    lines = []
    for digit in np.unique(labels):
        z1, z2 = np.median(codes[labels == digit], axis=0)
        sector = int(np.round(np.arctan2(z2, z1) / (np.pi / 4))) % 8
        where = "near the centre" if np.hypot(z1, z2) < centre else _DIRECTIONS[sector]
        lines.append(f"{digit}s: {where}, around ({z1:+.1f}, {z2:+.1f})")
    return "\n".join(lines)


def plot_history(history, *, keys=None, steps_per_epoch=None, title="Training"):
    """Plot the curves of a Keras ``History`` (or its ``.history`` dict).

    Against epochs, or against gradient steps if ``steps_per_epoch`` is given
    (for ``fit(..., steps_per_epoch=S)`` runs, whose "epochs" are just S steps).

    First used in notebook 04.
    """
    logs = getattr(history, "history", history)
    if not isinstance(logs, dict) or not logs:
        raise ValueError("history must be a keras History or a non-empty dict of lists.")
    keys = keys or [k for k in logs if not k.startswith("val_")]
    missing = [k for k in keys if k not in logs]
    if missing:
        raise ValueError(f"history has no {missing}; it has {sorted(logs)}.")
    scale = 1 if steps_per_epoch is None else checks.integer(steps_per_epoch, "steps_per_epoch", at_least=1)
    fig, ax = plt.subplots(figsize=(6, 3.5))
    for key in keys:
        x = np.arange(1, len(logs[key]) + 1) * scale
        ax.plot(x, logs[key], label=key)
        if "val_" + key in logs:
            ax.plot(x, logs["val_" + key], "--", label="val_" + key)
    ax.set_xlabel("epoch" if steps_per_epoch is None else "gradient steps")
    ax.set_title(title)
    ax.legend()
    return fig
