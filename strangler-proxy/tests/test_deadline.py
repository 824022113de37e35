"""The per-connection timer: a deadline moved later costs no new timer, and still holds."""

import asyncio

from strangler_proxy.wire.deadline import Deadline


def fired_at(
    *moves: tuple[float, float], cancel_at: float | None = None, clear_at: float | None = None
) -> float | None:
    """Seconds from the start when the deadline fired; `moves` are (when, seconds) pairs."""

    async def main() -> float | None:
        loop = asyncio.get_running_loop()
        start, fired = loop.time(), asyncio.Event()
        when: list[float] = []
        deadline = Deadline(loop, lambda: (when.append(loop.time() - start), fired.set()))
        for at, seconds in moves:
            await asyncio.sleep(max(0.0, at - (loop.time() - start)))
            deadline.set(seconds)
        if cancel_at is not None:
            await asyncio.sleep(max(0.0, cancel_at - (loop.time() - start)))
            deadline.cancel()
        if clear_at is not None:
            await asyncio.sleep(max(0.0, clear_at - (loop.time() - start)))
            deadline.clear()
        try:
            await asyncio.wait_for(fired.wait(), 1.0)
        except TimeoutError:
            return None
        return when[0]

    return asyncio.run(main())


def test_a_deadline_fires_once_at_its_last_setting() -> None:
    moved_later = fired_at((0.0, 0.1), (0.05, 0.2))  # fires at 0.25, not at 0.1
    assert moved_later is not None and 0.23 < moved_later < 0.4
    moved_earlier = fired_at((0.0, 0.5), (0.0, 0.05))
    assert moved_earlier is not None and moved_earlier < 0.2
    assert fired_at((0.0, 0.1), cancel_at=0.05) is None


def test_a_cleared_deadline_does_not_fire_and_a_later_one_still_does() -> None:
    assert fired_at((0.0, 0.1), clear_at=0.05) is None

    async def set_cleared_set() -> list[float]:
        loop = asyncio.get_running_loop()
        start, when = loop.time(), []
        deadline = Deadline(loop, lambda: when.append(loop.time() - start))
        deadline.set(0.05)
        deadline.clear()
        await asyncio.sleep(0.1)  # the first timer has fired, found nothing due, and ended
        deadline.set(0.05)
        await asyncio.sleep(0.2)
        return when

    when = asyncio.run(set_cleared_set())
    assert len(when) == 1 and 0.14 < when[0] < 0.3
