import socket

from shop_topology.ports import free_port, is_free


def test_a_free_port_can_be_bound() -> None:
    port = free_port()

    with socket.socket() as server:
        server.bind(("127.0.0.1", port))
        server.listen()
        assert not is_free(port)
    assert is_free(port)


def test_ports_already_handed_out_are_never_handed_out_again() -> None:
    taken: set[int] = set()

    ports = [free_port(taken=taken) for _ in range(30)]

    assert len(set(ports)) == 30
    assert taken == set(ports)
    assert all(1024 <= port <= 65535 for port in ports)
