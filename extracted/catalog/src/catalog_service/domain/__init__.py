"""The catalog's model: plain Python, knowing nothing of databases, HTTP or brokers."""
