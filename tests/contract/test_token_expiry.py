"""A bearer token is refused once its lifetime (`expires_in` of the token answer) is over.

Waiting out a token takes its lifetime, so the contract suite's own topology gives tokens a
short one (`SHOP_TOKEN_TTL_SECONDS` in topology/topology.toml); against a shop whose tokens
live longer than `MAX_WAIT_S` the test is skipped. The suite's callers log in again before
their tokens expire (client.py), so the rest of the suite runs with short lifetimes too.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from client import API, PASSWORD, Customer, ShopClient, login
from problems import assert_problem, assert_status, describe

pytestmark = pytest.mark.slow

MAX_WAIT_S = 60  # longest token lifetime this test waits out
# The shop may count whole seconds (a JWT's `exp`), so a token may die up to a second before
# `expires_in` from the answer; and it is surely dead a little after `expires_in` from when
# the answer arrived.
STILL_VALID_BEFORE_END_S = 2.0
DEAD_AFTER_END_S = 1.5


def issue(anon: ShopClient, email: str, password: str) -> tuple[dict[str, Any], float, float]:
    """A fresh token answer, with the monotonic times its request left and its answer came."""
    sent = time.monotonic()
    issued = login(anon, email, password)
    return issued, sent, time.monotonic()


def sleep_until(moment: float) -> None:
    time.sleep(max(0.0, moment - time.monotonic()))


def protected_reads(admin_token: bool) -> list[str]:
    if admin_token:
        return [f"{API}/admin/orders", f"{API}/admin/products", f"{API}/customers/me"]
    return [f"{API}/customers/me", f"{API}/basket", f"{API}/orders"]


def test_an_expired_token_is_refused_and_a_new_login_works(
    anon: ShopClient, admin: ShopClient, customer: Customer
) -> None:
    assert admin.credentials is not None
    tokens = {
        "customer": issue(anon, customer.email, PASSWORD),
        "admin": issue(anon, *admin.credentials),
    }
    longest = max(issued["expires_in"] for issued, _, _ in tokens.values())
    if longest > MAX_WAIT_S:
        pytest.skip(
            f"this shop's tokens live {longest} s, longer than this test waits "
            f"({MAX_WAIT_S} s); the suite's own topology sets SHOP_TOKEN_TTL_SECONDS low"
        )

    for who, (issued, sent, _) in tokens.items():
        lifetime = issued["expires_in"]
        caller = anon.with_token(issued["access_token"])
        paths = protected_reads(who == "admin")
        for path in paths:
            assert_status(caller.get(path), 200)
        if lifetime > 2 * STILL_VALID_BEFORE_END_S:  # still accepted just before its end
            sleep_until(sent + lifetime - STILL_VALID_BEFORE_END_S)
            response = caller.get(paths[0])
            assert response.status_code == 200, (
                f"the {who}'s token is refused before the end of its {lifetime} s:"
                f"{describe(response)}"
            )

    for who, (issued, _, answered) in tokens.items():
        lifetime = issued["expires_in"]
        sleep_until(answered + lifetime + DEAD_AFTER_END_S)
        caller = anon.with_token(issued["access_token"])
        for path in protected_reads(who == "admin"):
            response = caller.get(path)
            assert response.status_code == 401, (
                f"the {who}'s token is still accepted after its {lifetime} s:{describe(response)}"
            )
            assert_problem(response, 401, "unauthorized")
        expired_write = caller.put(f"{API}/basket/items/{customer.id}", json={"quantity": 1})
        assert_problem(expired_write, 401, "unauthorized")

    fresh, _, _ = issue(anon, customer.email, PASSWORD)
    me = anon.with_token(fresh["access_token"]).get(f"{API}/customers/me")
    assert_status(me, 200)
    assert me.json()["id"] == customer.id
    # The suite's own callers log in again by themselves.
    assert_status(customer.api.get(f"{API}/customers/me"), 200)
    assert_status(admin.get(f"{API}/admin/orders"), 200)
