"""The publisher on RabbitMQ: kombu over py-amqp, with pipelined publisher confirms."""
