"""Fake topologies made of tiny Python processes, so these tests never need the monolith."""

import os
import subprocess
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

HTTP_SERVER = """
name = "{name}"
command = ["{{python}}", "-m", "http.server", "{{port}}", "--bind", "127.0.0.1",
           "--directory", "{{workdir}}"]
health = {{ http = "{path}", status = 200, interval = 0.1, timeout = 2, retries = {retries} }}
"""

# Writes its environment and pid to files, says it is ready, then sleeps until stopped.
SLEEPER = """
name = "{name}"
command = ["{{python}}", "-c", '''
import json, os, pathlib, time
pathlib.Path("{name}.env.json").write_text(json.dumps(dict(os.environ)))
pathlib.Path("{name}.pid").write_text(str(os.getpid()))
time.sleep(0.3)
pathlib.Path("{name}.ready").touch()
time.sleep(600)
''']
health = {{ command = ["{{python}}", "-c", '''
import os, sys
sys.exit(0 if os.path.exists("{name}.ready") else 1)
'''], interval = 0.1, timeout = 5, retries = 100 }}
"""

# Like SLEEPER, but takes a second to shut down after SIGTERM.
SLOW_STOPPER = SLEEPER.replace(
    "import json, os, pathlib, time",
    "import json, os, pathlib, signal, sys, time\n"
    "signal.signal(signal.SIGTERM, lambda *_: (time.sleep(1), sys.exit(0)))",
)

CRASHER = """
name = "{name}"
command = ["{{python}}", "-c", "print('boom: no config found'); raise SystemExit(3)", "{{port}}"]
health = {{ http = "/", status = 200, interval = 0.1, timeout = 1, retries = 100 }}
"""


# Debian's rabbitmqctl reaches the machine's node as root only (CI runs as root, or has sudo).
RABBITMQCTL = ["rabbitmqctl"] if os.geteuid() == 0 else ["sudo", "-n", "rabbitmqctl"]


def fake_topology(body: str, *, entry: str = "web") -> str:
    return (
        textwrap.dedent(f"""
        [step]
        name = "step-test"
        entry = "{entry}"
        root = "."

        [database]
        kind = "sqlite"
        server_url = "postgresql+psycopg://postgres@127.0.0.1:5432/"
        name_prefix = "shop_topotest_"
        sqlite_file = "shop.db"

        [env]
        DATABASE_URL = "{{database_url}}"
        SHOP_SECRET_KEY = "{{secret_key}}"
        SHOP_LOG_FORMAT = "json"
        """)
        + body
    )


def pid_alive(pid: int) -> bool:
    """True while `pid` runs (a zombie waiting to be reaped counts as gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


@dataclass
class FakeTopologies:
    """Builds topology files in `directory` (also their root: processes write files there)."""

    directory: Path

    def write(self, *parts: str, entry: str = "web") -> Path:
        path = self.directory / "topology.toml"
        path.write_text(fake_topology("".join(parts), entry=entry), encoding="utf-8")
        return path

    @staticmethod
    def http_server(name: str = "web", path: str = "/", retries: int = 100) -> str:
        return "\n[[process]]" + HTTP_SERVER.format(name=name, path=path, retries=retries)

    @staticmethod
    def sleeper(name: str = "worker") -> str:
        return "\n[[process]]" + SLEEPER.format(name=name)

    @staticmethod
    def slow_stopper(name: str = "worker") -> str:
        return "\n[[process]]" + SLOW_STOPPER.format(name=name)

    @staticmethod
    def crasher(name: str = "crashy") -> str:
        return "\n[[process]]" + CRASHER.format(name=name)

    @staticmethod
    def slow_http_server(name: str = "back") -> str:
        return SLOW_HTTP_SERVER.format(name=name)

    @staticmethod
    def front(name: str = "front", back: str = "back") -> str:
        return FRONT.format(name=name, back=back)

    @staticmethod
    def setup_step(name: str, code: str) -> str:
        command = f"[\"{{python}}\", \"-c\", '''{code}''']"
        return f'\n[[setup]]\nname = "{name}"\ncommand = {command}\n'

    @staticmethod
    def broker_user(name: str = "user") -> str:
        return BROKER_USER.format(name=name)

    @staticmethod
    def broker(**settings: str) -> str:
        """A [broker] table (place it before the processes)."""
        return "\n[broker]\n" + "".join(f'{key} = "{value}"\n' for key, value in settings.items())

    def pid_of(self, name: str) -> int:
        return int((self.directory / f"{name}.pid").read_text())

    pid_alive = staticmethod(pid_alive)

    @staticmethod
    def vhosts() -> set[str]:
        """The vhosts of the RabbitMQ on 127.0.0.1:5672 (rabbitmqctl's node)."""
        argv = [*RABBITMQCTL, "-s", "list_vhosts", "name"]
        return set(subprocess.run(argv, capture_output=True, check=True, text=True).stdout.split())

    @staticmethod
    def delete_vhost(name: str) -> None:
        argv = [*RABBITMQCTL, "-s", "delete_vhost", name]
        subprocess.run(argv, capture_output=True, check=False)


@pytest.fixture
def fake(tmp_path: Path) -> FakeTopologies:
    return FakeTopologies(tmp_path)


# Listens on {port} only after a second, so a process started alongside it would miss it.
SLOW_HTTP_SERVER = """
[[process]]
name = "{name}"
command = ["{{python}}", "-c", '''
import runpy, sys, time
time.sleep(1)
sys.argv = ["http.server", sys.argv[1], "--bind", "127.0.0.1"]
runpy.run_module("http.server", run_name="__main__")
''', "{{port}}"]
health = {{ http = "/", interval = 0.1, timeout = 2, retries = 100 }}
"""

# In front of BACK (by {{url:BACK}}): records what it was given and whether BACK answered when
# it started, then serves its main port and its named `admin` port (checked there).
FRONT = """
[[process]]
name = "{name}"
ports = ["admin"]
shared_env = false
env = {{ BACK_URL = "{{url:{back}}}", BACK_PORT = "{{port:{back}}}", OWN_ADMIN = "{{url.admin}}" }}
command = ["{{python}}", "-c", '''
import functools, http.server, json, os, sys, threading, urllib.request
try:
    seen = urllib.request.urlopen(os.environ["BACK_URL"] + "/", timeout=2).status
except OSError as error:
    seen = repr(error)
record = {{"argv": sys.argv[1:], "env": dict(os.environ), "back_answered": seen}}
with open("{name}.json", "w") as out:
    json.dump(record, out)
handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=".")
for port in sys.argv[1:]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", int(port)), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
threading.Event().wait()
''', "{{port}}", "{{port.admin}}"]
health = {{ http = "/", port = "admin", interval = 0.1, timeout = 2, retries = 100 }}
"""

# Given {broker_url} in its command, env and health command: records what it was given and
# whether that URL opened an AMQP connection when it started, then sleeps until stopped.
BROKER_USER = """
[[process]]
name = "{name}"
env = {{ BROKER_URL = "{{broker_url}}" }}
command = ["{{python}}", "-c", '''
import json, os, pathlib, sys, time
from shop_topology.broker.amqp import AmqpError, BrokerUrl, check_connection
try:
    check_connection(BrokerUrl.parse(sys.argv[1]))
    opened = "opened"
except AmqpError as error:
    opened = str(error)
record = {{"argv": sys.argv[1:], "env": os.environ["BROKER_URL"], "opened": opened}}
pathlib.Path("{name}.json").write_text(json.dumps(record))
pathlib.Path("{name}.pid").write_text(str(os.getpid()))
time.sleep(600)
''', "{{broker_url}}"]
health = {{ command = ["{{python}}", "-c", '''
import os, sys
from shop_topology.broker.amqp import BrokerUrl, check_connection
check_connection(BrokerUrl.parse(sys.argv[1]))
sys.exit(0 if os.path.exists("{name}.json") else 1)
''', "{{broker_url}}"], interval = 0.1, timeout = 5, retries = 100 }}
"""
