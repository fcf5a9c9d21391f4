"""vaecourse.posterior finds the best diagonal Gaussian for a posterior given on a grid (notebook 05)."""

import numpy as np
import pytest

from vaecourse.posterior import best_diagonal_gaussian, kl_on_grid, log_diagonal_gaussian

pytestmark = pytest.mark.unit


CENTRE, SCALE = np.array([0.8, 0.5]), 0.05  # as narrow and as far from 0 as a trained 2-D VAE's posteriors


def _tilted_gaussian_on_grid(rho, points=201, half_width=5.0):
    """A Gaussian posterior with standard deviations SCALE and correlation rho, on a grid of +-half_width of them."""
    axis = np.linspace(-half_width, half_width, points) * SCALE
    grid = np.stack(np.meshgrid(axis, axis), -1).reshape(-1, 2) + CENTRE
    covariance = SCALE**2 * np.array([[1.0, rho], [rho, 1.0]])
    offsets = grid - CENTRE
    log_density = (-0.5 * np.einsum("ni,ij,nj->n", offsets, np.linalg.inv(covariance), offsets)
                   - 0.5 * np.log(np.linalg.det(2 * np.pi * covariance)))
    return grid, log_density, (axis[1] - axis[0]) ** 2


@pytest.mark.parametrize("rho", [0.0, 0.5, 0.8])
def test_the_best_diagonal_fit_of_a_tilted_gaussian_has_the_closed_form_gap(rho):
    """For correlation rho the best axis-aligned q takes the conditional widths and pays -1/2 log(1 - rho^2)."""
    grid, log_posterior, cell = _tilted_gaussian_on_grid(rho)
    start_mean, start_std = CENTRE + SCALE * np.array([0.6, -0.4]), SCALE * np.array([1.1, 0.7])
    best = best_diagonal_gaussian(grid, log_posterior, cell, start_mean=start_mean, start_std=start_std)
    assert best.kl == pytest.approx(-0.5 * np.log(1 - rho**2), abs=2e-3)
    np.testing.assert_allclose(best.std, SCALE * np.sqrt(1 - rho**2), rtol=1e-2)
    np.testing.assert_allclose(best.mean, CENTRE, atol=1e-2 * SCALE)
    assert best.mass_on_grid == pytest.approx(1.0, abs=1e-3)


def test_the_kl_on_the_grid_of_a_gaussian_against_itself_is_zero_and_otherwise_positive():
    grid, log_posterior, cell = _tilted_gaussian_on_grid(0.0)
    assert kl_on_grid(log_posterior, log_posterior, cell) == pytest.approx(0.0, abs=1e-9)
    shifted = log_diagonal_gaussian(grid, CENTRE + [SCALE, 0.0], [SCALE, SCALE])
    assert kl_on_grid(shifted, log_posterior, cell) == pytest.approx(0.5, abs=1e-3)  # |mean shift|^2 / 2


def test_a_start_off_the_grid_is_refused():
    grid, log_posterior, cell = _tilted_gaussian_on_grid(0.5)
    with pytest.raises(ValueError, match="mass on the grid"):
        best_diagonal_gaussian(grid, log_posterior, cell, start_mean=[9.0, 9.0], start_std=[SCALE, SCALE])


def test_mismatched_shapes_are_refused():
    grid, log_posterior, cell = _tilted_gaussian_on_grid(0.5)
    with pytest.raises(ValueError, match="grid must be"):
        best_diagonal_gaussian(grid, log_posterior[:-1], cell, start_mean=CENTRE, start_std=[SCALE, SCALE])
    with pytest.raises(ValueError, match="same shape"):
        kl_on_grid(log_posterior, log_posterior[:-1], cell)


def test_a_start_on_the_smaller_of_two_modes_still_finds_the_larger():
    """Reverse KL has a local optimum at each mode; the second search, from the posterior's mode, finds the better."""
    axis_1, axis_2 = np.linspace(-1.0, 2.0, 151), np.linspace(-1.0, 1.0, 101)
    grid = np.stack(np.meshgrid(axis_1, axis_2), -1).reshape(-1, 2)
    std = np.array([0.1, 0.1])
    weights_and_means = ((0.8, np.array([0.0, 0.0])), (0.2, np.array([1.0, 0.0])))
    density = sum(weight * np.exp(log_diagonal_gaussian(grid, mean, std)) for weight, mean in weights_and_means)
    cell = 0.02 * 0.02
    log_posterior = np.log(density / (density.sum() * cell))
    best = best_diagonal_gaussian(grid, log_posterior, cell, start_mean=[1.0, 0.0], start_std=std)
    assert best.kl == pytest.approx(-np.log(0.8), abs=0.02)  # the larger mode's share, not the smaller's -log 0.2
    np.testing.assert_allclose(best.mean, [0.0, 0.0], atol=0.01)
