"""Print `name==lower` for the named packages of a requirements file (for `make test-oldest`).

    python scripts/lower_bounds.py requirements.txt tensorflow keras numpy
"""

import re
import sys


def lower_bounds(path: str, names: list[str]) -> list[str]:
    pins = {}
    for line in open(path):
        match = re.match(r"^\s*([A-Za-z0-9_.\-]+)\s*>=\s*([0-9][^,;\s]*)", line)
        if match:
            pins[match.group(1).lower()] = f"{match.group(1)}=={match.group(2)}"
    missing = [name for name in names if name.lower() not in pins]
    if missing:
        raise SystemExit(f"no lower bound in {path} for: {', '.join(missing)}")
    return [pins[name.lower()] for name in names]


if __name__ == "__main__":
    print(" ".join(lower_bounds(sys.argv[1], sys.argv[2:])))
