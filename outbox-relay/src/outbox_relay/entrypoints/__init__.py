"""How the relay is run: the command line, the relay loop, the HTTP listener, metrics, logs."""
