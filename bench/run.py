"""``make bench``: one run, on loopback, of everything BENCHMARKS.md reports.

Processes (each one uvicorn worker, uvloop + httptools):
  stand-in     bench/standin.py: the gateway's Shopify documents answered after a fixed
               latency (0, 50 or 2,000 ms, by path prefix)
  gateway      ``python -m action_gateway serve`` with a generated config: three Shopify
               connections per latency, all on the stand-in; callers with keys (one per row,
               so no row meets another's rate limit); JSON logs at info, as in production
  passthrough  bench/passthrough.py: FastAPI + one client making the same upstream calls

Rows: the transport comparison (order read), then order read, customer profile over three
connections (fan-out) and over one, the refund action (state read, suggested refund,
refundCreate, re-read), the eligibility endpoint, the in-process eligibility decision, and
1,000 in-flight refunds against a 2 s upstream. wrk drives throughput; latency at half load
comes from a paced generator (bench/load.py). Peak RSS is the gateway's VmHWM, reset before
each row. A py-spy profile of the order read closes the run.

Usage: python -m bench [--seconds 8] [--connections 32] [--quick] [--out DIR]
                       [--only SECTION,...] [--skip SECTION,...]
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import platform
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import yaml

from bench import load, micro
from bench.capture import CUSTOMER_EMAIL, ORDER_ID, REFUND_BODY, write_canned

LATENCIES = (0, 50, 2000)
SHOPS = ("a", "b", "c")
TOKEN_ENV = "BENCH_SHOPIFY_TOKEN"
ELIGIBILITY_BODY = {
    "platform": "shopify",
    "resource": {
        "type": "order",
        "financial_status": "paid",
        "fulfillment_status": "unfulfilled",
        "cancelled": False,
    },
    "context": {"conversation_status": "open"},
}
IN_FLIGHT = 1000
SECTIONS = "ceiling,transports,order,customers,refund,eligibility,micro,pyspy,inflight"


def connection_id(shop: str, latency: int) -> str:
    return f"shop-{shop}-l{latency}"


@dataclass
class Row:
    """One measured line of the table."""

    scenario: str
    server: str
    rps: float
    p50: float
    p99: float
    rss_mb: float | None = None
    errors: int = 0
    ratio: str = ""
    note: str = ""


@dataclass
class Process:
    name: str
    port: int
    popen: subprocess.Popen[bytes]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def reset_peak_rss(self) -> None:
        with contextlib.suppress(OSError):
            Path(f"/proc/{self.popen.pid}/clear_refs").write_text("5")

    def peak_rss_mb(self) -> float | None:
        try:
            status = Path(f"/proc/{self.popen.pid}/status").read_text()
        except OSError:
            return None
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        return None

    def uses_uvloop_and_httptools(self) -> bool:
        maps = Path(f"/proc/{self.popen.pid}/maps").read_text()
        return "uvloop" in maps and "httptools" in maps


@dataclass
class Callers:
    """One caller (and key) per row: every caller has its own rate-limit window."""

    entries: list[dict[str, Any]] = field(default_factory=list)
    keys: dict[str, str] = field(default_factory=dict)

    def add(self, name: str, connections: list[str] | str) -> str:
        key = secrets.token_urlsafe(32)
        self.entries.append(
            {
                "id": name,
                "key_sha256": hashlib.sha256(key.encode()).hexdigest(),
                "connections": connections,
                "actions": "*",
                "requests_per_minute": 100_000,
            }
        )
        self.keys[name] = key
        return key


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_ready(process: Process, path: str = "/healthz", timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.popen.poll() is not None:
            raise SystemExit(f"{process.name} exited with {process.popen.returncode}")
        try:
            with urllib.request.urlopen(process.url + path, timeout=1) as answer:
                if answer.status < 500:
                    return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"{process.name} did not start within {timeout:g} s")


class Fleet:
    """The processes of one run; all stopped (by pid) at the end."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.processes: list[Process] = []

    def uvicorn(self, name: str, app: str, env: dict[str, str]) -> Process:
        port = free_port()
        command = [
            sys.executable,
            "-m",
            "uvicorn",
            app,
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--loop",
            "uvloop",
            "--http",
            "httptools",
            "--no-access-log",
            "--log-level",
            "warning",
            "--backlog",
            "4096",
        ]
        return self._start(name, port, command, env)

    def gateway(self, name: str, config: Path, env: dict[str, str]) -> Process:
        port = free_port()
        command = [sys.executable, "-m", "action_gateway", "serve", "--config", str(config)]
        command += ["--port", str(port)]
        env = {
            "ACTION_GATEWAY_LOG_FORMAT": "json",
            "ACTION_GATEWAY_LOG_LEVEL": "info",
            **env,
        }
        return self._start(name, port, command, env)

    def _start(self, name: str, port: int, command: list[str], env: dict[str, str]) -> Process:
        log = (self.workdir / f"{name}.log").open("wb")
        popen = subprocess.Popen(
            command,
            env={**os.environ, **env},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        process = Process(name, port, popen)
        self.processes.append(process)
        return process

    def stop(self, process: Process) -> None:
        if process.popen.poll() is None:
            process.popen.terminate()
            try:
                process.popen.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.popen.kill()
                process.popen.wait()
        self.processes.remove(process)

    def stop_all(self) -> None:
        for process in list(self.processes):
            self.stop(process)


def write_config(path: Path, standin: Process, callers: Callers) -> None:
    connections = [
        {
            "id": connection_id(shop, latency),
            "platform": "shopify",
            "shop": f"bench-{shop}.myshopify.com",
            "api_base_url": f"{standin.url}/lat{latency}",
            "access_token_env": TOKEN_ENV,
        }
        for latency in LATENCIES
        for shop in SHOPS
    ]
    document = {"deadline_seconds": 15, "connections": connections, "callers": callers.entries}
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")


def order_path(latency: int) -> str:
    return f"/v1/connections/{connection_id('a', latency)}/orders/{ORDER_ID}"


def refund_body(latency: int) -> dict[str, Any]:
    return {**REFUND_BODY, "connection": connection_id("a", latency)}


def ratio(gateway: float, passthrough: float) -> str:
    return f"{gateway / passthrough:.2f}×" if passthrough else ""


class Bench:
    def __init__(self, args: argparse.Namespace, workdir: Path) -> None:
        self.args = args
        self.workdir = workdir
        self.fleet = Fleet(workdir)
        self.rows: list[Row] = []
        self.facts: dict[str, Any] = {}
        self.callers = Callers()
        self.run_id = secrets.token_hex(4)
        self.gateway_read_rps = 0.0
        self.targets: list[tuple[str, float, str, float, bool]] = []

    # --- measuring ------------------------------------------------------------------------

    def wrk(
        self,
        process: Process,
        path: str,
        *,
        key: str | None = None,
        body: object | None = None,
        unique_keys: bool = False,
        connections: int | None = None,
        seconds: float | None = None,
        timeout_s: float = 10.0,
        settle_s: float = 0.0,
    ) -> tuple[load.Load, float | None]:
        common: dict[str, Any] = {
            "key": key,
            "body": body,
            "workdir": self.workdir,
            "timeout_s": timeout_s,
        }

        def prefix() -> str | None:  # never a key of an earlier run: no replay, no 409
            return f"{self.run_id}-{secrets.token_hex(4)}" if unique_keys else None

        # Warm-up (connections, caches, the eligibility memo), then the measured run.
        load.wrk(process.url + path, seconds=1, connections=4, unique_keys=prefix(), **common)
        # Actions outlive their callers: let the warm-up's finish before measuring.
        time.sleep(settle_s)
        process.reset_peak_rss()
        result = load.wrk(
            process.url + path,
            seconds=seconds or self.args.seconds,
            connections=connections or self.args.connections,
            unique_keys=prefix(),
            **common,
        )
        return result, process.peak_rss_mb()

    def row(
        self,
        scenario: str,
        server: str,
        measured: tuple[load.Load, float | None],
        *,
        ratio_text: str = "",
        note: str = "",
    ) -> Row:
        result, rss = measured
        row = Row(
            scenario,
            server,
            result.rps,
            result.p50,
            result.p99,
            rss,
            result.errors,
            ratio_text,
            note or result.detail,
        )
        self.rows.append(row)
        print(format_row(row), file=sys.stderr, flush=True)
        return row

    def target(self, name: str, value: float, bound: float, sense: str) -> None:
        """Record a figure against its target (issue: performance), printed under the table."""
        met = value >= bound if sense == ">=" else value <= bound
        self.targets.append((name, value, sense, bound, met))

    # --- the run --------------------------------------------------------------------------

    def run(self) -> None:
        canned = self.workdir / "canned.json"
        sequence = write_canned(canned)
        self.facts["refund_upstream_calls"] = Counter(sequence[-4:])
        standin = self.fleet.uvicorn("standin", "bench.standin:app", {"BENCH_CANNED": str(canned)})
        wait_ready(standin, "/lat0/")
        self.plan_callers()
        config = self.workdir / "gateway.yaml"
        write_config(config, standin, self.callers)
        token = {TOKEN_ENV: "bench-token"}
        gateway = self.fleet.gateway("gateway-aiohttp", config, token)
        gateway_httpx = self.fleet.gateway(
            "gateway-httpx", config, {**token, "ACTION_GATEWAY_HTTP_TRANSPORT": "httpx"}
        )
        passthroughs = {
            (client, latency): self.fleet.uvicorn(
                f"passthrough-{client}-l{latency}",
                "bench.passthrough:app",
                {"BENCH_CLIENT": client, "BENCH_UPSTREAM": f"{standin.url}/lat{latency}"},
            )
            for client, latency in (
                ("aiohttp", 0),
                ("aiohttp", 50),
                ("httpx", 0),
                ("httpx-aiohttp", 0),
                ("gateway", 0),
            )
        }
        for process in (gateway, gateway_httpx, *passthroughs.values()):
            wait_ready(process, "/healthz" if process.name.startswith("gateway") else "/docs")
        self.facts["uvloop_and_httptools"] = {
            p.name: p.uses_uvloop_and_httptools()
            for p in (standin, gateway, passthroughs[("aiohttp", 0)])
        }
        if self.want("ceiling"):
            self.ceiling(standin)
        clients = None
        if self.want("transports"):
            clients = self.transports(gateway, gateway_httpx, passthroughs)
        if self.want("order"):
            self.order_read(gateway, passthroughs, standin, clients)
        if self.want("customers"):
            self.customer_rows(gateway, passthroughs)
        if self.want("refund"):
            self.refund(gateway, passthroughs)
        if self.want("eligibility"):
            self.eligibility(gateway, passthroughs[("aiohttp", 0)])
        if self.want("micro"):
            for n, item in enumerate(micro.run(self.args.micro_calls)):
                row = Row("eligibility decision, in process", item.name, 0, 0, 0)
                row.note = f"{item.microseconds:.2f} µs per decision"
                self.rows.append(row)
                print(format_row(row), file=sys.stderr, flush=True)
                if n == 0:
                    self.target("eligibility decision µs", item.microseconds, 5.0, "<=")
        self.fleet.stop(gateway_httpx)
        for process in passthroughs.values():
            self.fleet.stop(process)
        if self.want("pyspy"):
            self.profile(gateway)
        self.fleet.stop(gateway)
        if self.want("inflight"):
            self.in_flight(config, token)

    def want(self, section: str) -> bool:
        only: list[str] | None = self.args.only
        return section not in self.args.skip and (only is None or section in only)

    def plan_callers(self) -> None:
        for latency in LATENCIES:
            trio = [connection_id(shop, latency) for shop in SHOPS]
            for n in range(12):
                self.callers.add(f"any-l{latency}-{n}", trio)
            for n in range(4):
                self.callers.add(f"solo-l{latency}-{n}", [trio[0]])
        self._free: dict[str, list[str]] = {}

    def key(self, prefix: str) -> str:
        """A caller not used yet in this run, of the kind ``prefix`` names."""
        if prefix not in self._free:
            self._free[prefix] = sorted(n for n in self.callers.keys if n.startswith(prefix))
        return self.callers.keys[self._free[prefix].pop(0)]

    def ceiling(self, standin: Process) -> None:
        from action_gateway.platforms.shopify.operations import ORDER

        body = {"query": ORDER.document, "variables": {"id": "1"}, "operationName": ORDER.name}
        measured = self.wrk(standin, "/lat0/admin/api/2026-07/graphql.json", body=body)
        self.row("stand-in alone (ceiling of wrk + stand-in)", "stand-in", measured)

    def transports(
        self,
        gateway: Process,
        gateway_httpx: Process,
        passthroughs: dict[tuple[str, int], Process],
    ) -> dict[str, load.Load]:
        scenario = "transport comparison: order read, 0 ms"
        path = order_path(0)
        results = {}
        for client in ("aiohttp", "httpx", "httpx-aiohttp", "gateway"):
            measured = self.wrk(passthroughs[(client, 0)], path)
            results[client] = measured[0]
            label = "AiohttpTransport (ours)" if client == "gateway" else client
            self.row(scenario, f"passthrough, {label}", measured)
        for name, process in (("httpx", gateway_httpx), ("aiohttp", gateway)):
            measured = self.wrk(process, path, key=self.key("any-l0"))
            self.row(
                scenario,
                f"gateway, http_transport={name}",
                measured,
                ratio_text=ratio(measured[0].rps, results["aiohttp"].rps),
            )
        return results

    def order_read(
        self,
        gateway: Process,
        passthroughs: dict[tuple[str, int], Process],
        standin: Process,
        clients: dict[str, load.Load] | None,
    ) -> None:
        if clients is None:
            clients = {
                name: self.wrk(passthroughs[(name, 0)], order_path(0))[0]
                for name in ("aiohttp", "gateway")
            }
        for latency in (0, 50):
            path = order_path(latency)
            scenario = f"order read (1 upstream call), {latency} ms"
            if latency == 0:
                passthrough = clients["aiohttp"]
                pt_rss = None
            else:
                passthrough, pt_rss = self.wrk(passthroughs[("aiohttp", latency)], path)
            self.row(scenario, "passthrough, aiohttp", (passthrough, pt_rss))
            if latency == 0:
                same_stack = clients["gateway"]
                self.row(scenario, "passthrough, httpx + AiohttpTransport", (same_stack, None))
            measured = self.wrk(gateway, path, key=self.key(f"any-l{latency}"))
            text = ratio(measured[0].rps, passthrough.rps)
            if latency == 0:
                self.gateway_read_rps = measured[0].rps
                text += f" ({ratio(measured[0].rps, same_stack.rps)} httpx + AiohttpTransport)"
            self.row(scenario, "gateway", measured, ratio_text=text)
            self.target(f"order read {latency} ms", measured[0].rps / passthrough.rps, 0.8, ">=")
        # Latency at half load: the gateway and the passthrough driven at the same paced rate,
        # half the gateway's own throughput above (at half the passthrough's, the gateway
        # would be past saturation), and the stand-in alone at that rate (the generator's floor).
        rate = round(self.gateway_read_rps / 2)
        seconds = self.args.seconds
        scenario = f"order read at half load ({rate} req/s paced), 0 ms"
        floor = load.paced(standin.url + "/lat0/", rate=rate, seconds=seconds)
        self.row(scenario, "stand-in alone (generator floor)", (floor, None))
        pt = load.paced(
            passthroughs[("aiohttp", 0)].url + order_path(0), rate=rate, seconds=seconds
        )
        self.row(scenario, "passthrough, aiohttp", (pt, None))
        gateway.reset_peak_rss()
        gw = load.paced(
            gateway.url + order_path(0), rate=rate, seconds=seconds, key=self.key("any-l0")
        )
        self.row(
            scenario,
            "gateway",
            (gw, gateway.peak_rss_mb()),
            ratio_text=f"+{gw.p50 - pt.p50:.2f} ms p50",
        )
        self.target("order read at half load, added p50 ms", gw.p50 - pt.p50, 1.0, "<=")

    def customer_rows(self, gateway: Process, passthroughs: dict[tuple[str, int], Process]) -> None:
        """Fan-out latency: one request at a time (no queueing for the CPU), per latency."""
        path = f"/v1/customers?email={CUSTOMER_EMAIL}"
        for latency in (0, 50):
            scenario = f"customer profile, one request at a time, {latency} ms"
            pt = None
            if ("aiohttp", latency) in passthroughs:
                pt = self.wrk(passthroughs[("aiohttp", latency)], path, connections=1)
                self.row(scenario, "passthrough, aiohttp, 3 connections", pt)
            one = self.wrk(gateway, path, key=self.key(f"solo-l{latency}"), connections=1)
            self.row(scenario, "gateway, 1 connection", one)
            three = self.wrk(gateway, path, key=self.key(f"any-l{latency}"), connections=1)
            self.row(
                scenario,
                "gateway, 3 connections (fan-out)",
                three,
                ratio_text=f"p50 {three[0].p50 / one[0].p50:.2f}× 1 connection",
            )
            self.target(
                f"profile over 3 connections {latency} ms, p50 / 1 connection",
                three[0].p50 / one[0].p50,
                1.2,
                "<=",
            )
        scenario = f"customer profile, {self.args.connections} at a time, 0 ms"
        pt = self.wrk(passthroughs[("aiohttp", 0)], path)
        self.row(scenario, "passthrough, aiohttp, 3 connections", pt)
        three = self.wrk(gateway, path, key=self.key("any-l0"))
        self.row(
            scenario, "gateway, 3 connections", three, ratio_text=ratio(three[0].rps, pt[0].rps)
        )

    def refund(self, gateway: Process, passthroughs: dict[tuple[str, int], Process]) -> None:
        for latency in (0, 50):
            scenario = f"refund action (4 upstream calls), {latency} ms"
            body = refund_body(latency)
            pt = self.wrk(passthroughs[("aiohttp", latency)], "/v1/actions", body=body)
            self.row(scenario, "passthrough, aiohttp", pt)
            same_stack = None
            if ("gateway", latency) in passthroughs:
                same_stack = self.wrk(passthroughs[("gateway", latency)], "/v1/actions", body=body)
                self.row(scenario, "passthrough, httpx + AiohttpTransport", same_stack)
            gw = self.wrk(
                gateway,
                "/v1/actions",
                key=self.key(f"any-l{latency}"),
                body=body,
                unique_keys=True,
            )
            text = ratio(gw[0].rps, pt[0].rps)
            if same_stack is not None:
                text += f" ({ratio(gw[0].rps, same_stack[0].rps)} httpx + AiohttpTransport)"
            self.row(scenario, "gateway", gw, ratio_text=text)
            self.target(f"refund {latency} ms", gw[0].rps / pt[0].rps, 0.8, ">=")

    def eligibility(self, gateway: Process, passthrough: Process) -> None:
        scenario = "eligibility endpoint (no upstream)"
        pt = self.wrk(passthrough, "/v1/eligibility", body=ELIGIBILITY_BODY)
        self.row(scenario, "passthrough (parse, answer)", pt)
        gw = self.wrk(gateway, "/v1/eligibility", key=self.key("any-l0"), body=ELIGIBILITY_BODY)
        self.row(scenario, "gateway", gw, ratio_text=ratio(gw[0].rps, pt[0].rps))

    def in_flight(self, config: Path, token: dict[str, str]) -> None:
        gateway = self.fleet.gateway(
            "gateway-in-flight",
            config,
            {**token, "ACTION_GATEWAY_HTTP_MAX_CONNECTIONS": str(IN_FLIGHT)},
        )
        wait_ready(gateway)
        seconds = max(self.args.seconds, 20.0) if not self.args.quick else 10.0
        measured = self.wrk(
            gateway,
            "/v1/actions",
            key=self.key("any-l2000"),
            body=refund_body(2000),
            unique_keys=True,
            connections=IN_FLIGHT,
            seconds=seconds,
            timeout_s=30.0,
            settle_s=10.0,  # the warm-up's refunds (4 calls of 2 s): exactly 1,000 in flight
        )
        self.row(
            f"{IN_FLIGHT} in-flight refunds, 2 s upstream (8 s per action)",
            "gateway, http_max_connections=1000",
            measured,
        )
        result, rss = measured
        self.target("1,000 in flight: errors", result.errors, 0, "<=")
        if rss is not None:
            self.target("1,000 in flight: peak RSS MB", rss, 200, "<=")
        self.fleet.stop(gateway)

    def profile(self, gateway: Process) -> None:
        py_spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
        if not Path(py_spy).exists():
            print("py-spy is not installed: no profile (pip install '.[bench]')", file=sys.stderr)
            return
        raw = self.workdir / "order-read.pyspy.txt"
        seconds = max(3, round(self.args.seconds))
        spy = subprocess.Popen(
            [
                *(py_spy, "record", "--pid", str(gateway.popen.pid), "--duration", str(seconds)),
                *("--rate", "250", "--format", "raw", "--output", str(raw), "--nonblocking"),
                "--gil",  # samples of the thread holding the GIL: where the CPU goes
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(0.5)
        load.wrk(
            gateway.url + order_path(0),
            seconds=seconds,
            connections=self.args.connections,
            workdir=self.workdir,
            key=self.key("any-l0"),
        )
        spy.wait(timeout=60)
        if raw.exists():
            self.facts["profile"] = summarise_profile(raw)
            self.facts["profile_file"] = str(raw)


def summarise_profile(raw: Path, top: int = 15) -> dict[str, list[tuple[str, float]]]:
    """Shares of the samples: own time by package and by function, and the gateway's own
    functions inclusive (with what they call)."""
    own_package: Counter[str] = Counter()
    own_function: Counter[str] = Counter()
    ours: Counter[str] = Counter()
    total = 0
    for line in raw.read_text(encoding="utf-8", errors="replace").splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = stack.split(";")
        total += count
        own_package[_module(frames[-1])] += count
        own_function[_function(frames[-1])] += count
        for name in {_function(f) for f in frames if "action_gateway/" in f}:
            ours[name] += count
    if not total:
        return {}

    def shares(counter: Counter[str]) -> list[tuple[str, float]]:
        return [(n, round(100 * c / total, 1)) for n, c in counter.most_common(top)]

    return {
        "own time by package": shares(own_package),
        "own time by function": shares(own_function),
        "gateway functions, inclusive": shares(ours),
    }


def _function(frame: str) -> str:
    # py-spy raw frames read "function (path/to/file.py:line)".
    name, _, where = frame.partition(" (")
    path = where.rsplit(":", 1)[0]
    return f"{name} ({_short(path)})"


def _module(frame: str) -> str:
    _, _, where = frame.partition(" (")
    return _package(where.rsplit(":", 1)[0])


def _short(path: str) -> str:
    for marker in ("site-packages/", "src/", "lib/python3.11/", "<frozen "):
        if marker in path:
            return path.split(marker, 1)[1]
    return path


def _package(path: str) -> str:
    short = _short(path)
    if short.startswith("action_gateway/"):
        return "/".join(short.split("/")[:2])
    return short.split("/", 1)[0] if "/" in short else short


def format_row(row: Row) -> str:
    if row.rps == 0 and row.note.endswith("per decision"):
        return f"| {row.scenario} | {row.server} | | | | | | {row.note} |"
    rss = f"{row.rss_mb:.0f}" if row.rss_mb is not None else ""
    note = f"{row.ratio}" + (f" ({row.note})" if row.note else "")
    return (
        f"| {row.scenario} | {row.server} | {row.rps:,.0f} | {row.p50:.2f} | {row.p99:.2f} "
        f"| {rss} | {row.errors} | {note} |"
    )


def machine() -> list[str]:
    cpu = "?"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory = "?"
    with contextlib.suppress(OSError):
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f"{kb / 1024 / 1024:.0f} GiB"
    packages = ("fastapi", "starlette", "uvicorn", "uvloop", "httptools", "httpx", "aiohttp")
    versions = ", ".join(f"{p} {_version(p)}" for p in (*packages, "pydantic", "httpx-aiohttp"))
    wrk_version = subprocess.run(
        [load.ensure_wrk(), "-v"], capture_output=True, text=True, check=False
    ).stdout.split("\n")[0]
    return [
        f"machine: {os.cpu_count()} cores ({cpu}), {memory}, {platform.platform()}",
        f"python {platform.python_version()}; {versions}; {wrk_version.strip()}",
    ]


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "absent"


HEADER = (
    "| scenario | server | req/s | p50 ms | p99 ms | peak RSS MB | errors | ratio / note |\n"
    "|---|---|---:|---:|---:|---:|---:|---|"
)


def report(bench: Bench) -> str:
    lines = [
        *machine(),
        f"command: make bench (python -m bench --seconds {bench.args.seconds:g} "
        f"--connections {bench.args.connections}); wrk -t1, loopback, one uvicorn worker each",
        "",
        HEADER,
        *(format_row(row) for row in bench.rows),
        "",
        f"uvloop + httptools loaded: {bench.facts.get('uvloop_and_httptools')}",
        f"refund upstream calls per action: {dict(bench.facts.get('refund_upstream_calls', {}))}",
    ]
    if bench.targets:
        lines += ["", "targets:"]
        lines += [
            f"  {'met   ' if met else 'MISSED'} {name}: {value:,.2f} (target {sense} {bound:g})"
            for name, value, sense, bound, met in bench.targets
        ]
    profile = bench.facts.get("profile")
    if profile:
        lines += ["", "py-spy --gil, gateway during the order read, 0 ms (share of samples):"]
        for title, shares in profile.items():
            lines += [f"  {title}:"]
            lines += [f"    {share:5.1f}%  {name}" for name, share in shares]
    return "\n".join(lines)


@contextlib.contextmanager
def workspace(out: str | None) -> Iterator[Path]:
    if out:
        path = Path(out)
        path.mkdir(parents=True, exist_ok=True)
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="action-gateway-bench-") as tmp:
        yield Path(tmp)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=8.0, help="per wrk run (default 8)")
    parser.add_argument("--connections", type=int, default=32, help="wrk connections (32)")
    parser.add_argument("--quick", action="store_true", help="3 s runs: a smoke test")
    parser.add_argument("--out", help="keep logs, config, profile and results.json here")
    parser.add_argument(
        "--only", type=lambda v: v.split(","), help=f"comma-separated sections of: {SECTIONS}"
    )
    parser.add_argument(
        "--skip", type=lambda v: v.split(","), default=[], help="comma-separated sections"
    )
    parser.add_argument("--micro-calls", type=int, default=200_000)
    args = parser.parse_args()
    if args.quick:
        args.seconds = 3.0
        args.micro_calls = 20_000
    load.ensure_wrk()
    with workspace(args.out) as workdir:
        bench = Bench(args, workdir)
        try:
            bench.run()
        finally:
            bench.fleet.stop_all()
        text = report(bench)
        (workdir / "results.json").write_text(
            json.dumps(
                {
                    "rows": [asdict(r) for r in bench.rows],
                    "facts": bench.facts,
                    "targets": bench.targets,
                },
                default=str,
            ),
            encoding="utf-8",
        )
        print(text)
