"""Test doubles for the monolith's ports."""

import uuid

from shop_monolith.payments.facade import (
    AbstractPaymentProvider,
    CardDetails,
    ChargeResult,
    ProviderTimeout,
)

APPROVE, DECLINE, TIME_OUT = "4242424242424242", "4000000000000002", "4000000000000119"


class FakePaymentProvider(AbstractPaymentProvider):
    """In memory, for unit tests (the shop runs SandboxPaymentProvider). A timing-out card can
    be told to have been charged after all."""

    def __init__(self, *, charge_on_timeout: bool = False) -> None:
        self.charges: dict[str, ChargeResult] = {}
        self.refunded: list[str] = []
        self.charge_on_timeout = charge_on_timeout

    def charge(self, *, key: str, amount: int, currency: str, card: CardDetails) -> ChargeResult:
        if key in self.charges:
            return self.charges[key]
        if card.number == TIME_OUT:
            if self.charge_on_timeout:
                self.charges[key] = ChargeResult(f"ch_{uuid.uuid4().hex}", approved=True)
            raise ProviderTimeout(key)
        result = ChargeResult(f"ch_{uuid.uuid4().hex}", approved=card.number == APPROVE)
        self.charges[key] = result
        return result

    def lookup(self, *, key: str) -> ChargeResult | None:
        return self.charges.get(key)

    def refund(self, *, charge_id: str) -> None:
        """Like the sandbox provider: only an approved charge it made can be refunded."""
        if not any(c.charge_id == charge_id and c.approved for c in self.charges.values()):
            raise ValueError(f"no approved charge {charge_id} to refund")
        self.refunded.append(charge_id)
