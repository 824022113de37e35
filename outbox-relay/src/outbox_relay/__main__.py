"""`python -m outbox_relay` is `outbox-relay`."""

from outbox_relay.entrypoints.cli import main

if __name__ == "__main__":
    main()
