"""Write (or, with --check, verify) the copies of the contract that deployables serve.

contract/ is the one source of the shop's contract. A deployable that serves it keeps a copy
inside its own package (it must install without this repository), marked as a copy:

    uv run python contract/copy.py          # after editing contract/openapi.yaml
    uv run python contract/copy.py --check  # exit 1 if a copy differs (run by make test)
"""

import sys
from pathlib import Path

CONTRACT = Path(__file__).resolve().parent
ROOT = CONTRACT.parent
COPIES = {
    "openapi.yaml": [ROOT / "monolith/src/shop_monolith/web/api/openapi.yaml"],
}
HEADER = (
    "# A copy of contract/{name}, the shop's contract: edit that file, then run\n"
    "# `uv run python contract/copy.py`. Served by this package; checked by make test.\n"
)


def expected(name: str) -> str:
    return HEADER.format(name=name) + (CONTRACT / name).read_text(encoding="utf-8")


def stale_copies() -> list[Path]:
    return [
        copy
        for name, copies in COPIES.items()
        for copy in copies
        if not copy.exists() or copy.read_text(encoding="utf-8") != expected(name)
    ]


def main(argv: list[str]) -> int:
    if argv == ["--check"]:
        stale = stale_copies()
        for copy in stale:
            print(f"{copy.relative_to(ROOT)} differs from the contract: run contract/copy.py")
        return 1 if stale else 0
    if argv:
        print(__doc__, file=sys.stderr)
        return 2
    for name, copies in COPIES.items():
        for copy in copies:
            copy.write_text(expected(name), encoding="utf-8")
            print(f"wrote {copy.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
