"""steps.tags: the step tags in order, those a trailer names but no tag has yet, --only."""

from pathlib import Path

import pytest
from steps import tags
from steps.tags import git


def test_step_tags_are_ordered_by_their_number_not_by_name(repo: Path) -> None:
    for tag in ["step-10-late", "step-9-earlier", "stepping-stone", "step-x-no-number"]:
        git(repo, "tag", tag)

    found = tags.discover_steps(repo)

    assert [step.tag for step in found] == [
        "step-0-monolith",
        "step-2-modular-monolith",
        "step-9-earlier",
        "step-10-late",
    ]
    assert found[0].commit == git(repo, "rev-parse", "step-0-monolith^{commit}")


def test_missing_tags_are_recreated_from_trailers_first(repo: Path) -> None:
    assert tags.missing_trailer_tags(repo) == [
        ("step-1-strangler-proxy", git(repo, "rev-parse", "HEAD~2"))
    ]
    assert [step.tag for step in tags.planned_steps(repo)] == [
        "step-0-monolith",
        "step-1-strangler-proxy",
        "step-2-modular-monolith",
    ]

    output = tags.recreate_tags(repo)

    assert "created step-1-strangler-proxy" in output
    assert [step.tag for step in tags.discover_steps(repo)] == [
        "step-0-monolith",
        "step-1-strangler-proxy",
        "step-2-modular-monolith",
    ]
    assert tags.missing_trailer_tags(repo) == []
    assert tags.recreate_tags(repo, quiet=True) == ""


def test_a_step_tagged_at_head_is_marked(repo: Path) -> None:
    git(repo, "tag", "-a", "step-3-extract-catalog", "-m", "step-3-extract-catalog")

    step = tags.discover_steps(repo)[-1]

    assert (step.tag, step.is_head) == ("step-3-extract-catalog", True)
    assert not any(step.is_head for step in tags.discover_steps(repo)[:-1])


def test_only_selects_known_tags_and_rejects_unknown_ones(repo: Path) -> None:
    found = tags.discover_steps(repo)

    assert [s.tag for s in tags.select_steps(found, ["step-2-modular-monolith"])] == [
        "step-2-modular-monolith"
    ]
    with pytest.raises(SystemExit, match=r"unknown step tag.*step-7-nope"):
        tags.select_steps(found, ["step-7-nope"])
