"""Which gan_lib modules a module imports, read from its source: the tests of the import direction use it."""

import ast
import pathlib
import types

GAN_LIB = pathlib.Path(__file__).resolve().parents[1] / "gan_lib"


def imports(module: types.ModuleType | str) -> tuple[set[str], set[str]]:
    """(modules, "module.name" pairs) that ``module``'s source imports, at the top or inside a
    function; ``module`` is a module object or the name of a file in gan_lib/."""
    path = pathlib.Path(module.__file__) if isinstance(module, types.ModuleType) else GAN_LIB / f"{module}.py"
    modules, names = set(), set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            modules |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            modules.add(node.module)
            names |= {f"{node.module}.{alias.name}" for alias in node.names}
    return modules, names


def gan_lib_imports(module: types.ModuleType | str) -> set[str]:
    """The gan_lib modules that ``module``'s source imports from ("gan_lib", "gan_lib._checks", ...)."""
    modules, _ = imports(module)
    return {name for name in modules if name.split(".")[0] == "gan_lib"}


def gan_lib_parts(module: types.ModuleType | str) -> set[str]:
    """The short names of every gan_lib module, and every name, that ``module`` imports from
    gan_lib: ``from gan_lib import results`` and ``from gan_lib.results import html_table`` both
    give "results" (the latter also "html_table")."""
    modules, names = imports(module)
    found = modules | names
    return {part for name in found if name.split(".")[0] == "gan_lib" for part in name.split(".")[1:]}
