"""The first edition's recipes, as dicts: kept while ``book/results/stability.csv`` (made with
them) is still read.

``as_recipe`` turns a name of ``METHODS`` into a ``recipes.Recipe``; ``build`` builds it.  New
code uses ``recipes.Recipe`` values (``recipes.ABLATION``, ``recipes.STABLE``) instead.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from gan_lib import training
from gan_lib._checks import positive_int
from gan_lib.recipes import Recipe, build_gan

#
# A recipe dict holds the adversarial loss, the tricks passed to ``GAN.compile``, the optimiser,
# the MLP architecture, the batch size and the default number of steps.  Every recipe except
# "stable" is "vanilla" with one fix added (with the settings that fix usually comes with, e.g.
# 5 critic steps for the WGANs), so each row of the first edition's table isolates one fix.
#
# - "vanilla": non-saturating loss, no regulariser, MLP 4x128, z 16, Adam 2e-4 (0.5, 0.999),
#   batch 512, 10k steps (the networks and batch of "stable", so that only the fixes differ).
# - The source document's three proposals, as it states them: "tuned_lr" (change the players'
#   learning rates: both 1e-4), "l2" (L2 weight decay on both players; "l1" too),
#   "adam_default_betas" (use Adam, here with its default betas (0.9, 0.999)).
# - One recipe per modern fix: "r1", "r2", "wgan_gp", "wgan_clip", "label_smoothing",
#   "instance_noise", "spectral_norm", "ttur", "d_steps", "ema", "pack".
# - "stable": non-saturating + R1 (gamma 0.1) + generator EMA (0.999), MLP 4x128, z 16, Adam
#   1e-3 (0.5, 0.9), batch 512, 15k steps, and both learning rates decayed linearly to 0 over
#   the second half of training (``lr_decay`` 0.5).  On the grid, seed 0, the decay takes the
#   high-quality fraction at 15k steps from 92.8% to 96.7% (reverse KL 0.0083 -> 0.0043;
#   ``scripts/lr_decay_effect.py``, stored in ``book/results/lr_decay_effect.csv``).

FIRST_EDITION_VANILLA: dict[str, Any] = {
    "loss": "non_saturating",
    "tricks": {},  # keyword arguments of GAN.compile
    "optimizer": "adam",  # "adam" or "rmsprop"
    "d_lr": 2e-4,
    "g_lr": 2e-4,
    "beta_1": 0.5,  # Adam only
    "beta_2": 0.999,
    "width": 128,
    "depth": 4,
    "latent_dim": 16,
    "spectral_norm": False,
    "batch_size": 512,
    "steps": 10_000,
    "lr_decay": 0.0,  # fraction of the steps, at the end, over which both learning rates fall linearly to 0
}


def _variant(**changes: Any) -> dict[str, Any]:
    unknown = set(changes) - set(FIRST_EDITION_VANILLA)
    if unknown:
        raise ValueError(f"unknown recipe keys: {sorted(unknown)}")
    return {**FIRST_EDITION_VANILLA, **changes}


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
    # The combination that works on the grid (see DESIGN.md), with the learning rates annealed
    # over the second half so that the samples settle onto the modes.
    "stable": _variant(
        tricks={"r1": 0.1, "ema": 0.999},
        d_lr=1e-3,
        g_lr=1e-3,
        beta_2=0.9,
        width=128,
        batch_size=512,
        steps=15_000,
        lr_decay=0.5,
    ),
}

def recipe(method: str) -> dict[str, Any]:
    """A copy of the first edition's recipe called ``method`` (one of ``METHODS``), as a dict."""
    if not isinstance(method, str) or method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}; got {method!r}")
    found = METHODS[method]
    return {**found, "tricks": dict(found["tricks"])}


def as_recipe(method: str | Recipe, *, steps: int | None = None) -> Recipe:
    """``method`` as a ``Recipe``: a recipe as it is, or a name of ``METHODS`` converted.

    ``steps`` (default: the recipe's) replaces the training length.
    """
    if isinstance(method, Recipe):
        found = method
    else:
        settings = recipe(method)
        tricks = settings.pop("tricks")
        found = Recipe(method, **settings, **tricks)
    return found if steps is None else dataclasses.replace(found, steps=positive_int(steps, "steps"))


def build(method: str | Recipe, dim: int, *, seed: int, steps: int | None = None) -> training.GAN:
    """A fresh, compiled, untrained GAN for points of size ``dim``, set up as ``method`` says.

    ``method`` is a name of ``METHODS`` or a ``Recipe``; ``build_gan`` builds it.  ``seed``
    fixes the weights (``keras.utils.set_random_seed``) and the noise stream.  ``steps``
    (default: the recipe's) is the training length that a learning-rate decay (recipe key
    ``lr_decay``) is scheduled over.
    """
    chosen = as_recipe(method, steps=steps)
    dim = positive_int(dim, "dim")
    return build_gan(chosen, dim, seed=seed)
