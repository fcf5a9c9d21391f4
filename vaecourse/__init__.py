"""vaecourse: the helper package of a hands-on course on (variational) autoencoders.

Organised by concept, one small module each:

``data``            which MNIST (full, the offline subset, or a file), and loading it
``pipeline``        what a model sees: binarized, corrupted, batched (``tf.data``)
``likelihoods``     the pixel likelihood p(x|z) that a decoder carries, and its loss
``elbo``            the VAE's loss in one place: the sampling layer, the KL layer and its closed form
``models``          encoders, decoders, the VAE and the conditional VAE, the table of model kinds
``metrics``         ELBO, importance-sampled log-likelihood, KL per dimension, active units, MSE, PSNR
``posterior``       a 2-D model's exact posterior on a grid, and the best diagonal Gaussian for it
``judge``           a small classifier that reads a digit or says "unreadable"
``attributes``      ink, slant and width of a digit, measured from its pixels
``plots``           image grids, latent maps, decoded manifolds, training curves
``portable``        a decoder as JSON and float32 weights, for the browser
``widgets``         latent explorers that decode in the browser
``reproducibility`` ``seed_everything``
``devices``         GPU or CPU, mixed precision, several GPUs
``training``        ``train`` with checkpoints and resume, ``export`` with a card; the training command
``files``           ``atomic_write``: nothing saved is ever half-written
``pretrained``      shipped 2-D models: ``pretrained.load("vae2d")``
``checks``          the argument rules every public function applies (one of, integer, number; images, labels)
``progress``        one progress line per long training cell
``quiet``           TensorFlow without its start-up notices (``import vaecourse`` sees to it)
``install``         what a notebook's first cell says after it installed the course (Colab)
``exercises``       ``check``: feedback on your own answer to an exercise, without giving the answer away

Importing the package itself imports nothing heavy.
"""

from vaecourse.quiet import quiet_tensorflow

quiet_tensorflow()  # a notebook that imports vaecourse first shows none of TensorFlow's start-up notices

__version__ = "0.7.0"
