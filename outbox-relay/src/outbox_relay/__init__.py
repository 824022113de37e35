"""Publishes a transactional outbox table to RabbitMQ, in nameko's event format."""
