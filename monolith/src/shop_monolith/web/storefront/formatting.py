"""How money and rejection reasons read on a page."""

SYMBOLS = {"EUR": "€", "GBP": "£", "USD": "$"}
REJECTION_REASONS = {
    "out_of_stock": "Some items were no longer in stock.",
    "product_unavailable": "Some items are no longer sold.",
    "payment_declined": "The card was declined.",
    "payment_timeout": "The payment provider did not answer in time.",
}


def money(amount: int, currency: str) -> str:
    """Integer minor units as a price: money(1999, "EUR") == "€19.99"."""
    sign = "-" if amount < 0 else ""
    major, minor = divmod(abs(amount), 100)
    number = f"{major:,}.{minor:02d}"
    symbol = SYMBOLS.get(currency)
    return f"{sign}{symbol}{number}" if symbol else f"{sign}{number} {currency}"


def rejection_reason(reason: str | None) -> str:
    if reason is None:
        return ""
    return REJECTION_REASONS.get(reason, reason.replace("_", " ").capitalize() + ".")
