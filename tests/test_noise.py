"""Tests of rlcourse.noise: Gaussian std, Ornstein–Uhlenbeck mean and autocorrelation, seeding."""

from __future__ import annotations

import math

import numpy as np
import pytest

from rlcourse.noise import DecayingOffsetNoise, GaussianNoise, OrnsteinUhlenbeckNoise, make_noise


def _autocorrelation(x: np.ndarray, lag: int) -> float:
    return float(np.corrcoef(x[:-lag], x[lag:])[0, 1])


def test_gaussian_noise_has_the_asked_std_zero_mean_and_no_memory():
    noise = GaussianNoise(2, sigma=0.3, rng=np.random.default_rng(0))
    samples = np.stack([noise() for _ in range(50_000)])  # (50000, 2)
    assert samples.shape == (50_000, 2)
    assert np.allclose(samples.std(axis=0), 0.3, atol=0.005)
    assert np.allclose(samples.mean(axis=0), 0.0, atol=0.005)
    assert abs(_autocorrelation(samples[:, 0], 1)) < 0.02


def test_ou_noise_reverts_to_zero_mean_with_the_autocorrelation_of_its_recursion():
    # ε_{t+1} = (1 − θ dt) ε_t + σ √dt ξ: lag-k autocorrelation a^k with a = 1 − θ dt = 0.85,
    # stationary std σ √dt / √(1 − a²) = 0.3 / √(1 − 0.7225) = 0.5695
    noise = OrnsteinUhlenbeckNoise(1, sigma=0.3, theta=0.15, dt=1.0, rng=np.random.default_rng(1))
    samples = np.array([noise()[0] for _ in range(200_000)])
    assert abs(samples.mean()) < 0.02
    assert _autocorrelation(samples, 1) == pytest.approx(0.85, abs=0.01)
    assert _autocorrelation(samples, 5) == pytest.approx(0.85 ** 5, abs=0.02)
    assert samples.std() == pytest.approx(0.3 / math.sqrt(1 - 0.85 ** 2), rel=0.02)
    assert noise.stationary_std == pytest.approx(0.3 / math.sqrt(1 - 0.85 ** 2))


def test_ou_increments_are_zero_mean_normal_around_the_pull():
    noise = OrnsteinUhlenbeckNoise(1, sigma=0.2, theta=0.5, dt=0.1, rng=np.random.default_rng(2))
    previous = np.array([noise()[0] for _ in range(1)])
    states = np.array([noise()[0] for _ in range(100_000)])
    states = np.concatenate([previous, states])
    # increment minus the pull θ (0 − ε_t) dt is σ √dt ξ
    shocks = states[1:] - states[:-1] - 0.5 * (0.0 - states[:-1]) * 0.1
    assert abs(shocks.mean()) < 0.001
    assert shocks.std() == pytest.approx(0.2 * math.sqrt(0.1), rel=0.01)
    skew = float(((shocks - shocks.mean()) ** 3).mean() / shocks.std() ** 3)
    kurtosis = float(((shocks - shocks.mean()) ** 4).mean() / shocks.std() ** 4)
    assert abs(skew) < 0.05 and kurtosis == pytest.approx(3.0, abs=0.1)


def test_ou_reset_returns_to_the_mean():
    noise = OrnsteinUhlenbeckNoise(3, sigma=1.0, rng=np.random.default_rng(0))
    for _ in range(10):
        noise()
    assert np.any(noise.state != 0.0)
    noise.reset()
    assert np.array_equal(noise.state, np.zeros(3))


@pytest.mark.parametrize("kind", ["gaussian", "ou"])
def test_the_same_generator_seed_gives_the_same_noise(kind):
    first = make_noise(kind, 2, 0.2, rng=np.random.default_rng(7))
    second = make_noise(kind, 2, 0.2, rng=np.random.default_rng(7))
    assert all(np.array_equal(first(), second()) for _ in range(20))


def test_make_noise_gives_ou_the_asked_stationary_std():
    noise = make_noise("ou", 1, 0.1, rng=np.random.default_rng(0), theta=0.15, dt=1.0)
    assert noise.stationary_std == pytest.approx(0.1)
    samples = np.array([noise()[0] for _ in range(100_000)])
    assert samples.std() == pytest.approx(0.1, rel=0.03)


@pytest.mark.parametrize("call, words", [
    (lambda: GaussianNoise(1, sigma=-0.1), "sigma"),
    (lambda: GaussianNoise(0, sigma=0.1), "action_dim"),
    (lambda: OrnsteinUhlenbeckNoise(1, theta=0.0), "theta"),
    (lambda: OrnsteinUhlenbeckNoise(1, theta=2.0, dt=1.0), "theta * dt"),
    (lambda: make_noise("pink", 1, 0.1, rng=np.random.default_rng(0)), "gaussian"),
])
def test_bad_noise_parameters_raise_naming_them(call, words):
    with pytest.raises(ValueError, match=words.replace("*", r"\*")):
        call()


def test_the_decaying_offset_is_sigma_over_one_plus_the_episode_index_and_not_random():
    # pemami4911's `+ 1. / (1. + i)`: σ = 1 in episode 0, 1/2 in episode 1, 1/10 in episode 9,
    # the same at every step of an episode and in every action dimension
    noise = make_noise("decaying", 2, 1.0, rng=np.random.default_rng(0))
    assert isinstance(noise, DecayingOffsetNoise)
    seen = []
    for _ in range(10):
        noise.reset()  # the training loop resets before every episode, the first one included
        steps = np.stack([noise() for _ in range(5)])  # (5, 2)
        assert np.all(steps == steps[0, 0])
        seen.append(steps[0, 0])
    assert np.allclose(seen, [1 / (1 + i) for i in range(10)])
    assert DecayingOffsetNoise(1, sigma=0.5)()[0] == 0.5  # before any reset: episode 0
