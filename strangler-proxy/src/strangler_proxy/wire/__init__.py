"""The wire: HTTP/1.1 as bytes on sockets. The server that reads client requests and writes
answers, the upstream client and its connection pool, and the proxy's own problem answers.

It knows nothing of routes: the policy hands it a request to send and gets an exchange back."""
