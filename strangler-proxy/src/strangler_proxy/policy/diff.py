"""Comparing two responses the way Diffy does: field by field, minus known and measured noise."""

import fnmatch
import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

COMPARED_HEADERS = (b"content-type",)
_MISSING = object()


@dataclass(frozen=True)
class Difference:
    path: str  # "status", "header.content-type", "body", or a JSON path like "items.3.price"
    primary: Any
    candidate: Any


@dataclass(frozen=True)
class Snapshot:
    status: int
    headers: dict[bytes, bytes]
    body: bytes


def _walk(path: str, a: Any, b: Any, out: list[Difference]) -> None:
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b), key=str):
            _walk(
                f"{path}.{key}" if path else str(key),
                a.get(key, _MISSING),
                b.get(key, _MISSING),
                out,
            )
    elif isinstance(a, list) and isinstance(b, list):
        for index in range(max(len(a), len(b))):
            left = a[index] if index < len(a) else _MISSING
            right = b[index] if index < len(b) else _MISSING
            _walk(f"{path}.{index}" if path else str(index), left, right, out)
    elif a != b or type(a) is not type(b):
        shown = [None if v is _MISSING else v for v in (a, b)]
        out.append(Difference(path or "body", shown[0], shown[1]))


def compare(
    primary: Snapshot, candidate: Snapshot, *, ignore: tuple[str, ...] = ()
) -> list[Difference]:
    """Differences between two responses; JSON bodies field by field, other bodies as a whole."""
    found: list[Difference] = []
    if primary.status != candidate.status:
        found.append(Difference("status", primary.status, candidate.status))
    for name in COMPARED_HEADERS:
        left, right = primary.headers.get(name), candidate.headers.get(name)
        if left != right:
            found.append(Difference(f"header.{name.decode()}", _text(left), _text(right)))
    if primary.body == candidate.body:
        return _without_ignored(found, ignore)  # equal bytes: no need to parse anything
    try:
        left_json, right_json = json.loads(primary.body), json.loads(candidate.body)
    except ValueError:
        if primary.body != candidate.body:
            found.append(Difference("body", _excerpt(primary.body), _excerpt(candidate.body)))
    else:
        _walk("", left_json, right_json, found)
    return _without_ignored(found, ignore)


def _without_ignored(found: list[Difference], ignore: tuple[str, ...]) -> list[Difference]:
    return [d for d in found if not any(fnmatch.fnmatchcase(d.path, p) for p in ignore)]


def _excerpt(body: bytes, limit: int = 200) -> str:
    text = body[:limit].decode("utf-8", "replace")
    return text + f"... ({len(body)} bytes)" if len(body) > limit else text


def _text(value: bytes | None) -> str | None:
    return None if value is None else value.decode("latin-1")


@dataclass
class NoiseModel:
    """How often each field differs when the primary is compared with itself."""

    samples: int = 0
    differing: Counter[str] = field(default_factory=Counter)

    def learn(self, differences: list[Difference]) -> None:
        self.samples += 1
        self.differing.update({_general(d.path) for d in differences})

    def noisy(self, path: str, *, threshold: float) -> bool:
        if self.samples == 0:
            return False
        return self.differing[_general(path)] / self.samples > threshold


def _general(path: str) -> str:
    """items.3.price -> items.*.price: list positions count as one field."""
    return ".".join("*" if part.isdigit() else part for part in path.split("."))


def real_differences(
    primary: Snapshot,
    candidate: Snapshot,
    again: Snapshot | None,
    noise: NoiseModel,
    *,
    ignore: tuple[str, ...] = (),
    threshold: float = 0.05,
) -> list[Difference]:
    """The candidate's differences from the primary worth reporting (ADR-0009).

    `again` is the primary's second answer to the same request (the noise copy), or None when
    this request took none. The noise model learns from it; then a difference is dropped if the
    same field also differed between the two primary answers, or if the field's learned noise
    rate is above `threshold`."""
    noise_now = [] if again is None else compare(primary, again, ignore=ignore)
    if again is not None:
        noise.learn(noise_now)
    noisy_now = {d.path for d in noise_now}
    return [
        d
        for d in compare(primary, candidate, ignore=ignore)
        if d.path not in noisy_now and not noise.noisy(d.path, threshold=threshold)
    ]
