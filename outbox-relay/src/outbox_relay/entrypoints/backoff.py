"""How long to wait before trying a failed dependency again."""


class Backoff:
    """0.2 s, doubled on each failure in a row up to 5 s; back to the start after a success."""

    def __init__(self, first: float = 0.2, most: float = 5.0) -> None:
        self._first, self._most, self._next = first, most, first

    def delay(self) -> float:
        delay, self._next = self._next, min(self._next * 2, self._most)
        return delay

    def reset(self) -> None:
        self._next = self._first
