"""What the relay works with: outbox events, what became of them, slots; no I/O."""
