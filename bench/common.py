"""Helpers shared by the benchmark commands: wrk runs and latency percentiles."""

import re
import shutil
import statistics
import subprocess
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3}


@dataclass(frozen=True)
class LoadResult:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int

    def line(self, label: str) -> str:
        return (
            f"{label:<28} {self.requests_per_second:>9.1f} req/s   "
            f"p50 {self.p50_ms:>8.2f} ms   p99 {self.p99_ms:>8.2f} ms   errors {self.errors}"
        )


def median(results: list[LoadResult]) -> LoadResult:
    """The median of each figure over several runs; errors summed."""
    return LoadResult(
        requests_per_second=statistics.median(r.requests_per_second for r in results),
        p50_ms=statistics.median(r.p50_ms for r in results),
        p99_ms=statistics.median(r.p99_ms for r in results),
        errors=sum(r.errors for r in results),
    )


def require_wrk() -> str:
    path = shutil.which("wrk")
    if path is None:
        raise SystemExit("wrk is not installed: apt-get install wrk (make bench-* does this)")
    return path


def wrk(
    url: str, *, connections: int, seconds: int, threads: int = 2, cpus: str | None = None
) -> LoadResult:
    """Run wrk with latency percentiles; non-2xx answers and socket errors count as errors.

    `cpus` pins the load generator (taskset list such as "0"), apart from the servers.
    """
    pin = ["taskset", "-c", cpus] if cpus else []
    out = subprocess.run(
        [
            *pin,
            require_wrk(),
            f"-t{threads}",
            f"-c{connections}",
            f"-d{seconds}s",
            "--latency",
            url,
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return LoadResult(
        requests_per_second=float(_search(r"Requests/sec:\s+([\d.]+)", out)),
        p50_ms=_duration_ms(_search(r"^\s+50%\s+(\S+)", out)),
        p99_ms=_duration_ms(_search(r"^\s+99%\s+(\S+)", out)),
        errors=_errors(out),
    )


PACED_SCRIPT = Path(__file__).with_name("paced.lua")


@dataclass(frozen=True)
class Latencies:
    """Every latency of a run (microseconds -> how many), so that runs can be pooled: a p99
    over many runs' requests settles where each run's own p99 moves with a few slow ones."""

    counts: Counter[int]
    seconds: float
    errors: int

    @staticmethod
    def pooled(runs: list["Latencies"]) -> "Latencies":
        counts: Counter[int] = Counter()
        for run in runs:
            counts.update(run.counts)
        return Latencies(counts, sum(r.seconds for r in runs), sum(r.errors for r in runs))

    def percentile_ms(self, fraction: float) -> float:
        rank = fraction * (self.counts.total() - 1)
        seen = 0
        for us in sorted(self.counts):
            seen += self.counts[us]
            if seen > rank:
                return us / 1000
        return float("nan")

    def result(self) -> LoadResult:
        return LoadResult(
            requests_per_second=self.counts.total() / self.seconds,
            p50_ms=self.percentile_ms(0.5),
            p99_ms=self.percentile_ms(0.99),
            errors=self.errors,
        )


def paced(
    url: str, *, rate: float, seconds: int, connections: int = 32, cpus: str | None = None
) -> Latencies:
    """Latency at a steady rate with headroom, where wrk's closed loop would saturate the server.

    Each of `connections` connections sends a request every connections / rate seconds, their
    phases spread evenly (bench/paced.lua), so the server sees about `rate` requests per second
    (less a little: a connection's interval starts when its previous answer ends). A stall
    shorter than that interval delays the requests already sent and so is measured, not
    omitted. The rate reported is the one measured.
    """
    interval_ms = connections * 1000 / rate
    pin = ["taskset", "-c", cpus] if cpus else []
    out = subprocess.run(
        [
            *pin,
            require_wrk(),
            "-t1",
            f"-c{connections}",
            f"-d{seconds}s",
            "-s",
            str(PACED_SCRIPT),
            url,
            "--",
            f"{interval_ms:g}",
            str(connections),
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    pairs = (pair.split(":") for pair in _search(r"^paced: (.*)$", out).split())
    counts = Counter({int(us): int(count) for us, count in pairs})
    return Latencies(counts, seconds, _errors(out))


def percentile(sorted_values: list[float], fraction: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, round(fraction * (len(sorted_values) - 1)))
    return sorted_values[index]


def _search(pattern: str, text: str) -> str:
    match = re.search(pattern, text, re.MULTILINE)
    if match is None:
        raise RuntimeError(f"wrk output lacks {pattern!r}:\n{text}")
    return match.group(1)


def _duration_ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()  # type: ignore[union-attr]
    return float(number) * _UNITS[unit]


def _errors(text: str) -> int:
    errors = 0
    if match := re.search(r"Non-2xx or 3xx responses: (\d+)", text):
        errors += int(match.group(1))
    socket_errors = r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)"
    if match := re.search(socket_errors, text):
        errors += sum(int(n) for n in match.groups())
    return errors
