"""contract/ is the one source; the copies deployables serve are exact, marked copies."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[2]
COPY = ROOT / "contract" / "copy.py"


def check(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(root / "contract" / "copy.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )


def test_every_copy_of_the_contract_is_up_to_date() -> None:
    result = check(ROOT)
    assert result.returncode == 0, result.stdout


def test_a_copy_edited_by_hand_is_caught(tmp_path: Path) -> None:
    contract = tmp_path / "contract"
    served = tmp_path / "monolith/src/shop_monolith/web/api/openapi.yaml"
    contract.mkdir()
    served.parent.mkdir(parents=True)
    (contract / "copy.py").write_text(COPY.read_text())
    (contract / "openapi.yaml").write_text("openapi: 3.1.0\n")
    assert check(tmp_path).returncode == 1  # no copy yet

    subprocess.run([sys.executable, str(contract / "copy.py")], check=True, capture_output=True)
    assert check(tmp_path).returncode == 0
    assert served.read_text().startswith("# A copy of contract/openapi.yaml")

    served.write_text(served.read_text() + "x-edited: here\n")
    result = check(tmp_path)
    assert result.returncode == 1 and "differs from the contract" in result.stdout
