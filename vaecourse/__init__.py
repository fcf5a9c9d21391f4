"""vaecourse: the helper package of a hands-on course on (variational) autoencoders.

Organised by concept: ``data`` (MNIST, noise, pipelines), ``models`` (encoders,
decoders, VAE, CVAE), ``metrics`` (ELBO, log-likelihood, PSNR), ``plots``,
``training`` (seeding).
"""

import os
import warnings

# Keep TensorFlow's C++ start-up chatter out of the notebooks; real errors still show.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

# Keras warns that fit(shuffle=True) is ignored for a tf.data.Dataset; our
# datasets shuffle themselves (data.make_dataset), so the warning is noise.
warnings.filterwarnings("ignore", message=r"`shuffle=True` was passed", category=UserWarning)

__version__ = "0.1.0"
