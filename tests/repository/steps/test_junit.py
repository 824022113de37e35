"""steps.junit: pytest's junit file read back as node ids, outcomes and counts."""

from pathlib import Path

from steps import junit

# What pytest writes with --junitxml: classname is the node id's path made dotted (plus the
# class), name keeps the parameters; a teardown error after a failure is a second test case.
JUNIT = """<?xml version="1.0" encoding="utf-8"?>
<testsuites name="pytest tests"><testsuite name="pytest" errors="3" failures="2" skipped="1"
 tests="8">
<testcase classname="tests.contract.test_orders" name="test_cancel"><failure message="x"/>
</testcase>
<testcase classname="tests.contract.test_orders" name="test_ship[GET /x::y.z]"/>
<testcase classname="tests.contract.test_orders.TestBasket" name="test_add"/>
<testcase classname="tests.contract.test_orders" name="test_setup_error">
<error message="failed on setup with &quot;RuntimeError&quot;"/></testcase>
<testcase classname="tests.contract.test_orders" name="test_teardown_error"><failure/></testcase>
<testcase classname="tests.contract.test_orders" name="test_teardown_error">
<error message="failed on teardown"/></testcase>
<testcase classname="tests.contract.test_orders" name="test_skipped"><skipped/></testcase>
<testcase classname="" name="tests.contract.test_gone"><error message="collection failure"/>
</testcase>
</testsuite></testsuites>
"""


def test_junit_test_cases_become_node_ids_and_counts(tmp_path: Path) -> None:
    (tmp_path / "tests" / "contract").mkdir(parents=True)
    (tmp_path / "tests" / "contract" / "test_orders.py").touch()
    (tmp_path / "tests" / "contract" / "test_gone.py").touch()
    junit_file = tmp_path / "junit.xml"
    junit_file.write_text(JUNIT)

    assert junit.junit_outcomes(junit_file, tmp_path) == {
        "tests/contract/test_orders.py::test_cancel": "failed",
        "tests/contract/test_orders.py::test_ship[GET /x::y.z]": "passed",
        "tests/contract/test_orders.py::TestBasket::test_add": "passed",
        "tests/contract/test_orders.py::test_setup_error": "failed",  # setup error
        "tests/contract/test_orders.py::test_teardown_error": "failed",  # reported twice
        "tests/contract/test_orders.py::test_skipped": "skipped",
        "tests/contract/test_gone.py": "failed",  # a module that failed to collect
    }
    assert junit.failed_tests(junit_file, tmp_path) == [
        "tests/contract/test_orders.py::test_cancel",
        "tests/contract/test_orders.py::test_setup_error",
        "tests/contract/test_orders.py::test_teardown_error",
        "tests/contract/test_gone.py",
    ]
    result = junit.parse_junit(junit_file, 1, tmp_path)
    assert (result.passed, result.failed, result.skipped, result.exit_code) == (2, 4, 1, 1)
    assert result.cell() == "2 passed, 4 failed, 1 skipped"
    assert not result.ok
    assert (
        junit.parse_junit(tmp_path / "absent.xml", 4, tmp_path).cell()
        == "FAILED (no results, pytest exit 4)"
    )
