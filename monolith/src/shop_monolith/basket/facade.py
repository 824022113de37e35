"""The basket as the rest of the shop sees it: plain functions answering frozen values.

`lock` and `remove_products` join the caller's transaction (the checkout holds the basket
while it writes the order; a paid order takes its products out of the basket).
"""

from shop_monolith.basket.services import (
    MAX_QUANTITY,
    BasketLineView,
    BasketView,
    clear,
    lines,
    lock,
    remove,
    remove_products,
    set_quantity,
    view,
)

__all__ = [
    "MAX_QUANTITY",
    "BasketLineView",
    "BasketView",
    "clear",
    "lines",
    "lock",
    "remove",
    "remove_products",
    "set_quantity",
    "view",
]
