"""Services: the shop's use cases as transaction scripts, each owning its transactions."""
