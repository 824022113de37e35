"""Gateways: clients of systems outside the shop (the payment provider)."""
