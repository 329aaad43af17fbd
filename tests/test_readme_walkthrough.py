"""The README's curl walkthrough, run against `make run`'s server: the README cannot drift.

Extraction. Every fenced ```sh block of README.md that contains ``curl`` is a *request* (the
Quick start block and the security section's hash-key block have no curl and are not run). Every
fenced ```json block is an *answer*: it belongs to the nearest sh block before it in the document
(prose may come between), which must be a request — a JSON block with no request before it, or
after an sh block without curl, fails the test.

Running. The requests run in document order, one after the other, on one server (the README is a
story: step 3 cancels order 5500001001, so the later lookups see it cancelled), each with
``bash -euo pipefail -c`` in one scratch directory per server (a block may save an answer to a file
a later block reads, as the Approvals section does), ``http://127.0.0.1:8080`` replaced by the test
server's address and a ``curl`` shell function prepended that writes the HTTP status to stderr
after the body, so the README's own text is what runs. A block must send exactly one request.

Checks. The body must be JSON. Without an answer block the status must be 2xx. With one, every
*literal* ``"key": value`` the README writes (at any depth) must occur somewhere in the actual
answer (the answer is flattened into key -> every value under that key, at any depth), and the
status must be 2xx unless the README answer is a problem document. The README's JSON has elisions
(``…``, ``...``) and is not parseable, so its pairs are read by a tolerant scanner:

- a string, number, boolean or null is compared for equality (``true`` never equals ``1``);
- a string containing ``…`` matches any actual string starting with the text before the ``…``
  (``"evt_…"``; ``"…"`` only says the key holds a string);
- a list of scalars written out completely (``"available_actions": ["edit_order_note"]``,
  ``"agent_roles": []``) must equal an actual list under that key; a list of scalars with an
  elision must have its written items, in order, within an actual list under that key
  (``"customers": [...]`` only says the key holds a list);
- any other value (an object, a list of objects, ``[...]``) is not compared as a whole: the
  literal pairs written inside it are checked one by one.

The walkthrough must also keep the steps the product promises: a customer lookup, a preview
(``POST /v1/actions/preview``), an action with an ``Idempotency-Key``, an answer with its
``timeline_event`` and an error answer (a problem document).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.e2e_server import free_port, wait_until_ready
from tests.shared_specs import REPO_ROOT

README_URL = "http://127.0.0.1:8080"
STATUS_MARKER = "__STATUS__"
CURL_WITH_STATUS = (
    "curl() { command curl -sS -w '%{stderr}\\n" + STATUS_MARKER + '%{http_code}\' "$@"; }\n'
)
PROBLEM_TYPE = '"type": "urn:action-gateway:problem:'


@dataclass
class Fence:
    language: str
    text: str
    line: int  # of the opening fence, 1-based


@dataclass
class Request:
    fence: Fence
    answers: list[Fence] = field(default_factory=list)


@dataclass(frozen=True)
class Expected:
    """One literal ``"key": value`` of a README answer and how it is matched."""

    key: str
    mode: str  # "equal", "prefix", "list" or "sublist"
    value: Any
    source: str  # as written in the README

    def found_in(self, actual: dict[str, list[Any]]) -> bool:
        candidates = actual.get(self.key, [])
        if self.mode == "prefix":
            return any(isinstance(v, str) and v.startswith(self.value) for v in candidates)
        if self.mode == "sublist":
            return any(isinstance(v, list) and _in_order(self.value, v) for v in candidates)
        return any(_same(self.value, v) for v in candidates)


def _same(expected: Any, actual: Any) -> bool:
    if isinstance(expected, bool) or isinstance(actual, bool):
        return isinstance(expected, bool) and isinstance(actual, bool) and expected == actual
    if isinstance(expected, list):
        return (
            isinstance(actual, list)
            and len(expected) == len(actual)
            and all(_same(e, a) for e, a in zip(expected, actual, strict=True))
        )
    if isinstance(expected, int | float) and isinstance(actual, int | float):
        return expected == actual
    return type(expected) is type(actual) and expected == actual


def _in_order(expected: list[Any], actual: list[Any]) -> bool:
    remaining = iter(actual)
    return all(any(_same(e, a) for a in remaining) for e in expected)


# --- the README ---------------------------------------------------------------------------

_FENCE = re.compile(r"^\s*```(\S*)\s*$")


def fences(markdown: str) -> list[Fence]:
    found: list[Fence] = []
    current: Fence | None = None
    body: list[str] = []
    for number, line in enumerate(markdown.splitlines(), start=1):
        match = _FENCE.match(line)
        if current is None:
            if match:
                current, body = Fence(match.group(1), "", number), []
        elif match and not match.group(1):
            current.text = "\n".join(body) + "\n"
            found.append(current)
            current = None
        else:
            body.append(line)
    assert current is None, f"README.md: the fence opened on line {current.line} is not closed"
    return found


def walkthrough(markdown: str) -> list[Request]:
    """The curl requests in document order, each with the JSON answers that follow it."""
    requests: list[Request] = []
    last_sh: Fence | None = None
    for fence in fences(markdown):
        if fence.language == "sh":
            last_sh = fence
            if re.search(r"\bcurl\b", fence.text):
                requests.append(Request(fence))
        elif fence.language == "json":
            if last_sh is None or not requests or requests[-1].fence is not last_sh:
                pytest.fail(
                    f"README.md line {fence.line}: a JSON answer must follow the curl block it "
                    "answers (no sh block, or an sh block without curl, precedes it)"
                )
            requests[-1].answers.append(fence)
    return requests


_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_SCALAR = re.compile(r'"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null')
_ELISION = re.compile(r"…|\.\.\.")


def literal_pairs(text: str) -> list[Expected]:
    """The literal ``"key": value`` pairs of README JSON with elisions (see the module doc)."""
    pairs: list[Expected] = []
    position = 0
    while (quote := text.find('"', position)) != -1:
        token = _STRING.match(text, quote)
        assert token is not None, f"an unterminated string in {text!r}"
        position = token.end()
        colon = re.compile(r"\s*:\s*").match(text, position)
        if colon is None:
            continue
        key = json.loads(token.group())
        expected = _value(key, text, colon.end())
        if expected is not None:
            pairs.append(expected)
    return pairs


def _value(key: str, text: str, start: int) -> Expected | None:
    scalar = _SCALAR.match(text, start)
    if scalar is not None:
        value = json.loads(scalar.group())
        if isinstance(value, str) and "…" in value:
            return Expected(key, "prefix", value.split("…", 1)[0], scalar.group())
        return Expected(key, "equal", value, scalar.group())
    if not text.startswith("[", start):
        return None  # an object or an elision: its inner pairs are scanned on their own
    items: list[Any] = []
    elided = False
    position = start + 1
    while True:
        while position < len(text) and text[position] in " \t\n,":
            position += 1
        if text.startswith("]", position):
            break
        if elision := _ELISION.match(text, position):
            elided, position = True, elision.end()
        elif item := _SCALAR.match(text, position):
            items.append(json.loads(item.group()))
            position = item.end()
        else:
            return None  # a list of objects or lists
    source = text[start : position + 1]
    return Expected(key, "sublist" if elided else "list", items, source)


def flatten(document: Any, into: dict[str, list[Any]] | None = None) -> dict[str, list[Any]]:
    """Every key of a JSON document, at any depth, with every value found under it."""
    found: dict[str, list[Any]] = {} if into is None else into
    if isinstance(document, dict):
        for key, value in document.items():
            found.setdefault(key, []).append(value)
            flatten(value, found)
    elif isinstance(document, list):
        for item in document:
            flatten(item, found)
    return found


# --- the server -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def make_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """`make -s run PORT=<free port>` from the repository root; yields its address and log."""
    # The README's reader runs `make run` without gateway settings: the sandbox.
    with _served_by_make_run(tmp_path_factory.mktemp("readme") / "make-run.log", {}) as served:
        yield served


@contextlib.contextmanager
def _served_by_make_run(log_path: Path, settings: dict[str, str]) -> Iterator[tuple[str, Path]]:
    """`make -s run PORT=<free port>` with only ``settings`` of the gateway's environment."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("ACTION_GATEWAY_")}
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            ["make", "-s", "run", f"PORT={port}"],
            cwd=REPO_ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**env, **settings},
            start_new_session=True,  # make starts the server as its child: signal the group
        )
        try:
            wait_until_ready(process, base_url, log_path, timeout=60)
            yield base_url, log_path
        finally:
            _stop_group(process)


def _stop_group(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM to make and the server (a graceful stop); SIGKILL whatever is left after 15 s."""
    group = process.pid
    with contextlib.suppress(ProcessLookupError):
        os.killpg(group, signal.SIGTERM)
    deadline = time.monotonic() + 15
    while _group_alive(group, process) and time.monotonic() < deadline:
        time.sleep(0.05)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(group, signal.SIGKILL)
    process.wait()


def _group_alive(group: int, process: subprocess.Popen[bytes]) -> bool:
    process.poll()  # reap make, so that only live members keep the group
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    return True


# --- the tests ------------------------------------------------------------------------------


SANDBOX_CONFIG_HEADING = "### Callers, roles and refund ceilings in the sandbox"
APPROVALS_HEADING = "### Approvals"
"""The README sections (consecutive) whose requests run against a sandbox served with its own
config file: the first one's."""


def split_sandbox_config_section(markdown: str) -> tuple[str, str]:
    """The README without those sections, and the sections; each keeps the other's lines blank,
    so line numbers stay the README's."""
    lines = markdown.splitlines()
    start = lines.index(SANDBOX_CONFIG_HEADING)
    last = lines.index(APPROVALS_HEADING)
    end = next(
        (i for i in range(last + 1, len(lines)) if re.match(r"#{1,3} ", lines[i])), len(lines)
    )
    blank = [""] * (end - start)
    rest = lines[:start] + blank + lines[end:]
    section = [""] * start + lines[start:end] + [""] * (len(lines) - end)
    return "\n".join(rest) + "\n", "\n".join(section) + "\n"


def _readme() -> str:
    """The README's walkthrough of the plain sandox (`make run` without a config)."""
    return split_sandbox_config_section(_full_readme())[0]


def _full_readme() -> str:
    return (REPO_ROOT / "README.md").read_text(encoding="utf-8")


def _shorten(text: str, limit: int = 3000) -> str:
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text) - limit} more characters)"


def test_the_walkthrough_covers_the_promised_steps() -> None:
    requests = walkthrough(_readme())
    sent = [r.fence.text for r in requests]
    answers = [a.text for r in requests for a in r.answers]
    assert any("/v1/customers" in s for s in sent), "no customer lookup"
    assert any("/v1/actions/preview" in s for s in sent), "no preview (POST /v1/actions/preview)"
    assert any("/v1/actions" in s and "Idempotency-Key:" in s for s in sent), (
        "no action sent with an Idempotency-Key"
    )
    assert any('"timeline_event"' in a for a in answers), "no answer showing its timeline_event"
    assert any(PROBLEM_TYPE in a for a in answers), "no error answer (a problem document)"
    for request in requests:
        assert README_URL in request.fence.text, (
            f"README.md line {request.fence.line}: the request does not call {README_URL}"
        )
        for answer in request.answers:
            assert literal_pairs(answer.text), (
                f"README.md line {answer.line}: the answer shows no literal value to check"
            )


def test_the_matching_rules() -> None:
    pairs = literal_pairs(
        '{"id": "evt_…", "at": "…", "ok": true, "n": 1, "none": null, '
        '"roles": [], "actions": ["a", "b"], "some": ["a", …], '
        '"items": [{"name": "x: y", …}, ...], "rest": [...], "obj": {"k": "v"}}'
    )
    assert [(p.key, p.mode, p.value) for p in pairs] == [
        ("id", "prefix", "evt_"),
        ("at", "prefix", ""),
        ("ok", "equal", True),
        ("n", "equal", 1),
        ("none", "equal", None),
        ("roles", "list", []),
        ("actions", "list", ["a", "b"]),
        ("some", "sublist", ["a"]),
        ("name", "equal", "x: y"),
        ("rest", "sublist", []),
        ("k", "equal", "v"),
    ]
    actual = flatten(
        {
            "id": "evt_1",
            "at": "2026",
            "ok": True,
            "n": 1,
            "none": None,
            "roles": [],
            "actions": ["a", "b"],
            "some": ["c", "a", "d"],
            "items": [{"name": "x: y"}],
            "rest": [],
            "obj": {"k": "v"},
        }
    )
    assert all(p.found_in(actual) for p in pairs)
    wrong = flatten({"id": "1", "at": 5, "ok": 1, "n": True, "roles": [1], "actions": ["b", "a"]})
    assert not any(p.found_in(wrong) for p in pairs)


def test_the_readme_walkthrough_runs_against_make_run(make_run: tuple[str, Path]) -> None:
    _run_requests(walkthrough(_readme()), *make_run)


def _run_requests(requests: list[Request], base_url: str, log_path: Path) -> None:
    failures: list[str] = []
    for request in requests:
        script = CURL_WITH_STATUS + request.fence.text.replace(README_URL, base_url)
        ran = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", script],
            cwd=log_path.parent,
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        problems, status, body = _check(request, ran)
        if problems:
            failures.append(
                f"README.md line {request.fence.line}:\n{request.fence.text}"
                f"-> exit {ran.returncode}, HTTP {status}\n{_shorten(body)}\n{ran.stderr}"
                + "".join(f"\n  {p}" for p in problems)
            )
    if failures:
        pytest.fail(
            f"{len(failures)} of {len(requests)} README requests disagree with the product:\n\n"
            + "\n\n".join(failures)
            + f"\n\nserver log (tail):\n{log_path.read_text()[-3000:]}",
            pytrace=False,
        )


def _check(request: Request, ran: subprocess.CompletedProcess[str]) -> tuple[list[str], str, str]:
    """What is wrong with one request's outcome, its HTTP status and its body."""
    markers = list(re.finditer(rf"\n{STATUS_MARKER}(\d{{3}})", ran.stderr))
    if ran.returncode != 0 or len(markers) != 1:
        return [f"expected one request that completes, got {len(markers)}"], "-", ran.stdout
    body, status = ran.stdout, markers[0].group(1)
    try:
        document = json.loads(body)
    except ValueError:
        return ["the body is not JSON"], status, body
    is_problem = any(PROBLEM_TYPE in answer.text for answer in request.answers)
    problems = [] if is_problem or status.startswith("2") else [f"HTTP {status} is not 2xx"]
    actual = flatten(document)
    for answer in request.answers:
        problems += [
            f"missing (README.md line {answer.line}): {p.key!r}: {p.source}"
            for p in literal_pairs(answer.text)
            if not p.found_in(actual)
        ]
    return problems, status, body


# --- the sandbox with a config file -------------------------------------------------------


def _sandbox_config_section() -> str:
    return split_sandbox_config_section(_full_readme())[1]


@pytest.fixture(scope="module")
def make_run_with_sandbox_config(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[str, Path]]:
    """The section's `ACTION_GATEWAY_CONFIG=sandbox.yaml make run`, with its YAML as the file."""
    directory = tmp_path_factory.mktemp("readme-sandbox-config")
    [config] = [f.text for f in fences(_sandbox_config_section()) if f.language == "yaml"]
    (directory / "sandbox.yaml").write_text(config, encoding="utf-8")
    [command] = [
        f.text.strip()
        for f in fences(_sandbox_config_section())
        if f.language == "sh" and "make run" in f.text
    ]
    assert command == "ACTION_GATEWAY_CONFIG=sandbox.yaml make run"
    settings = {"ACTION_GATEWAY_CONFIG": str(directory / "sandbox.yaml")}
    with _served_by_make_run(directory / "make-run.log", settings) as served:
        yield served


def test_the_sandbox_config_section_shows_callers_roles_and_ceilings() -> None:
    requests = walkthrough(_sandbox_config_section())
    answers = " ".join(a.text for r in requests for a in r.answers)
    for code in ("unauthenticated", "action_forbidden", "role_not_allowed", "approval_required"):
        assert f'"code": "{code}"' in answers, f"the section shows no {code} answer"
    assert '"status": "succeeded"' in answers
    for request in requests:
        assert README_URL in request.fence.text


def test_the_sandbox_config_section_runs_against_make_run_with_its_config(
    make_run_with_sandbox_config: tuple[str, Path],
) -> None:
    _run_requests(walkthrough(_sandbox_config_section()), *make_run_with_sandbox_config)
