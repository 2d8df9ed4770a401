"""The Dirac-GAN of Mescheder et al. (2018): the smallest GAN whose training can fail.

The generator is a point mass at theta, the real data a point mass at 0, and the
discriminator linear, D(x) = psi * x.  Following Mescheder et al., the game is

    L(theta, psi) = f(psi * theta) + f(-psi * 0),

which the discriminator maximises over psi and the generator minimises over theta (their
convention: D's logit enters as f(D(fake)) + f(-D(real))).  For the GAN,
f(t) = -log(1 + exp(-t)) and f'(0) = 1/2.  The unique equilibrium is (0, 0).

An update **rule** (``RULES``) is a loss together with the fix applied to it, if any (a
penalty, clipping or noise); each rule gives the field in the table below.  ``vector_field``
gives the directions both players move in under a rule's gradient dynamics (the generator
down, the discriminator up its objective); ``eigenvalues`` the eigenvalues of its Jacobian at
(0, 0), computed by central differences; ``simulate`` takes gradient steps in one of two
**orders** (``ORDERS``): both players at once ("simultaneous") or the discriminator first
("alternating").  Everything is plain numpy and works on arrays of points.

| rule            | theta'                         | psi'                                      |
|-----------------|--------------------------------|-------------------------------------------|
| gan             | -psi f'(psi theta)             | theta f'(psi theta)                       |
| non_saturating  | -psi f'(-psi theta)            | theta f'(psi theta)                       |
| wgan            | -psi                           | theta, psi kept in [-clip, clip]          |
| wgan_gp         | -psi                           | theta - 2 weight (|psi| - 1) sign(psi)    |
| r1              | as gan                         | as gan, - gamma psi                       |
| instance_noise  | gan, averaged over noise       | gan, averaged over noise (see below)      |

Instance noise adds N(0, sigma^2) to both the real and the fake point; the expectation
over the noise is taken with 64-point Gauss-Hermite quadrature, so the field stays
deterministic and smooth.  The WGAN-GP field is not differentiable at psi = 0 (the
penalty pulls |psi| toward 1 from either side), so it has no eigenvalues there; simulated
from (1, 1) it does not reach the data: a weak penalty (weight 0.1 to 0.3) leaves an orbit,
a strong one (weight >= 1) stalls the generator at theta = -2 * weight, psi -> 0+, where the
critic's gradient from the right vanishes.
"""

from __future__ import annotations

import numpy as np

from gan_lib._checks import choice, number_pair, positive_float, positive_int, real_array

# The update rules: name -> its parameters and their defaults (None: the caller must give it).
RULES: dict[str, dict[str, float | None]] = {
    "gan": {},
    "non_saturating": {},
    "wgan": {"clip": 1.0},
    "wgan_gp": {"weight": 1.0},
    "r1": {"gamma": None},
    "instance_noise": {"sigma": None},
}
# The orders in which ``simulate`` lets the players step.
ORDERS = ("simultaneous", "alternating")

_NODES, _WEIGHTS = np.polynomial.hermite_e.hermegauss(64)
_WEIGHTS = _WEIGHTS / np.sqrt(2.0 * np.pi)  # so that sum(w * g(x)) = E[g(eps)], eps ~ N(0, 1)


def f(t: np.ndarray | float) -> np.ndarray:
    """The GAN's f(t) = -log(1 + exp(-t)) = log sigmoid(t)."""
    return -np.logaddexp(0.0, -_no_nan(t, "t"))


def f_prime(t: np.ndarray | float) -> np.ndarray:
    """f'(t) = 1 / (1 + exp(t)) = sigmoid(-t), written with tanh so it never overflows."""
    return 0.5 * (1.0 - np.tanh(0.5 * _no_nan(t, "t")))


def _no_nan(values: object, name: str) -> np.ndarray:
    """``values`` as a float64 array of real numbers without NaN (+-inf is allowed: f has limits there)."""
    array = real_array(values, name)
    if np.any(np.isnan(array)):
        raise ValueError(f"{name} contains NaN")
    return array


def _parameters(rule: str, params: dict[str, float]) -> dict[str, float]:
    """The rule's parameters with defaults filled in; ValueError for anything unknown or bad."""
    if not isinstance(rule, str) or rule not in RULES:
        raise ValueError(f"rule must be one of {', '.join(RULES)}; got {rule!r}")
    expected = RULES[rule]
    for name in params:
        if name not in expected:
            allowed = ", ".join(expected) or "none"
            raise ValueError(f"rule {rule!r} takes no parameter {name!r} (its parameters: {allowed})")
    values = {}
    for name, default in expected.items():
        if name not in params and default is None:
            raise ValueError(f"rule {rule!r} needs the parameter {name!r}")
        values[name] = positive_float(params.get(name, default), name, allow_zero=(name != "clip"))
    return values


def vector_field(theta: np.ndarray | float, psi: np.ndarray | float, rule: str, **params: float):
    """(theta', psi'): the directions of the update ``rule``'s gradient dynamics at (theta, psi).

    ``theta`` and ``psi`` may be arrays of any (broadcastable) shape, e.g. a meshgrid for
    a stream plot; the result has their broadcast shape.  See the module docstring for
    the fields and the parameters (``clip`` for wgan, ``weight`` for wgan_gp, ``gamma``
    for r1, ``sigma`` for instance_noise).
    """
    values = _parameters(rule, params)
    theta, psi = _no_nan(theta, "theta"), _no_nan(psi, "psi")
    try:
        theta, psi = np.broadcast_arrays(theta, psi)
    except ValueError:
        raise ValueError(f"theta and psi must have broadcastable shapes, got {theta.shape} and {psi.shape}") from None
    if rule in ("gan", "r1"):
        slope = f_prime(psi * theta)
        theta_dot, psi_dot = -psi * slope, theta * slope
        if rule == "r1":
            psi_dot = psi_dot - values["gamma"] * psi  # gradient of -gamma/2 * (d/dx D)^2 = -gamma/2 psi^2
    elif rule == "non_saturating":
        # The generator minimises -f(-psi theta) instead of f(psi theta).
        theta_dot, psi_dot = -psi * f_prime(-psi * theta), theta * f_prime(psi * theta)
    elif rule == "wgan":
        clip = values["clip"]
        theta_dot, psi_dot = -psi, theta.copy()
        # Projected gradient: at the clipping bound psi cannot move further out.
        pushing_out = ((psi >= clip) & (theta > 0)) | ((psi <= -clip) & (theta < 0))
        psi_dot = np.where(pushing_out, 0.0, psi_dot)
    elif rule == "wgan_gp":
        # grad_x D = psi at every interpolate, so the penalty is weight * (|psi| - 1)^2.
        theta_dot = -psi
        psi_dot = theta - 2.0 * values["weight"] * (np.abs(psi) - 1.0) * np.sign(psi)
    else:  # instance_noise: L = E[f(psi (theta + e))] + E[f(-psi e)], e ~ N(0, sigma^2)
        eps = values["sigma"] * _NODES
        fake = theta[..., None] + eps  # the noisy fake point, one column per quadrature node
        slope_fake = f_prime(psi[..., None] * fake)
        slope_real = f_prime(-psi[..., None] * eps)
        theta_dot = -np.sum(_WEIGHTS * psi[..., None] * slope_fake, axis=-1)
        psi_dot = np.sum(_WEIGHTS * (fake * slope_fake - eps * slope_real), axis=-1)
    return theta_dot, psi_dot


def jacobian(
    rule: str, point: tuple[float, float] = (0.0, 0.0), *, step: float = 1e-5, **params: float
) -> np.ndarray:
    """The 2x2 Jacobian of ``vector_field`` at ``point`` by central differences (error ~ step^2)."""
    step = positive_float(step, "step")
    _parameters(rule, params)
    theta, psi = number_pair(point, "point")
    columns = []
    for d_theta, d_psi in ((step, 0.0), (0.0, step)):
        plus = np.array(vector_field(theta + d_theta, psi + d_psi, rule, **params), dtype=np.float64)
        minus = np.array(vector_field(theta - d_theta, psi - d_psi, rule, **params), dtype=np.float64)
        columns.append((plus - minus) / (2.0 * step))
    return np.stack(columns, axis=1)


def eigenvalues(rule: str, **params: float) -> np.ndarray:
    """Eigenvalues of the Jacobian at the equilibrium (0, 0), sorted by imaginary part.

    Negative real parts mean the continuous dynamics converge locally; purely imaginary
    ones mean rotation without damping.  Closed forms (f'(0) = 1/2, f''(0) = -1/4):
    gan and non_saturating +-i/2; wgan +-i; r1 -gamma/2 +- sqrt(gamma^2/4 - 1/4);
    instance_noise -sigma^2/4 +- sqrt(sigma^4/16 - 1/4).
    """
    _parameters(rule, params)
    if rule == "wgan_gp":
        raise ValueError("rule 'wgan_gp' has no eigenvalues at (0, 0): its field jumps at psi = 0")
    values = np.linalg.eigvals(jacobian(rule, **params)).astype(np.complex128)
    return values[np.lexsort((values.real, values.imag))]


def simulate(
    rule: str,
    *,
    steps: int,
    lr: float,
    order: str = "simultaneous",
    start: tuple[float, float] = (1.0, 1.0),
    **params: float,
) -> np.ndarray:
    """Gradient steps of size ``lr`` on the Dirac-GAN under the update ``rule``, in the ``order``
    "simultaneous" or "alternating"; returns the (steps + 1, 2) path of (theta, psi).

    ``simultaneous``: both players step from the same point.  ``alternating``: the
    discriminator steps first and the generator answers the updated discriminator, as
    ``gan_lib.training.GAN.train_step`` does.  For wgan, psi is clipped after each of its steps.
    """
    values = _parameters(rule, params)
    steps = positive_int(steps, "steps")
    lr = positive_float(lr, "lr")
    choice(order, "order", ORDERS)
    theta, psi = number_pair(start, "start")
    clip = values.get("clip", np.inf)
    path = np.empty((steps + 1, 2))
    path[0] = theta, psi
    for k in range(1, steps + 1):
        theta_dot, psi_dot = vector_field(theta, psi, rule, **params)
        new_psi = float(np.clip(psi + lr * psi_dot, -clip, clip))
        if order == "alternating":
            theta_dot, _ = vector_field(theta, new_psi, rule, **params)
        theta, psi = theta + lr * float(theta_dot), new_psi
        path[k] = theta, psi
    return path
