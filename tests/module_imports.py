"""Which gan_lib modules a module imports, read from its source: the tests of the import direction use it."""

import ast
import pathlib


def gan_lib_imports(module) -> set[str]:
    """The gan_lib modules that ``module``'s source imports from, at the top or inside a function."""
    tree = ast.parse(pathlib.Path(module.__file__).read_text())
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported.add(node.module)
    return {name for name in imported if name.split(".")[0] == "gan_lib"}
