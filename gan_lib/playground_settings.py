"""The 2-D playground's settings, without widgets or training: the datasets (and the reader's own
mixture), the regularisers and their weights, the defaults, the checks a change must pass, and
the recipe that the settings make.  ``gan_lib.playground_2d.Playground`` builds on them.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from gan_lib import data, losses, recipes
from gan_lib._checks import choice, positive_float, positive_int

# name -> the mixture; all equal-weight Gaussian mixtures, so that mode coverage is defined for
# each.  "ring" and "grid" are the benchmark's (``data.RING``, ``data.GRID``; chapter 5).
PLAYGROUND_DATASETS: dict[str, data.Mixture] = {
    mixture.name: mixture
    for mixture in (
        data.RING,
        data.GRID,
        data.Mixture("two modes", np.array([[-1.0, 0.0], [1.0, 0.0]], np.float32), 0.1),
        data.Mixture("line", np.stack([np.linspace(-2.0, 2.0, 5), np.zeros(5)], axis=1).astype(np.float32), 0.05),
        data.Mixture("wide ring", data.ring_centers(6, 1.5), 0.15),
    )
}
# The dataset the reader makes: equal-weight Gaussians arranged on a ring, a line or a square grid,
# from the settings "arrangement", "modes", "radius" and "std" (``custom_centers``).
CUSTOM = "custom"
CUSTOM_SETTINGS = ("arrangement", "modes", "radius", "std")
ARRANGEMENTS = ("ring", "line", "grid")
MAX_MODES = 36
# the stops of the custom dataset's radius and std sliders (a value set in code is added to them)
RADII = tuple(0.25 * k for k in range(1, 21))
STDS = (0.001, 0.002, 0.005, 0.01, 0.02, 0.03, 0.05, 0.1, 0.15, 0.2, 0.3, 0.5, 1.0)
# the stops of the learning rates' and the weight's sliders (a value set in code or typed is added)
LEARNING_RATES = tuple(float(f"{m}e{k}") for k in range(-5, -1) for m in (1, 2, 3, 5)) + (0.1,)
WEIGHTS = tuple(float(f"{m}e{k}") for k in range(-5, 1) for m in (1, 2, 5)) + (10.0,)


def custom_centers(arrangement: str, modes: int, radius: float) -> np.ndarray:
    """Centres of the custom dataset, shape (modes, 2), float32: ``modes`` points on a circle of
    ``radius``; or evenly on the x axis from -radius to radius; or on a square grid from -radius to
    radius on both axes (``modes`` a square number).  A single mode sits at 0 on the line and the grid."""
    arrangement = choice(arrangement, "arrangement", ARRANGEMENTS)
    modes = positive_int(modes, "modes")
    radius = positive_float(radius, "radius")
    if modes > MAX_MODES:
        raise ValueError(f"modes must be at most {MAX_MODES}, got {modes}")
    if arrangement == "ring":
        return data.ring_centers(modes, radius)
    if arrangement == "line":
        xs = np.linspace(-radius, radius, modes) if modes > 1 else np.zeros(1)
        return np.stack([xs, np.zeros(modes)], axis=1).astype(np.float32)
    side = math.isqrt(modes)
    if side * side != modes:
        squares = ", ".join(str(k * k) for k in range(1, math.isqrt(MAX_MODES) + 1))
        raise ValueError(f"a grid needs a square number of modes ({squares}), got {modes}; "
                         f"change the number of modes first")
    return data.grid_centers(side, 2 * radius / (side - 1) if side > 1 else radius)

# regulariser -> (the GAN.compile keyword its weight goes to, the default weight); "none" and
# "spectral_norm" take no weight.  "l2" decays both players' kernels.
REGULARIZERS: dict[str, tuple[str | None, float | None]] = {
    "none": (None, None),
    "r1": ("r1", 0.1),
    "r2": ("r2", 0.1),
    "gradient_penalty": ("gradient_penalty", 1.0),
    "clip_weights": ("clip_weights", 0.01),
    "instance_noise": ("instance_noise", 0.1),
    "label_smoothing": ("label_smoothing", 0.1),
    "l2": ("l2", 1e-4),
    "spectral_norm": (None, None),
}

DEFAULT_SETTINGS: dict[str, Any] = {
    "dataset": "ring",
    "loss": "non_saturating",
    "regularizer": "none",
    "weight": None,
    "d_lr": 1e-3,
    "g_lr": 1e-3,
    "d_steps": 1,
    # the custom dataset's (used only with dataset="custom")
    "arrangement": "ring",
    "modes": 8,
    "radius": 1.0,
    "std": 0.05,
}


def checked_settings(new: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """``new`` (all the settings, ``changes`` applied) checked and completed: a new regulariser gets its
    default weight, one that takes none None; raises ValueError, saying why, for a refused change."""
    unknown = set(changes) - set(DEFAULT_SETTINGS)
    if unknown:
        raise ValueError(f"unknown playground settings {sorted(unknown)}; known: {sorted(DEFAULT_SETTINGS)}")
    new["dataset"] = choice(new["dataset"], "dataset", (*PLAYGROUND_DATASETS, CUSTOM))
    custom = [name for name in CUSTOM_SETTINGS if name in changes]
    if custom and new["dataset"] != CUSTOM:
        raise ValueError(f"{', '.join(custom)}: settings of the custom dataset only; choose dataset='custom' "
                         f"too (the dataset is {new['dataset']!r})")
    new["arrangement"] = choice(new["arrangement"], "arrangement", ARRANGEMENTS)
    new["modes"] = positive_int(new["modes"], "modes")
    new["radius"] = positive_float(new["radius"], "radius")
    new["std"] = positive_float(new["std"], "std")
    if new["dataset"] == CUSTOM:
        centers = custom_centers(new["arrangement"], new["modes"], new["radius"])
        if len(centers) > 1:
            gap = float(min(np.linalg.norm(centers[i] - centers[j])
                            for i in range(len(centers)) for j in range(i)))
            if new["std"] > gap / 6:
                raise ValueError(
                    f"with std {new['std']:.3g} the modes ({gap:.3g} apart) overlap: each counts samples "
                    f"within 3 std, so std must be at most {gap / 6:.3g} here (fewer modes or a larger "
                    f"radius allow more)")
    new["loss"] = choice(new["loss"], "loss", losses.NAMES)
    new["regularizer"] = choice(new["regularizer"], "regularizer", tuple(REGULARIZERS))
    keyword, default = REGULARIZERS[new["regularizer"]]
    if keyword is None:
        new["weight"] = None
    elif new["weight"] is None or ("regularizer" in changes and "weight" not in changes):
        new["weight"] = default  # a newly chosen regulariser starts at its usual weight
    else:
        new["weight"] = positive_float(new["weight"], "weight")
        if new["regularizer"] == "label_smoothing" and new["weight"] >= 1:
            raise ValueError(f"the weight of label_smoothing (1 minus the real target) must be below 1, "
                             f"got {new['weight']}")
    if new["regularizer"] == "label_smoothing" and not losses.get(new["loss"]).cross_entropy:
        raise ValueError(
            f"label_smoothing needs a cross-entropy loss ({', '.join(losses.CROSS_ENTROPY)}), got {new['loss']!r}"
        )
    new["d_lr"] = positive_float(new["d_lr"], "d_lr")
    new["g_lr"] = positive_float(new["g_lr"], "g_lr")
    new["d_steps"] = positive_int(new["d_steps"], "d_steps")
    return new


def mixture(settings: dict[str, Any]) -> tuple[np.ndarray, float]:
    """The data's mode centres and the std of each mode, from the settings."""
    if settings["dataset"] == CUSTOM:
        return custom_centers(settings["arrangement"], settings["modes"], settings["radius"]), settings["std"]
    chosen = PLAYGROUND_DATASETS[settings["dataset"]]
    return chosen.centers, chosen.std


def settings_recipe(settings: dict[str, Any], *, width: int, depth: int, latent_dim: int,
                    batch_size: int) -> recipes.Recipe:
    """The settings (and the networks' sizes) as a ``recipes.Recipe``: constant learning rates, Adam
    betas 0.5 and 0.9."""
    s = settings
    keyword, _ = REGULARIZERS[s["regularizer"]]
    if keyword is None:
        tricks = {}
    elif keyword == "l2":
        tricks = {"d_l2": s["weight"], "g_l2": s["weight"]}
    else:
        tricks = {keyword: s["weight"]}
    return recipes.Recipe(
        f"playground ({s['dataset']})",
        loss=s["loss"],
        d_lr=s["d_lr"],
        g_lr=s["g_lr"],
        beta_2=0.9,
        width=width,
        depth=depth,
        latent_dim=latent_dim,
        spectral_norm=s["regularizer"] == "spectral_norm",
        batch_size=batch_size,
        d_steps=s["d_steps"],
        source="the playground's settings",
        **tricks,
    )


def settings_text(settings: dict[str, Any]) -> str:
    """The settings on one line, as the status line and the figure's title show them."""
    s = settings
    regularizer = s["regularizer"] if s["weight"] is None else f"{s['regularizer']} {s['weight']:g}"
    dataset = s["dataset"]
    if dataset == CUSTOM:
        dataset = f"custom ({s['arrangement']} of {s['modes']}, radius {s['radius']:g}, std {s['std']:g})"
    return (f"{dataset}, {s['loss']}, {regularizer}, lr D {s['d_lr']:g} G {s['g_lr']:g}, "
            f"{s['d_steps']} D step(s) per G step")
