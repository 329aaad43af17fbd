"""The action-gateway command: serve, check-config, hash-key, openapi."""

from __future__ import annotations

import argparse
import functools
import json
import math
import os
import signal
import sys
from pathlib import Path
from types import FrameType

from action_gateway.config import ConfigError, GatewayConfig, load_config

OPENAPI_PATH = Path("openapi/openapi.json")
MIN_KEY_LENGTH = 32
APP_FACTORY = "action_gateway.app:create_app_from_env"


def _openapi_document() -> str:
    from action_gateway.app import create_app
    from action_gateway.settings import Settings

    app = create_app(Settings(config=None))
    return json.dumps(app.openapi(), indent=2, sort_keys=False, ensure_ascii=False) + "\n"


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn
    from pydantic import ValidationError

    from action_gateway.app import create_app, resolve_config, validate_matrices
    from action_gateway.auth import is_loopback
    from action_gateway.logging import configure_logging
    from action_gateway.platforms.registry import load_matrices
    from action_gateway.settings import Settings

    overrides: dict[str, object] = {}
    if args.config:
        overrides["config"] = Path(args.config)
    if args.host:
        overrides["host"] = args.host
    if args.port is not None:
        overrides["port"] = args.port
    if args.workers is not None:
        overrides["workers"] = args.workers
    try:
        settings = Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = "\n".join(
            f"  - {'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
        )
        print(f"action-gateway: invalid settings\n{problems}", file=sys.stderr)
        return 2
    configure_logging(settings.log_format, settings.log_level)
    try:
        # Validate before binding, so a bad config stops start-up with a readable message.
        config, sandbox = resolve_config(settings)
        validate_matrices(config, load_matrices())
    except ConfigError as exc:
        print(f"action-gateway: invalid configuration\n{exc}", file=sys.stderr)
        return 2
    empty = None if settings.config is None else _empty_config_warning(settings.config, config)
    if empty is not None:
        print(f"action-gateway: warning: {settings.config}: {empty}", file=sys.stderr)
    if config.callers is None and not is_loopback(settings.host):
        print(
            f"action-gateway: refusing to serve on {settings.host} without callers: anyone who "
            "can reach it could move money. Add `callers` to the config (each with the "
            "SHA-256 of its API key from `action-gateway hash-key`, and its scopes), or bind "
            "127.0.0.1 for local use.",
            file=sys.stderr,
        )
        return 2
    if settings.workers > 1:
        refusal = _multi_worker_refusal(
            settings.workers, settings.redis_url is not None, sandbox is not None
        )
        if refusal:
            print(f"action-gateway: {refusal}", file=sys.stderr)
            return 2
    run = functools.partial(
        uvicorn.run,
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level,
        access_log=False,
        log_config=None,  # uvicorn's own lines go through our handler: same format, masked
        timeout_graceful_shutdown=_graceful_shutdown_seconds(config),
    )
    if settings.workers > 1:
        # Each worker is a fresh process building its app from the environment: hand it the
        # config file validated above (--config is not in the environment otherwise).
        if settings.config is not None:
            os.environ["ACTION_GATEWAY_CONFIG"] = str(settings.config.resolve())
        # uvicorn's supervisor relays SIGTERM to the workers, waits for their graceful stop,
        # and returns.
        run(APP_FACTORY, factory=True, workers=settings.workers)
        return 0
    app = create_app(settings, config=config, sandbox=sandbox)
    # uvicorn drains in-flight requests on SIGTERM, then re-raises the signal with the handler
    # it found; with this one the process exits 0 after a graceful stop instead of dying by
    # the signal (exit 143).
    previous = signal.signal(signal.SIGTERM, _exit_after_graceful_stop)
    try:
        run(app)
    finally:
        signal.signal(signal.SIGTERM, previous)
    return 0


def _multi_worker_refusal(workers: int, has_redis: bool, has_sandbox: bool) -> str | None:
    """Why several workers cannot serve safely, or None."""
    if not has_redis:
        return (
            f"refusing to start {workers} workers without ACTION_GATEWAY_REDIS_URL: idempotency "
            "across workers needs Redis. Each worker would keep its own in-memory idempotency "
            "keys, so a retried refund reaching another worker would move money twice. Set "
            "ACTION_GATEWAY_REDIS_URL, or run one worker (--workers 1)."
        )
    if has_sandbox:
        return (
            "the sandbox keeps its stores in each process's memory: run it with one worker "
            "(--workers 1), or give a config file without sandbox connections"
        )
    return None


def _graceful_shutdown_seconds(config: GatewayConfig) -> int:
    """Time for in-flight actions to finish on SIGTERM: the longest deadline, plus a margin."""
    deadlines = [config.deadline_seconds, *(config.deadline_for(c) for c in config.connections)]
    return math.ceil(max(deadlines)) + 5


def _exit_after_graceful_stop(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(0)


def cmd_check_config(args: argparse.Namespace) -> int:
    from action_gateway.app import matrix_problems
    from action_gateway.platforms.registry import load_matrices

    environ = None if not args.skip_env else _EnvWithPlaceholders()
    matrices = load_matrices()
    try:
        config = load_config(
            args.file,
            environ=environ,
            extra_checks=lambda valid: matrix_problems(valid, matrices),
        )
    except ConfigError as exc:
        print(f"{exc}", file=sys.stderr)
        return 1
    empty = _empty_config_warning(args.file, config)
    if empty is not None:
        if args.strict:
            print(f"{args.file}: 1 problem(s)\n  - (top level): {empty}", file=sys.stderr)
            return 1
        print(f"action-gateway: warning: {args.file}: {empty}", file=sys.stderr)
    print(f"{args.file}: ok ({len(config.connections)} connection(s))")
    return 0


def _empty_config_warning(path: object, config: GatewayConfig) -> str | None:
    """What an empty file (no connections) means, or None."""
    if config.connections:
        return None
    return (
        "the file declares no connections, so every lookup finds nothing and every action "
        "answers 404 (without a config file, serve runs the sandbox)"
    )


class _EnvWithPlaceholders(dict[str, str]):
    """For --skip-env: every variable looks set, so only the file itself is checked."""

    def get(self, key: str, default: str | None = None) -> str:  # type: ignore[override]
        return os.environ.get(key) or "0" * 64  # also passes as a caller's key hash

    def __getitem__(self, key: str) -> str:
        return self.get(key)


def cmd_hash_key(args: argparse.Namespace) -> int:
    """Print the SHA-256 of the API key on stdin, so the key itself never enters a file."""
    from action_gateway.auth import hash_key

    key = sys.stdin.readline().rstrip("\r\n")
    if not key.strip() or key != key.strip():
        print(
            "action-gateway: give the key on stdin, without surrounding spaces "
            '(e.g. `printf %s "$KEY" | action-gateway hash-key`)',
            file=sys.stderr,
        )
        return 1
    if len(key) < MIN_KEY_LENGTH:
        print(
            f"action-gateway: warning: a key shorter than {MIN_KEY_LENGTH} characters is easy "
            "to guess; make one with "
            "`python3 -c 'import secrets; print(secrets.token_urlsafe(32))'`",
            file=sys.stderr,
        )
    print(hash_key(key))
    return 0


def cmd_openapi(args: argparse.Namespace) -> int:
    path = Path(args.output)
    document = _openapi_document()
    if args.check:
        current = path.read_text(encoding="utf-8") if path.exists() else ""
        if current != document:
            print(
                f"{path} differs from what the app serves: run `action-gateway openapi`",
                file=sys.stderr,
            )
            return 1
        print(f"{path}: up to date")
        return 0
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(document, encoding="utf-8")
    print(f"wrote {path}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    from action_gateway import __version__

    parser = argparse.ArgumentParser(
        prog="action-gateway",
        description="A stateless HTTP service that lets helpdesks act on commerce platforms.",
    )
    parser.add_argument(
        "--version", action="version", version=f"%(prog)s {__version__}", help="print the version"
    )
    commands = parser.add_subparsers(
        dest="command", required=True, metavar="COMMAND", title="commands"
    )

    serve = commands.add_parser(
        "serve",
        help="serve the API (the sandbox when no config is given)",
        description="Serve the API. Without a config file it runs the sandbox: four simulated "
        "platform connections on 127.0.0.1.",
    )
    serve.add_argument(
        "--config", help="YAML config file (default: ACTION_GATEWAY_CONFIG, else the sandbox)"
    )
    serve.add_argument("--host", help="bind address (default: ACTION_GATEWAY_HOST or 127.0.0.1)")
    serve.add_argument(
        "--port", type=int, help="port to listen on (default: ACTION_GATEWAY_PORT or 8080)"
    )
    serve.add_argument(
        "--workers",
        type=int,
        help="worker processes (default: ACTION_GATEWAY_WORKERS or 1); more than one needs "
        "ACTION_GATEWAY_REDIS_URL",
    )
    serve.set_defaults(func=cmd_serve)

    check = commands.add_parser(
        "check-config",
        help="validate a config file, list every problem, and exit",
        description="Validate a config file and list every problem it has at once. Exits 1 "
        "when there is one; a file without connections is a warning (an error with --strict).",
    )
    check.add_argument("file", help="the YAML config file to check")
    check.add_argument(
        "--skip-env", action="store_true", help="do not require the token variables to be set"
    )
    check.add_argument(
        "--strict", action="store_true", help="treat warnings (an empty file) as errors"
    )
    check.set_defaults(func=cmd_check_config)

    hash_key = commands.add_parser(
        "hash-key",
        help="print the SHA-256 of an API key read from stdin (for callers[].key_sha256)",
        description="Print the SHA-256 of the API key given on stdin, so the key itself never "
        'enters a file: printf %s "$KEY" | action-gateway hash-key',
    )
    hash_key.set_defaults(func=cmd_hash_key)

    openapi = commands.add_parser(
        "openapi",
        help="write (or --check) the OpenAPI document",
        description="Write the OpenAPI document the app serves to a file, or check that the "
        "file is up to date.",
    )
    openapi.add_argument(
        "--check", action="store_true", help="do not write; exit 1 if the file is stale"
    )
    openapi.add_argument(
        "--output",
        default=str(OPENAPI_PATH),
        help=f"where the document is written (default: {OPENAPI_PATH})",
    )
    openapi.set_defaults(func=cmd_openapi)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    code: int = args.func(args)
    return code


if __name__ == "__main__":
    raise SystemExit(main())
