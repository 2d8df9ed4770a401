"""Named training recipes for the stability experiments, and one function that trains one.

A recipe is a plain dict: the adversarial loss, the tricks passed to ``GAN.compile``, the
optimiser, the MLP architecture, the batch size and the default number of steps.  Every
recipe except "stable" is "vanilla" with one fix added (with the settings that fix usually
comes with, e.g. 5 critic steps for the WGANs), so each row of the ablation table isolates
one fix.

- "vanilla": non-saturating loss, no regulariser, MLP 4x256, z 16, Adam 2e-4 (0.5, 0.999),
  batch 256, 20k steps.
- The source document's three proposals, as it states them: "tuned_lr" (change the
  players' learning rates: both 1e-4), "l2" (L2 weight decay on both players; "l1" too),
  "adam_default_betas" (use Adam, here with its default betas (0.9, 0.999)).
- One recipe per modern fix: "r1", "r2", "wgan_gp", "wgan_clip", "label_smoothing",
  "instance_noise", "spectral_norm", "ttur", "d_steps", "ema", "pack".
- "stable": non-saturating + R1 (gamma 0.1) + generator EMA (0.999), MLP 4x128, z 16,
  Adam 1e-3 (0.5, 0.9), batch 512, 15k steps.
"""

from __future__ import annotations

from typing import Any

import keras
import numpy as np

from gan_lib import data, models, training
from gan_lib._checks import finite_matrix, positive_int

VANILLA: dict[str, Any] = {
    "loss": "non_saturating",
    "tricks": {},  # keyword arguments of GAN.compile
    "optimizer": "adam",  # "adam" or "rmsprop"
    "d_lr": 2e-4,
    "g_lr": 2e-4,
    "beta_1": 0.5,  # Adam only
    "beta_2": 0.999,
    "width": 256,
    "depth": 4,
    "latent_dim": 16,
    "spectral_norm": False,
    "batch_size": 256,
    "steps": 20_000,
}


def _variant(**changes: Any) -> dict[str, Any]:
    unknown = set(changes) - set(VANILLA)
    if unknown:
        raise ValueError(f"unknown recipe keys: {sorted(unknown)}")
    return {**VANILLA, **changes}


METHODS: dict[str, dict[str, Any]] = {
    "vanilla": _variant(),
    # The source document's proposals.
    "tuned_lr": _variant(d_lr=1e-4, g_lr=1e-4),
    "l1": _variant(tricks={"d_l1": 1e-5, "g_l1": 1e-5}),
    "l2": _variant(tricks={"d_l2": 1e-4, "g_l2": 1e-4}),
    "adam_default_betas": _variant(beta_1=0.9, beta_2=0.999),
    # The modern fixes, one at a time.
    "r1": _variant(tricks={"r1": 0.1}),
    "r2": _variant(tricks={"r2": 0.1}),
    "wgan_gp": _variant(
        loss="wasserstein", tricks={"gradient_penalty": 0.1, "d_steps": 5}, d_lr=1e-4, g_lr=1e-4, beta_2=0.9
    ),
    "wgan_clip": _variant(
        loss="wasserstein", tricks={"clip_weights": 0.01, "d_steps": 5}, optimizer="rmsprop", d_lr=5e-5, g_lr=5e-5
    ),
    "label_smoothing": _variant(tricks={"label_smoothing": 0.1}),
    "instance_noise": _variant(tricks={"instance_noise": 0.5, "instance_noise_steps": 10_000}),
    "spectral_norm": _variant(spectral_norm=True),
    "ttur": _variant(d_lr=4e-4, g_lr=1e-4),
    "d_steps": _variant(tricks={"d_steps": 2}),
    "ema": _variant(tricks={"ema": 0.999}),
    "pack": _variant(tricks={"pack": 4}),
    # The combination that works on the grid (see DESIGN.md).
    "stable": _variant(
        tricks={"r1": 0.1, "ema": 0.999},
        d_lr=1e-3,
        g_lr=1e-3,
        beta_2=0.9,
        width=128,
        batch_size=512,
        steps=15_000,
    ),
}


def recipe(method: str) -> dict[str, Any]:
    """A copy of the recipe called ``method`` (one of ``METHODS``)."""
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}; got {method!r}")
    found = METHODS[method]
    return {**found, "tricks": dict(found["tricks"])}


def _optimizer(settings: dict[str, Any], learning_rate: float) -> keras.optimizers.Optimizer:
    if settings["optimizer"] == "adam":
        return keras.optimizers.Adam(learning_rate, beta_1=settings["beta_1"], beta_2=settings["beta_2"])
    if settings["optimizer"] == "rmsprop":
        return keras.optimizers.RMSprop(learning_rate)
    raise ValueError(f"optimizer must be 'adam' or 'rmsprop', got {settings['optimizer']!r}")


def build(method: str, dim: int, *, seed: int) -> training.GAN:
    """A fresh, compiled, untrained GAN for points of size ``dim``, set up as ``method`` says.

    ``seed`` fixes the weights (``keras.utils.set_random_seed``) and the noise stream.
    """
    settings = recipe(method)
    dim = positive_int(dim, "dim")
    keras.utils.set_random_seed(seed)
    pack = settings["tricks"].get("pack", 1)
    generator = models.mlp_generator(settings["latent_dim"], dim, width=settings["width"], depth=settings["depth"])
    discriminator = models.mlp_discriminator(
        pack * dim, width=settings["width"], depth=settings["depth"], spectral_norm=settings["spectral_norm"]
    )
    gan = training.GAN(generator, discriminator, latent_dim=settings["latent_dim"], seed=seed)
    gan.compile(
        _optimizer(settings, settings["d_lr"]),
        _optimizer(settings, settings["g_lr"]),
        loss=settings["loss"],
        **settings["tricks"],
    )
    return gan


def train(points: np.ndarray, *, method: str, seed: int, steps: int | None = None) -> training.GAN:
    """Train the recipe ``method`` on the rows of ``points`` ((n, dim) floats) and return the GAN.

    ``steps`` defaults to the recipe's; batches are drawn with ``gan_lib.data.as_dataset``
    (reshuffled every pass, seeded by ``seed``), so ``n`` must be at least the batch size.
    """
    points = finite_matrix(points, "points").astype(np.float32)
    settings = recipe(method)
    steps = settings["steps"] if steps is None else positive_int(steps, "steps")
    gan = build(method, points.shape[1], seed=seed)
    dataset = data.as_dataset(points, settings["batch_size"], seed=seed)
    gan.fit(dataset, epochs=1, steps_per_epoch=steps, verbose=0)
    return gan
