"""The payment-provider port: what the shop needs from whoever moves the money."""

from abc import ABC, abstractmethod
from dataclasses import dataclass


@dataclass(frozen=True)
class CardDetails:
    number: str
    expiry_month: int
    expiry_year: int
    cvc: str

    @property
    def last4(self) -> str:
        return self.number[-4:]


@dataclass(frozen=True)
class ChargeResult:
    charge_id: str
    approved: bool
    decline_reason: str | None = None


class ProviderTimeout(Exception):
    """The provider did not answer in time: the charge may or may not have happened."""


class AbstractPaymentProvider(ABC):
    @abstractmethod
    def charge(self, *, key: str, amount: int, currency: str, card: CardDetails) -> ChargeResult:
        """Charge the card once per key: a repeated key answers the first result."""

    @abstractmethod
    def lookup(self, *, key: str) -> ChargeResult | None:
        """The result of an earlier charge with this key, or None if the provider has none."""

    @abstractmethod
    def refund(self, *, charge_id: str) -> None:
        """Give an approved charge back in full; refunding twice is harmless."""
