"""How Keras' ``fit`` runs a GAN's training step: guarded, and several steps per graph call.

``GuardedFit`` is the ``keras.Model`` that ``gan_lib.training.GAN`` subclasses.  It owns what
sits between ``fit`` and ``train_step``, so that the GAN's module holds the step itself:

- ``fit`` checks the data against the generator's output, adds a ``DivergenceGuard``
  (``gan_lib.divergence``) unless told not to, and sets ``_guarding``, which ``train_step``
  reads to run the guard's in-graph checks;
- ``compile`` refuses keywords that Keras' ``compile`` does not take and, when
  ``steps_per_execution`` is not given, leaves the number of steps per graph call to ``fit``
  (``_execution_length``);
- ``make_train_function`` keeps one traced function per (steps per call, guard on or off), so
  that calls of ``fit`` that alternate between them do not trace again.

The two Keras internals this relies on are in ``gan_lib._keras_internals``.  This module imports
nothing from the training module; a subclass provides ``generator`` and ``train_step``.
"""

from __future__ import annotations

import inspect
from typing import Any

import keras

from gan_lib import _keras_internals
from gan_lib._checks import flag, positive_int
from gan_lib.divergence import DivergenceGuard
from gan_lib.training_parts import check_data


class GuardedFit(keras.Model):
    """Keras' ``fit``, guarded against divergence, with the steps per graph call chosen to fit the epoch."""

    MAX_EXECUTION = 25  # training steps per graph call, at most (see _execution_length)

    def compile(self, **kwargs: Any) -> None:
        """Keras' ``compile``, for the keywords it takes besides ``loss`` (a GAN has its own);
        ``steps_per_execution=None`` (the default) lets ``fit`` choose."""
        super_kwargs = set(inspect.signature(keras.Model.compile).parameters) - {"self", "loss"}
        for name in kwargs:
            if name not in super_kwargs:
                raise ValueError(f"compile got an unknown argument {name!r}")
        # None: fit picks the execution length itself (see _execution_length).
        chosen = kwargs.pop("steps_per_execution", None)
        self._auto_execution = chosen is None
        if chosen is not None:
            kwargs["steps_per_execution"] = positive_int(chosen, "steps_per_execution")
        super().compile(**kwargs)
        self._train_functions: dict[tuple[int, bool], Any] = {}

    def fit(
        self, *args: Any, shuffle: bool = False, divergence_guard: bool = True, **kwargs: Any
    ) -> keras.callbacks.History:
        """Keras' ``fit``, guarded against divergence.

        Shuffling is left to the dataset (``gan_lib.data.as_dataset`` reshuffles every pass),
        so the default here is ``shuffle=False``, which Keras would ignore anyway. With
        ``divergence_guard`` (the default) a ``DivergenceGuard`` stops training at the first
        step whose losses or weights are NaN or Inf, with a ``DivergenceError`` that says
        which, and keeps the last finite weights (``restore_last_good_weights()``).
        """
        if not hasattr(self, "d_optimizer"):
            raise ValueError("compile the GAN before fit")
        divergence_guard = flag(divergence_guard, "divergence_guard")
        check_data(self.generator, args[0] if args else kwargs.get("x"))
        callbacks = list(kwargs.pop("callbacks", None) or [])
        if divergence_guard and not any(isinstance(callback, DivergenceGuard) for callback in callbacks):
            callbacks.append(DivergenceGuard())
        kwargs["callbacks"] = callbacks
        self._guarding = any(isinstance(callback, DivergenceGuard) for callback in callbacks)
        steps = kwargs.get("steps_per_epoch")
        if self._auto_execution:
            self.steps_per_execution = self._execution_length(steps)
        elif steps is not None and steps % self.steps_per_execution:
            raise ValueError(
                f"steps_per_epoch ({steps}) must be a multiple of steps_per_execution ({self.steps_per_execution})"
            )
        return super().fit(*args, shuffle=shuffle, **kwargs)

    def _execution_length(self, steps_per_epoch: int | None) -> int:
        """How many training steps one graph call runs when compile left it to fit.

        Running several steps per call (Keras' ``steps_per_execution``) saves the Python and
        callback round trip of every step. Callbacks then run once per call, so the length is
        the largest divisor of ``steps_per_epoch`` up to ``MAX_EXECUTION`` (Keras would
        otherwise overshoot the epoch), and 1 on Keras versions that unroll the steps in Python
        rather than loop over them in the graph, or under a multi-device strategy.
        """
        if not _keras_internals.loops_steps_in_graph(self):
            return 1
        if self.distribute_strategy.num_replicas_in_sync > 1:
            # Keras 3.15's in-graph loop fails under MirroredStrategy ("You must feed a value for
            # placeholder tensor ..."), so several devices run one step per call.
            return 1
        if steps_per_epoch is None:
            return self.MAX_EXECUTION  # a finite dataset: Keras stops the loop when it runs out
        return max(k for k in range(1, self.MAX_EXECUTION + 1) if steps_per_epoch % k == 0)

    def make_train_function(self, force: bool = False) -> Any:
        # One traced function per (execution length, guard on/off), so that switching between
        # them, as fit calls with different lengths do, does not trace again.
        key = (self.steps_per_execution, getattr(self, "_guarding", False))
        cached = getattr(self, "_train_functions", {}).get(key)
        if cached is not None and not force:
            self.train_function = cached
            return cached
        _keras_internals.build_train_function(self, super().make_train_function)
        if hasattr(self, "_train_functions"):
            self._train_functions[key] = self.train_function
        return self.train_function
