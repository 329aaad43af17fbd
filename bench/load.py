"""Load generators: wrk (closed loop, throughput) and a constant-rate Python one (latency).

wrk, from Debian's packages, drives every throughput row: one thread, a fixed number of
connections, ``--latency`` for p50/p99. Its Lua script (written here) adds the caller's key
and, for actions, a fresh Idempotency-Key on every request.

For latency at a given load, wrk (closed loop) cannot hold a rate, so :func:`paced` sends
requests on a fixed schedule from its own process (``python -m bench.load URL RATE SECONDS``)
and reports the rate it achieved: it is shown not to be the bottleneck when that rate is the
one asked for and its latency against the bare stand-in (the floor) is small.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import aiohttp

LUA = """
local counter = 0
local prefix = os.getenv("BENCH_KEY_PREFIX")
local body = os.getenv("BENCH_BODY")
if body ~= nil and body ~= "" then
  wrk.method = "POST"
  wrk.body = body
  wrk.headers["Content-Type"] = "application/json"
end
request = function()
  if prefix == nil or prefix == "" then
    return wrk.format()
  end
  counter = counter + 1
  local headers = {}
  for name, value in pairs(wrk.headers) do headers[name] = value end
  headers["Idempotency-Key"] = prefix .. "-" .. counter
  return wrk.format(nil, nil, headers, nil)
end
"""


@dataclass
class Load:
    """What one load run measured (latencies in milliseconds)."""

    rps: float
    p50: float
    p99: float
    requests: int
    errors: int
    detail: str = ""


def ensure_wrk() -> str:
    """wrk's path, installing Debian's package when it is missing (root, as on CI machines)."""
    found = shutil.which("wrk")
    if found:
        return found
    print("installing wrk (Debian package)", file=sys.stderr)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env, stdout=subprocess.DEVNULL)
    subprocess.run(
        ["apt-get", "install", "-y", "-qq", "--no-install-recommends", "wrk"],
        check=True,
        env=env,
        stdout=subprocess.DEVNULL,
    )
    found = shutil.which("wrk")
    if not found:
        raise SystemExit("wrk could not be installed")
    return found


def _ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value).groups()  # type: ignore[union-attr]
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}[unit]


def wrk(
    url: str,
    *,
    seconds: float,
    connections: int,
    workdir: Path,
    key: str | None = None,
    body: object | None = None,
    unique_keys: str | None = None,
    timeout_s: float = 10.0,
) -> Load:
    """One wrk run; ``unique_keys`` is the prefix of a fresh Idempotency-Key per request."""
    script = workdir / "bench.lua"
    if not script.exists():
        script.write_text(LUA, encoding="utf-8")
    command = [
        ensure_wrk(),
        "-t1",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
        f"--timeout={timeout_s:g}s",
        "--latency",
        "-s",
        str(script),
    ]
    if key:
        command += ["-H", f"Authorization: Bearer {key}"]
    env = {
        **os.environ,
        "BENCH_BODY": json.dumps(body) if body is not None else "",
        "BENCH_KEY_PREFIX": unique_keys or "",
    }
    out = subprocess.run(
        [*command, url], capture_output=True, text=True, env=env, check=True
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1])  # type: ignore[index]
    p50 = _ms(re.search(r"50%\s+([\d.]+\w+)", out)[1])  # type: ignore[index]
    p99 = _ms(re.search(r"99%\s+([\d.]+\w+)", out)[1])  # type: ignore[index]
    requests = int(re.search(r"(\d+) requests in", out)[1])  # type: ignore[index]
    errors = 0
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if non_2xx:
        errors += int(non_2xx[1])
    sockets = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out
    )
    if sockets:
        errors += sum(int(n) for n in sockets.groups())
    detail = (non_2xx[0] if non_2xx else "") + (f" {sockets[0]}" if sockets else "")
    return Load(rps, p50, p99, requests, errors, detail.strip())


async def _paced(url: str, rate: float, seconds: float, key: str | None) -> Load:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    latencies: list[float] = []
    errors = 0

    async def one(session: aiohttp.ClientSession) -> None:
        nonlocal errors
        started = time.perf_counter()
        try:
            async with session.get(url, headers=headers) as response:
                await response.read()
                if response.status != 200:
                    errors += 1
                    return
        except aiohttp.ClientError:
            errors += 1
            return
        latencies.append((time.perf_counter() - started) * 1000)

    total = int(rate * seconds)
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
        for _ in range(min(50, total)):  # open the connections before timing
            await one(session)
        latencies.clear()
        tasks = set()
        start = time.perf_counter()
        for i in range(total):
            delay = start + i / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            task = asyncio.create_task(one(session))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
        sent = time.perf_counter() - start
        await asyncio.gather(*tasks)
    quantiles = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0.0] * 99
    return Load(
        rps=total / sent if sent else 0.0,
        p50=statistics.median(latencies) if latencies else 0.0,
        p99=quantiles[98],
        requests=len(latencies),
        errors=errors,
    )


def paced(url: str, *, rate: float, seconds: float, key: str | None = None) -> Load:
    """GETs at ``rate`` per second for ``seconds``, from a separate process."""
    command = [sys.executable, "-m", "bench.load", url, f"{rate:.1f}", f"{seconds:g}"]
    out = subprocess.run(
        command,
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "BENCH_KEY": key or ""},
    ).stdout
    return Load(**json.loads(out))


def main() -> None:
    url, rate, seconds = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
    import uvloop

    result = uvloop.run(_paced(url, rate, seconds, os.environ.get("BENCH_KEY") or None))
    print(json.dumps(asdict(result)))


if __name__ == "__main__":
    main()
