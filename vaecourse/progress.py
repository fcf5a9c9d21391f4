"""One line of progress while a notebook cell trains, gone when the cell ends.

Training cells run for tens of seconds. ``fit(..., verbose=1)`` would print a
progress bar on stderr, which Jupyter paints red and which would stay in the
saved notebook. :class:`Progress` instead shows a single line through a display
handle, updates it in place at most twice a second, and empties it when the
cell finishes (or as soon as all its steps are done), so the saved notebook,
the course site and nbval's comparison hold none of it. Outside a Jupyter
kernel it does nothing.

    progress = Progress(STEPS, "the VAE")
    vae.fit(batches, steps_per_epoch=STEPS, epochs=1, verbose=0, callbacks=[progress])

A loop that is not ``fit`` (a GAN's hand-written steps, say) calls
``progress.advance()`` once per step. One ``Progress`` may span several
``fit`` calls: it counts their steps together against its total.
"""

import time

import keras

from vaecourse import checks

UPDATE_SECONDS = 0.5


def _kernel_shell():
    """The IPython shell of a Jupyter kernel, or None (a script, a test, a terminal IPython)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    shell = get_ipython()
    return shell if shell is not None and getattr(shell, "kernel", None) is not None else None


class Progress(keras.callbacks.Callback):
    """A Keras callback (and a plain counter) that shows "what: step n of total, time left, loss" in place.

    First used in notebook 01.
    """

    def __init__(self, total_steps, what="training"):
        super().__init__()
        self.total = checks.integer(total_steps, "total_steps", at_least=1)
        self.what = what
        self.done = 0
        self.started = self.shown_at = None
        self.handle = None
        self.shell = _kernel_shell()

    def advance(self, steps=1, logs=None):
        """Count ``steps`` more steps; redraw the line if it has not been redrawn for UPDATE_SECONDS."""
        now = time.monotonic()
        if self.started is None:
            self.started = now
            self._show()
        self.done += steps
        if self.handle is None:
            return
        if self.done >= self.total:  # finished: the next model's line takes its place
            self._remove()
        elif now - self.shown_at >= UPDATE_SECONDS:
            self.shown_at = now
            self.handle.update({"text/plain": self.line(logs, now)}, raw=True)

    def line(self, logs=None, now=None):
        """The progress line, e.g. "the VAE: step 640 of 1,280 (50%), 8 s so far, about 8 s left, loss 155.3"."""
        elapsed = (now or time.monotonic()) - self.started
        text = f"{self.what}: step {self.done:,} of {self.total:,} ({self.done / self.total:.0%}), {elapsed:.0f} s"
        if 0 < self.done < self.total:
            text += f" so far, about {elapsed * (self.total - self.done) / self.done:.0f} s left"
        if logs and "loss" in logs:
            text += f", loss {float(logs['loss']):.4g}"
        return text

    def _show(self):
        if self.shell is None:
            return
        from IPython.display import display

        # Shown empty and emptied at the end: what a saved notebook keeps of it is an empty output.
        self.handle = display({}, raw=True, display_id=True)
        self.shown_at = time.monotonic()
        self.shell.events.register("post_run_cell", self._remove)

    def _remove(self, *args):
        self.handle.update({}, raw=True)
        self.shell.events.unregister("post_run_cell", self._remove)
        self.handle = None

    def on_train_batch_end(self, batch, logs=None):
        self.advance(1, logs)
