"""A 2-D latent model's exact posterior on a grid, and the best diagonal Gaussian for it (notebook 05).

With two latent dimensions, log p(x | z) + log p(z) can be evaluated on a grid of
codes; normalised, the grid *is* the posterior p(z | x), up to its resolution.
Notebook 05 writes that part out. What it borrows from here is the search for
the diagonal Gaussian q* closest to that posterior in KL(q || p), whose distance
is the *approximation gap* of Cremer, Li and Duvenaud (2018).

The search needs care: the KL is a sum over the grid's cells, so a Gaussian
that leaves the grid scores 0 (it has no mass where the sum looks). A
gradient-based optimiser's first step can throw it there and stop. So the
search is derivative-free (Nelder-Mead), and a Gaussian that does not keep
nearly all of its mass on the grid is refused. And a search from one start can
stall far from the posterior (an encoder's q that misses it entirely) or settle on
the smaller of two modes, so it runs from two starts, the one given and the
same widths at the posterior's mode, and keeps the better answer.
"""

from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize

from . import checks

MIN_MASS = 0.999  # the share of a Gaussian's mass that must fall on the grid for its KL to count


def kl_on_grid(log_q, log_posterior, cell):
    """KL(q || posterior) in nats, a Riemann sum over the grid from both log-densities (values per cell point).

    First used in notebook 05.
    """
    checks.number(cell, "cell", above=0)
    log_q, log_posterior = np.asarray(log_q, "float64"), np.asarray(log_posterior, "float64")
    if log_q.shape != log_posterior.shape:
        raise ValueError(f"log_q and log_posterior must have the same shape, got {log_q.shape} and "
                         f"{log_posterior.shape}.")
    q = np.exp(log_q)
    return float(np.sum(q * (log_q - log_posterior)) * cell)


def log_diagonal_gaussian(points, mean, std):
    """log N(points; mean, diag(std^2)) for points (n, d), one value per point.

    First used in notebook 05.
    """
    points = np.asarray(points, "float64")
    mean, std = np.asarray(mean, "float64"), np.asarray(std, "float64")
    return np.sum(-0.5 * ((points - mean) / std) ** 2 - np.log(std) - 0.5 * np.log(2 * np.pi), axis=1)


@dataclass(frozen=True)
class BestGaussian:
    """The diagonal Gaussian closest to a grid posterior: its mean, its standard deviations and its KL."""

    mean: np.ndarray
    std: np.ndarray
    kl: float
    mass_on_grid: float


def best_diagonal_gaussian(grid, log_posterior, cell, start_mean, start_std):
    """The diagonal Gaussian q* minimising KL(q || posterior) on the grid.

    ``grid`` holds the cell centres (n, d), ``log_posterior`` the normalised log-posterior there (n,), ``cell``
    the area of a cell. The search starts from (start_mean, start_std), which must lie on the grid (the
    encoder's q, for instance), and again with the same widths from the posterior's mode (the grid point where
    it is highest); the better of the two answers is returned.

    First used in notebook 05.
    """
    grid = np.asarray(grid, "float64")
    if grid.ndim != 2 or np.asarray(log_posterior).shape != (len(grid),):
        raise ValueError(f"grid must be (n, d) and log_posterior (n,), got {grid.shape} and "
                         f"{np.asarray(log_posterior).shape}.")
    dim = grid.shape[1]
    start = np.concatenate([np.asarray(start_mean, "float64"), np.log(np.asarray(start_std, "float64"))])
    if start.shape != (2 * dim,):
        raise ValueError(f"start_mean and start_std must each hold {dim} numbers, got {start.shape[0]} in all.")
    if _mass_on_grid(grid, start[:dim], np.exp(start[dim:]), cell) < MIN_MASS:
        raise ValueError("the starting Gaussian has less than 99.9% of its mass on the grid; start from one on it.")

    def objective(params):
        log_q = log_diagonal_gaussian(grid, params[:dim], np.exp(params[dim:]))  # once per step, for both uses
        if np.exp(log_q).sum() * cell < MIN_MASS:
            return np.inf  # off the grid the Riemann sum would call it perfect
        return kl_on_grid(log_q, log_posterior, cell)

    at_the_mode = np.concatenate([grid[np.argmax(log_posterior)], start[dim:]])
    searches = [minimize(objective, candidate, method="Nelder-Mead",
                         options={"xatol": 1e-6, "fatol": 1e-9, "maxiter": 4000 * dim})
                for candidate in (start, at_the_mode)]
    found = min(searches, key=lambda search: search.fun)
    mean, std = found.x[:dim], np.exp(found.x[dim:])
    return BestGaussian(mean, std, float(found.fun), _mass_on_grid(grid, mean, std, cell))


def _mass_on_grid(grid, mean, std, cell):
    return float(np.exp(log_diagonal_gaussian(grid, mean, std)).sum() * cell)
