"""The relay's use cases over two ports: the outbox store and the publisher."""
