"""LeaseKeeper with a fake store and clock: fair shares, take-over after expiry, release."""

from relay_fakes import FakeOutboxStore

from outbox_relay.domain.slots import SLOT_COUNT, fair_share, rotated
from outbox_relay.service_layer.leases import LeaseKeeper

TTL = 9.0


def keeper(store: FakeOutboxStore, relay_id: str) -> LeaseKeeper:
    return LeaseKeeper(store, relay_id, TTL, clock=store.clock)


def settle(*keepers: LeaseKeeper, rounds: int = 4) -> None:
    for _ in range(rounds):
        for k in keepers:
            k.renew()


def test_fair_shares_cover_every_slot_exactly() -> None:
    for n in range(1, 11):
        relays = [f"relay-{i}" for i in range(n)]
        shares = [fair_share(r, relays) for r in relays]
        assert sum(shares) == SLOT_COUNT and max(shares) - min(shares) <= 1


def test_rotation_starts_at_another_slot_each_turn_and_keeps_all() -> None:
    assert rotated([1, 2, 3], 1) == [2, 3, 1]
    assert rotated([1, 2, 3], 3) == [1, 2, 3]
    assert rotated([], 5) == []


def test_a_lone_relay_takes_every_slot() -> None:
    store = FakeOutboxStore()
    a = keeper(store, "a")
    change = a.renew()
    assert a.slots() == list(range(64)) and change.gained == list(range(64))


def test_a_second_relay_gets_half_and_no_slot_is_held_twice() -> None:
    store = FakeOutboxStore()
    a, b = keeper(store, "a"), keeper(store, "b")
    a.renew()
    settle(b, a, b)
    assert len(a.slots()) == len(b.slots()) == 32
    assert not set(a.slots()) & set(b.slots())


def test_three_relays_split_sixty_four_as_22_21_21() -> None:
    store = FakeOutboxStore()
    relays = [keeper(store, name) for name in "abc"]
    settle(*relays)
    assert sorted(len(k.slots()) for k in relays) == [21, 21, 22]
    assert set().union(*(k.slots() for k in relays)) == set(range(64))


def test_a_stopped_relays_slots_are_taken_over_once_its_leases_expire() -> None:
    store = FakeOutboxStore()
    a, b = keeper(store, "a"), keeper(store, "b")
    settle(a, b)
    store.clock.advance(TTL / 3)
    b.renew()
    assert len(b.slots()) == 32  # a's leases still run
    store.clock.advance(TTL)
    settle(b)
    assert b.slots() == list(range(64))


def test_a_relay_stops_using_slots_it_could_not_renew_in_time() -> None:
    store = FakeOutboxStore()
    a = keeper(store, "a")
    a.renew()
    store.clock.advance(TTL - 0.01)
    assert a.slots()
    store.clock.advance(0.02)
    assert a.slots() == []


def test_renewal_is_due_every_third_of_the_ttl_and_sooner_while_short_of_a_share() -> None:
    store = FakeOutboxStore()
    a = keeper(store, "a")
    a.renew()
    assert a.seconds_to_renewal() == TTL / 3
    b = keeper(store, "b")
    b.renew()  # a still holds all 64: b is short of its share and retries soon
    assert b.seconds_to_renewal() == 0.5


def test_leaving_releases_every_slot_at_once() -> None:
    store = FakeOutboxStore()
    a, b = keeper(store, "a"), keeper(store, "b")
    settle(a, b)
    a.release_all()
    assert a.slots() == [] and "a" not in store.relays
    settle(b)
    assert b.slots() == list(range(64))
