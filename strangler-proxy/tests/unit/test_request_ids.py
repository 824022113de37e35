"""Made request ids: unique in a process, and a forked worker does not repeat its parent's."""

import os

from strangler_proxy.wire.forwarding import RequestIds


def test_ids_are_unique_and_a_forked_child_gets_another_prefix() -> None:
    ids = RequestIds()
    made = [ids.next() for _ in range(1000)]
    assert len(set(made)) == 1000 and {len(rid) for rid in made} == {32}
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report its next id, then leave without running pytest's exit code
        os.write(write, ids.next())
        os._exit(0)
    os.waitpid(pid, 0)
    child = os.read(read, 64)
    os.close(read)
    os.close(write)
    assert child[:16] != made[0][:16] and child not in made
