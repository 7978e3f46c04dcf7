"""`mockserver run ...`: serve the mock on HTTP (and optionally HTTPS) with uvicorn."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import uvicorn

from mockserver import resources
from mockserver.app import DOCS_PATH, create_app
from mockserver.config import MockConfig
from mockserver.control import is_loopback
from mockserver.hotpath import settle_heap
from mockserver.limits import Limits
from mockserver.runtime import Runtime
from mockserver.serving import uvicorn_config
from mockserver.version import package_version

log = logging.getLogger("mockserver")

# `mockserver run` flag -> the Limits field it sets (and how to read it)
_LIMIT_FLAGS: dict[str, tuple[str, type, str]] = {
    "--max-body-bytes": ("max_body_bytes", int, "largest request body (413 past it)"),
    "--max-header-bytes": ("max_header_bytes", int, "largest request header block (431)"),
    "--max-url-bytes": ("max_url_bytes", int, "longest request path and query (414)"),
    "--max-query-params": ("max_query_params", int, "most query parameters in a request (400)"),
    "--max-connections": ("max_connections", int, "most connections open at once (503 past it)"),
    "--head-timeout": ("head_timeout", float, "seconds for a request's head to arrive (408)"),
    "--body-timeout": ("body_timeout", float, "seconds for a request's body to arrive (408)"),
    "--idle-timeout": ("idle_timeout", float, "seconds an idle keep-alive connection stays"),
    "--journal-entries": ("journal_entries", int, "most requests the journal keeps"),
    "--journal-bytes": ("journal_bytes", int, "about the most bytes the journal keeps"),
    "--max-fault-rules": ("max_fault_rules", int, "most fault rules active at once"),
}


def _on_off(value: str) -> bool:
    lowered = value.lower()
    if lowered in ("on", "true", "yes", "1"):
        return True
    if lowered in ("off", "false", "no", "0"):
        return False
    raise argparse.ArgumentTypeError(f"expected on or off, not {value!r}")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mockserver",
        description="A contract-first mock of Portainer's and Rancher's APIs, served from openapi.yaml.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {package_version()}")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser(
        "run",
        help="serve the mock",
        description="Serve the mock. It prints where it listens and the seeded credentials.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    run.add_argument("--host", default="127.0.0.1", help="address to listen on")
    run.add_argument("--port", type=int, default=9000, help="HTTP port (Portainer's legacy 9000)")
    run.add_argument(
        "--seed", type=int, default=42, help="seed of the Faker data: same seed, same data"
    )
    run.add_argument(
        "--scenario",
        default=None,
        help="scenario naming users, environments and how much Faker adds: a YAML file, or "
        f"the name of one contract-mock carries ({', '.join(resources.scenario_names())}; "
        "default: default)",
    )
    run.add_argument(
        "--https-port",
        type=int,
        default=None,
        help="also serve HTTPS on this port, like Portainer's 9443",
    )
    run.add_argument(
        "--certfile", default=None, help="TLS certificate (PEM); self-signed if absent"
    )
    run.add_argument("--keyfile", default=None, help="TLS private key (PEM) for --certfile")
    run.add_argument(
        "--validate-responses",
        type=_on_off,
        default=False,
        metavar="on|off",
        help="check every answer against the contract (a mismatch answers 500)",
    )
    run.add_argument(
        "--rate-limit",
        type=_on_off,
        default=True,
        metavar="on|off",
        help="Portainer's per-address limiter on login and token creation (burst 10, 1/s, 1 h ban)",
    )
    run.add_argument(
        "--control-api",
        type=_on_off,
        default=True,
        metavar="on|off",
        help="serve the /__mock__ control API (reset, state, ...)",
    )
    run.add_argument(
        "--control-token",
        default=os.environ.get("MOCKSERVER_CONTROL_TOKEN"),
        help="every /__mock__ call must present this token (X-Mock-Control-Token: TOKEN or "
        "Authorization: Bearer TOKEN); default: $MOCKSERVER_CONTROL_TOKEN, else none",
    )
    defaults = Limits()
    for flag, (field_name, kind, text) in _LIMIT_FLAGS.items():
        run.add_argument(
            flag, type=kind, default=getattr(defaults, field_name), metavar="N", help=text
        )
    run.add_argument(
        "--rancher-access-control",
        type=_on_off,
        default=True,
        metavar="on|off",
        help="off gives Rancher's open mode: requests without a valid key act as administrator",
    )
    run.add_argument(
        "--rancher-settle-time",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="how long a Rancher key stays transitioning (registering, deactivating, ...);"
        " 0, the default, settles it at the next request that touches it",
    )
    run.add_argument(
        "--csrf",
        type=_on_off,
        default=True,
        metavar="on|off",
        help="Portainer's CSRF check: with the login cookie, POST, PUT and DELETE need the "
        "X-CSRF-Token of an earlier answer",
    )
    run.add_argument(
        "--log-level",
        default="info",
        choices=["critical", "error", "warning", "info", "debug"],
        help="uvicorn's log level; access logs are shown at info",
    )
    return parser


def bind_warning(host: str, control: bool, token: str | None) -> str | None:
    """The warning for a mock reachable from other machines, or None."""
    if is_loopback(host):
        return None
    lines = [
        f"WARNING: contract-mock listens on {host}, reachable from other machines; its seeded "
        "credentials are printed below and are public."
    ]
    if control and not token:
        lines.append(
            "WARNING: the control API (/__mock__) answers anyone who can reach it (reset, faults, "
            "the journal): set --control-token or --control-api off."
        )
    return "\n".join(lines)


def banner(runtime: Runtime, base_url: str, https_url: str | None, bind: str | None = None) -> str:
    """What a new user needs to call the mock at once."""
    seeded = runtime.seeded
    lines = [f"contract-mock listening on {base_url}"]
    if bind:
        lines.append(f"  bound to:    {bind}")
    if https_url:
        lines.append(f"                    and on {https_url} (TLS)")
    lines += [
        f"  Swagger UI:  {base_url}{DOCS_PATH}/",
        f"  contract:    {base_url}/api/openapi.json",
    ]
    if runtime.control is not None:
        lines.append(
            f"  inspector:   {base_url}{runtime.control.prefix}/  (requests, faults, state)"
        )
    lines += [
        f"  seed {runtime.config.seed}, scenario {runtime.config.scenario or 'default'}",
        "",
        "Portainer accounts (user / password / access token):",
    ]
    for account in seeded.accounts.values():
        role = "admin" if account.role == 1 else "standard"
        token = account.tokens[0] if account.tokens else "-"
        lines.append(f"  {account.username:<20} {role:<8} {account.password:<20} {token}")
    admin = next((a for a in seeded.accounts.values() if a.role == 1 and a.tokens), None)
    if admin:
        lines += ["", "Try:", f"  curl -s {base_url}/api/stacks -H 'X-API-Key: {admin.tokens[0]}'"]
    lines += ["", "Rancher keys (access key : secret key):"]
    ra = seeded.rancher_admin
    lines.append(f"  admin account        {ra.access_key}:{ra.secret_key}")
    for key in seeded.rancher_keys:
        lines.append(
            f"  {key.account_id:<4} {key.name or '':<15} {key.access_key}:{key.secret_key}"
        )
    lines.append(f"  curl -s -u {ra.access_key}:{ra.secret_key} {base_url}/v2-beta/projects")
    first = min(seeded.state.environments, default=None)
    if first is not None:
        schemas = f"{base_url}/v2-beta/projects/1a{first}/schemas"
        lines.append(f"  Rancher clients (gdapi-python, cattle) start from url={schemas}")
    if runtime.control is not None:
        routes = ", ".join(
            f"{m} /__mock__{p}"
            for m, p in sorted(runtime.control.routes, key=lambda r: r[1])
            if not p.startswith("/static/")  # the inspector's script and style sheet
        )
        lines += ["", f"Control API ({base_url}): {routes}"]
        if runtime.config.control_token:
            lines.append("  (every call needs the control token: X-Mock-Control-Token)")
    return "\n".join(lines)


async def _serve(servers: list[uvicorn.Server]) -> None:
    await asyncio.gather(*(server.serve() for server in servers))


def serve_forever(configs: list[uvicorn.Config]) -> None:
    """Run uvicorn servers together on the fastest event loop available (uvloop, when it is
    installed; uvicorn's own `loop="auto"` choice applies only to a single server's run())."""
    servers = [uvicorn.Server(c) for c in configs]
    try:
        import uvloop
    except ImportError:
        asyncio.run(_serve(servers))
    else:
        uvloop.run(_serve(servers))


def run(args: argparse.Namespace) -> int:
    config = MockConfig(
        seed=args.seed,
        scenario=args.scenario,
        validate_responses=args.validate_responses,
        rate_limit=args.rate_limit,
        control_api=args.control_api,
        rancher_access_control=args.rancher_access_control,
        rancher_settle_seconds=args.rancher_settle_time,
        csrf=args.csrf,
        control_token=args.control_token or None,
        limits=Limits(**{name: getattr(args, name) for name, _, _ in _LIMIT_FLAGS.values()}),
    )
    app = create_app(config)
    wildcard = args.host in ("0.0.0.0", "::", "")
    shown_host = "127.0.0.1" if wildcard else args.host
    if ":" in shown_host:
        shown_host = f"[{shown_host}]"
    base_url = f"http://{shown_host}:{args.port}"
    bind = f"{args.host or '0.0.0.0'}:{args.port} (every interface)" if wildcard else None
    _raise_file_limit()
    common: dict[str, Any] = {"host": args.host, "log_level": args.log_level}
    configs = [uvicorn_config(app, config.limits, port=args.port, **common)]
    https_url = None
    tls_directory: str | None = None
    if args.https_port:
        certfile, keyfile = args.certfile, args.keyfile
        if not certfile:
            from mockserver.tls import self_signed

            certfile, keyfile = self_signed(host=args.host)
            tls_directory = str(Path(certfile).parent)
        configs.append(
            uvicorn_config(
                app,
                config.limits,
                port=args.https_port,
                ssl_certfile=certfile,
                ssl_keyfile=keyfile,
                **common,
            )
        )
        https_url = f"https://{shown_host}:{args.https_port}"
    try:
        warning = bind_warning(args.host, args.control_api, config.control_token)
        if warning:
            print(warning, file=sys.stderr, flush=True)
        print(banner(app.runtime, base_url, https_url, bind), flush=True)
        settle_heap()  # start-up's objects out of the collector's way: no long GC pauses
        serve_forever(configs)
    finally:
        if tls_directory is not None:  # the self-signed key never outlives the server
            shutil.rmtree(tls_directory, ignore_errors=True)
    return 0


def _raise_file_limit() -> None:
    """Raise the soft limit on open files to the hard one (the common soft 1,024 is what
    idle sockets exhausted); the connection cap then refuses before the process runs out."""
    try:
        import resource

        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        wanted = hard if hard != resource.RLIM_INFINITY else 65536
        if soft != resource.RLIM_INFINITY and soft < wanted:
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
    except (ImportError, ValueError, OSError) as exc:  # not on this system: keep the limit
        log.debug("could not raise the open-file limit: %s", exc)


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    args = build_parser().parse_args(argv)
    if args.command == "run":
        return run(args)
    return 2


if __name__ == "__main__":
    sys.exit(main())
