"""The shadow comparison without sockets: responses compared field by field, and the noise filter
that keeps a field the primary disagrees with itself about from being reported (ADR-0009)."""

import json
from typing import Any

import pytest

from strangler_proxy.policy.diff import (
    Difference,
    NoiseModel,
    Snapshot,
    compare,
    real_differences,
)

JSON = {b"content-type": b"application/json"}


def answer(body: Any, *, status: int = 200, headers: dict[bytes, bytes] = JSON) -> Snapshot:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return Snapshot(status, headers, raw)


def paths(differences: list[Difference]) -> list[str]:
    return [d.path for d in differences]


def test_equal_answers_have_no_differences() -> None:
    assert compare(answer({"a": 1}), answer({"a": 1})) == []
    assert compare(answer(b"not json"), answer(b"not json")) == []


def test_key_order_and_whitespace_do_not_matter() -> None:
    assert compare(answer(b'{"a": 1, "b": [1, 2]}'), answer(b'{ "b":[1,2],"a":1 }')) == []


def test_fields_are_named_by_their_path_with_both_values() -> None:
    primary = answer({"items": [{"price": 1}, {"price": 2}], "total": 3})
    candidate = answer({"items": [{"price": 1}, {"price": 5}], "total": 3})
    assert compare(primary, candidate) == [Difference("items.1.price", 2, 5)]


def test_list_positions_and_value_types_matter() -> None:
    assert compare(answer([1, 2]), answer([2, 1])) == [Difference("0", 1, 2), Difference("1", 2, 1)]
    assert compare(answer({"n": 1}), answer({"n": 1.0})) == [Difference("n", 1, 1.0)]
    assert compare(answer({"n": 1}), answer({"n": True})) == [Difference("n", 1, True)]


def test_a_missing_field_or_list_item_is_a_difference_with_none() -> None:
    assert compare(answer({"a": 1, "b": 2}), answer({"a": 1})) == [Difference("b", 2, None)]
    assert compare(answer([1]), answer([1, 2])) == [Difference("1", None, 2)]


def test_status_and_content_type_are_compared_other_headers_are_not() -> None:
    primary = answer({"a": 1}, headers={**JSON, b"etag": b'"1"'})
    candidate = answer({"a": 1}, status=201, headers={b"content-type": b"text/json"})
    assert compare(primary, candidate) == [
        Difference("status", 200, 201),
        Difference("header.content-type", "application/json", "text/json"),
    ]


def test_a_body_that_is_not_json_is_one_difference_cut_at_200_characters() -> None:
    long = b"x" * 300
    [difference] = compare(answer(b"<p>old</p>"), answer(long))
    assert difference.path == "body"
    assert difference.primary == "<p>old</p>"
    assert difference.candidate == "x" * 200 + "... (300 bytes)"


def test_ignored_globs_drop_fields_at_any_depth() -> None:
    primary = answer({"created_at": 1, "items": [{"created_at": 1, "sku": "A"}]})
    candidate = answer({"created_at": 2, "items": [{"created_at": 2, "sku": "B"}]})
    assert paths(compare(primary, candidate, ignore=("*.created_at",))) == [
        "created_at",  # "*.created_at" needs a parent; the top-level field is named alone
        "items.0.sku",
    ]
    assert paths(compare(primary, candidate, ignore=("*created_at",))) == ["items.0.sku"]
    assert paths(compare(primary, candidate, ignore=("*.Created_At",))) == [
        "created_at",
        "items.0.created_at",
        "items.0.sku",
    ]  # globs are case-sensitive


def test_the_noise_model_counts_how_often_each_field_differs() -> None:
    noise = NoiseModel()
    assert not noise.noisy("id", threshold=0.05)  # nothing learned yet: nothing is noise
    for n in range(20):
        noise.learn([Difference("id", n, n + 1)] if n < 2 else [])
    assert noise.samples == 20 and noise.differing["id"] == 2
    assert noise.noisy("id", threshold=0.05)  # 10% of the samples, above 5%
    assert not noise.noisy("id", threshold=0.1)  # at the threshold is not above it
    assert not noise.noisy("price", threshold=0.0)


def test_list_positions_are_folded_into_one_field() -> None:
    noise = NoiseModel()
    noise.learn([Difference("items.3.stamp", 1, 2)])
    noise.learn([Difference("items.7.stamp", 1, 2)])
    assert noise.differing["items.*.stamp"] == 2
    assert noise.noisy("items.0.stamp", threshold=0.5)
    assert not noise.noisy("items.0.price", threshold=0.5)


def test_a_field_the_primary_disagrees_with_itself_about_is_not_reported() -> None:
    primary = answer({"price": 1, "nonce": 10})
    again = answer({"price": 1, "nonce": 11})
    candidate = answer({"price": 2, "nonce": 12})
    noise = NoiseModel()
    real = real_differences(primary, candidate, again, noise, threshold=1.0)
    assert real == [Difference("price", 1, 2)]
    assert noise.samples == 1 and noise.differing["nonce"] == 1  # learned from the noise copy


def test_without_a_noise_copy_the_learned_rate_filters_and_nothing_is_learned() -> None:
    noise = NoiseModel()
    noise.learn([Difference("nonce", 1, 2)])  # one sample so far, and nonce differed
    primary, candidate = answer({"price": 1, "nonce": 1}), answer({"price": 2, "nonce": 2})
    real = real_differences(primary, candidate, None, noise, threshold=0.05)
    assert real == [Difference("price", 1, 2)]
    assert noise.samples == 1  # no noise copy, nothing learned


@pytest.mark.parametrize(("differed", "reported"), [(1, True), (2, False)])
def test_a_field_is_reported_only_while_its_noise_rate_is_not_above_the_threshold(
    differed: int, reported: bool
) -> None:
    noise = NoiseModel()
    for n in range(20):
        noise.learn([Difference("stamp", 0, 1)] if n < differed else [])
    primary, candidate = answer({"stamp": 1}), answer({"stamp": 2})
    real = real_differences(primary, candidate, None, noise, threshold=0.05)
    assert bool(real) is reported  # 1 in 20 is 5%, at the threshold; 2 in 20 is above it


def test_ignored_fields_are_neither_reported_nor_learned() -> None:
    noise = NoiseModel()
    primary, again = answer({"at": 1, "price": 1}), answer({"at": 2, "price": 1})
    candidate = answer({"at": 3, "price": 1})
    assert real_differences(primary, candidate, again, noise, ignore=("at",)) == []
    assert noise.samples == 1 and not noise.differing
