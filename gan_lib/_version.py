"""gan_lib's version, in a module of its own: ``gan_lib/__init__`` re-exports it, and a module that
needs it (the judge's cache key) reads it here rather than from the package, which imports every module."""

__version__ = "0.2.0"
