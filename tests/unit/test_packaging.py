"""Production packaging: Dockerfile, docker-compose.yml and the files under deploy/docker.

No Docker engine runs in development, so the compose file is checked with
`docker-compose config` (Debian's docker-compose 1.29.2, installed by `make bootstrap`) and the
Dockerfile by reading it.
"""

from __future__ import annotations

import os
import re
import runpy
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

try:
    import yaml
except ImportError:  # pragma: no cover - depends on the environment
    yaml = None

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "Dockerfile"
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKER_DIR = ROOT / "deploy" / "docker"

REQUIRED_SECRETS = {
    "TRADEDASH_SECRET_KEY": "k" * 48,
    "TRADEDASH_PSEUDONYM_KEY": "p" * 48,
    "TRADEDASH_DB_PASSWORD": "db-password-for-tests",
    "TRADEDASH_REDIS_PASSWORD": "redis-password-for-tests",
}
APP_SERVICES = ("migrate", "web", "ingest", "worker", "beat")
ONE_SHOT_CONDITION = "service_completed_successfully"
READY_CONDITIONS = {"service_healthy", ONE_SHOT_CONDITION}


# --------------------------------------------------------------------------- helpers
def _docker_compose() -> str:
    exe = shutil.which("docker-compose")
    if exe is None:
        pytest.fail(
            "docker-compose is not installed (Debian package `docker-compose`): run "
            "`make bootstrap`, which installs it, then re-run this test."
        )
    return exe


def _yaml() -> Any:
    if yaml is None:
        pytest.fail("PyYAML is not importable in the virtualenv: run `make bootstrap`.")
    return yaml


def _compose(tmp_path: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """Run docker-compose on our file with exactly `env` (no inherited TRADEDASH_*, no .env)."""
    empty_env_file = tmp_path / "empty.env"
    empty_env_file.write_text("")
    clean_env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path), **env}
    return subprocess.run(
        [_docker_compose(), "--env-file", str(empty_env_file), "-f", str(COMPOSE_FILE), *args],
        cwd=ROOT,
        env=clean_env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture(scope="module")
def resolved_compose(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The effective configuration (anchors merged, variables interpolated)."""
    result = _compose(tmp_path_factory.mktemp("compose"), REQUIRED_SECRETS, "config")
    assert result.returncode == 0, result.stderr
    loaded: dict[str, Any] = _yaml().safe_load(result.stdout)
    return loaded


def _instructions(path: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    logical: list[str] = []
    pending = ""
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        logical.append(pending + line)
        pending = ""
    if pending:
        logical.append(pending)
    pairs = []
    for line in logical:
        keyword, _, rest = line.partition(" ")
        pairs.append((keyword.upper(), rest.strip()))
    return pairs


def _stages(path: Path) -> list[list[tuple[str, str]]]:
    stages: list[list[tuple[str, str]]] = []
    for keyword, rest in _instructions(path):
        if keyword == "FROM":
            stages.append([])
        if stages:
            stages[-1].append((keyword, rest))
    return stages


# --------------------------------------------------------------------------- docker-compose
def test_compose_validates_with_the_required_secrets(tmp_path: Path) -> None:
    result = _compose(tmp_path, REQUIRED_SECRETS, "config", "-q")
    assert result.returncode == 0, f"docker-compose config -q failed:\n{result.stderr}"


@pytest.mark.parametrize("missing", sorted(REQUIRED_SECRETS))
@pytest.mark.parametrize("how", ["unset", "empty"])
def test_compose_refuses_to_run_without_a_secret(tmp_path: Path, missing: str, how: str) -> None:
    env = dict(REQUIRED_SECRETS)
    if how == "unset":
        del env[missing]
    else:
        env[missing] = ""
    result = _compose(tmp_path, env, "config", "-q")
    assert result.returncode != 0, f"compose accepted a configuration without {missing}"
    assert f"set {missing}" in result.stderr, result.stderr


def test_long_running_services_are_health_checked_or_wait_for_healthy_ones(
    resolved_compose: dict[str, Any],
) -> None:
    services = resolved_compose["services"]
    assert set(APP_SERVICES) | {"timescaledb", "kafka", "redis"} <= set(services)
    for name, svc in services.items():
        if svc.get("restart", "no") == "no":
            continue  # one-shot (migrate)
        test = (svc.get("healthcheck") or {}).get("test")
        has_check = bool(test) and test != ["NONE"]
        deps = svc.get("depends_on") or {}
        waits = bool(deps) and all(
            isinstance(d, dict) and d.get("condition") in READY_CONDITIONS for d in deps.values()
        )
        assert has_check or waits, f"{name}: no health check and does not wait for healthy deps"
        # Dependencies that are themselves long-running must be health-checked.
        for dep, cond in deps.items():
            if cond["condition"] == "service_healthy":
                dep_test = (services[dep].get("healthcheck") or {}).get("test")
                assert dep_test and dep_test != ["NONE"], f"{name} waits on unchecked {dep}"
            if cond["condition"] == ONE_SHOT_CONDITION:
                assert services[dep].get("restart", "no") == "no", f"{dep} is not one-shot"


def test_infrastructure_health_checks_are_real(resolved_compose: dict[str, Any]) -> None:
    services = resolved_compose["services"]
    assert "pg_isready" in " ".join(services["timescaledb"]["healthcheck"]["test"])
    assert "redis-cli ping" in " ".join(services["redis"]["healthcheck"]["test"])
    kafka_check = " ".join(services["kafka"]["healthcheck"]["test"])
    assert "kafka-broker-api-versions.sh --bootstrap-server localhost:9092" in kafka_check
    assert any("pgdata" in str(v) for v in services["timescaledb"]["volumes"])


def test_kafka_is_single_node_kraft_without_topic_auto_creation(
    resolved_compose: dict[str, Any],
) -> None:
    kafka = resolved_compose["services"]["kafka"]
    assert kafka["image"].startswith("apache/kafka:4.")
    env = kafka["environment"]
    assert env["KAFKA_PROCESS_ROLES"] == "broker,controller"
    assert str(env["KAFKA_AUTO_CREATE_TOPICS_ENABLE"]).lower() == "false"
    assert "CONTROLLER" in env["KAFKA_LISTENERS"]
    # A KRaft cluster id is a base64url-encoded UUID: 22 characters.
    assert re.fullmatch(r"[A-Za-z0-9_-]{22}", env["CLUSTER_ID"]), env["CLUSTER_ID"]


def test_app_services_share_one_image_and_the_environment(
    resolved_compose: dict[str, Any],
) -> None:
    services = resolved_compose["services"]
    images = {services[name]["image"] for name in APP_SERVICES}
    assert len(images) == 1, images
    for name in APP_SERVICES:
        svc = services[name]
        assert svc["build"]["dockerfile"] == "Dockerfile"
        env = svc["environment"]
        assert env["TRADEDASH_ENV"] == "production"
        assert env["TRADEDASH_SECRET_KEY"] == REQUIRED_SECRETS["TRADEDASH_SECRET_KEY"]
        assert env["TRADEDASH_DATABASE_URL"].startswith("postgresql+psycopg://")
        assert REQUIRED_SECRETS["TRADEDASH_DB_PASSWORD"] in env["TRADEDASH_DATABASE_URL"]
        assert env["TRADEDASH_KAFKA_BOOTSTRAP_SERVERS"] == "kafka:9092"
        if name != "web":
            assert svc["command"] == ["tradedash", name]
    assert "command" not in services["web"]  # the image's gunicorn CMD
    migrate_deps = services["migrate"]["depends_on"]
    assert migrate_deps["timescaledb"]["condition"] == "service_healthy"
    for name in ("web", "ingest", "worker", "beat"):
        assert services[name]["depends_on"]["migrate"]["condition"] == ONE_SHOT_CONDITION
    web_check = " ".join(services["web"]["healthcheck"]["test"])
    assert "healthcheck.py" in web_check


def test_ingest_scales_and_beat_does_not(resolved_compose: dict[str, Any]) -> None:
    services = resolved_compose["services"]
    assert "container_name" not in services["ingest"]  # --scale needs generated names
    assert services["ingest"]["deploy"]["replicas"] >= 1
    assert int(services["ingest"]["environment"]["TRADEDASH_TOPIC_PARTITIONS"]) == 12
    assert (services["beat"].get("deploy") or {}).get("replicas", 1) == 1


def test_no_secret_is_committed_in_the_compose_file() -> None:
    raw = _yaml().safe_load(COMPOSE_FILE.read_text())
    found: list[str] = []

    def walk(node: Any, path: str) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                sub = f"{path}.{key}"
                if re.search(r"PASSWORD|SECRET|_AUTH$", str(key)) and value is not None:
                    if not re.fullmatch(r"\$\{[A-Z0-9_]+:\?[^}]+\}", str(value)):
                        found.append(f"{sub}={value!r}")
                walk(value, sub)
        elif isinstance(node, list):
            for i, value in enumerate(node):
                walk(value, f"{path}[{i}]")

    walk(raw, "")
    assert not found, f"secrets must come from `${{VAR:?...}}` or pass-through: {found}"
    for url_key in ("TRADEDASH_DATABASE_URL", "TRADEDASH_REDIS_URL"):
        value = raw["x-tradedash-env"][url_key]
        assert "_PASSWORD:?" in value, f"{url_key} must interpolate a required password"


def test_env_example_documents_every_variable_compose_reads() -> None:
    compose_vars = set(re.findall(r"\$\{([A-Z0-9_]+)", COMPOSE_FILE.read_text()))
    compose_vars |= {
        k
        for k, v in _yaml().safe_load(COMPOSE_FILE.read_text())["x-tradedash-env"].items()
        if v is None
    }
    example = (DOCKER_DIR / ".env.example").read_text()
    documented = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", example, flags=re.MULTILINE))
    assert compose_vars <= documented, sorted(compose_vars - documented)
    for secret in REQUIRED_SECRETS:
        assert re.search(rf"^{secret}=$", example, flags=re.MULTILINE), f"{secret} must be blank"


# --------------------------------------------------------------------------- Dockerfile
def test_dockerfile_is_multi_stage_from_python_311_slim_bookworm() -> None:
    text = DOCKERFILE.read_text()
    stages = _stages(DOCKERFILE)
    assert len(stages) >= 2, "expected a build stage and a runtime stage"
    assert "python:3.11-slim-bookworm" in text
    build = " ".join(rest for _, rest in stages[0])
    assert "pip wheel" in build
    runtime = stages[-1]
    assert any(k == "COPY" and "--from=" in rest for k, rest in runtime)


def test_dockerfile_runtime_runs_as_non_root() -> None:
    users = [rest for keyword, rest in _stages(DOCKERFILE)[-1] if keyword == "USER"]
    assert users, "the runtime stage must switch to a non-root USER"
    user = users[-1].split(":")[0]
    assert user not in {"root", "0"}, users[-1]


def test_dockerfile_runtime_packages() -> None:
    runtime = " ".join(rest for keyword, rest in _stages(DOCKERFILE)[-1] if keyword == "RUN")
    assert re.search(r"apt-get install [^&]*\bchromium\b", runtime)
    for build_only in ("build-essential", "gcc", "libpq-dev", "libpq5"):
        assert build_only not in runtime, f"{build_only} does not belong in the runtime image"
    env = " ".join(rest for keyword, rest in _stages(DOCKERFILE)[-1] if keyword == "ENV")
    assert "BROWSER_PATH=/usr/bin/chromium" in env  # Kaleido finds Chromium through it


def test_dockerfile_healthcheck_hits_the_health_endpoint() -> None:
    checks = [rest for keyword, rest in _stages(DOCKERFILE)[-1] if keyword == "HEALTHCHECK"]
    assert len(checks) == 1
    assert "healthcheck.py" in checks[0]
    assert "/api/v1/health" in (DOCKER_DIR / "healthcheck.py").read_text()


def test_dockerfile_default_command_is_gunicorn_serving_the_wsgi_app(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in [n for n in os.environ if n.startswith("TRADEDASH_")]:
        monkeypatch.delenv(name)  # the image's defaults, not this shell's
    runtime = _stages(DOCKERFILE)[-1]
    cmds = [rest for keyword, rest in runtime if keyword == "CMD"]
    assert cmds, "no CMD in the runtime stage"
    cmd = cmds[-1]
    assert cmd.startswith("[") and '"gunicorn"' in cmd and '"tradedash.wsgi:server"' in cmd
    assert "EXPOSE" in {k for k, _ in runtime}
    conf = runpy.run_path(str(DOCKER_DIR / "gunicorn.conf.py"))
    assert conf["bind"] == "0.0.0.0:8050"
    assert conf["worker_class"] == "gthread"
    assert conf["workers"] >= 1 and conf["threads"] >= 2


def test_dockerfile_copies_only_files_that_exist() -> None:
    missing = []
    for stage in _stages(DOCKERFILE):
        for keyword, rest in stage:
            if keyword != "COPY" or "--from=" in rest:
                continue
            sources = [p for p in rest.split() if not p.startswith("--")][:-1]
            missing += [s for s in sources if s != "." and not (ROOT / s).exists()]
    assert not missing, f"the image build would fail, missing in the build context: {missing}"


def test_entrypoint_prefixes_tradedash_subcommands(tmp_path: Path) -> None:
    entrypoint = DOCKER_DIR / "entrypoint.sh"
    assert os.access(entrypoint, os.X_OK), "entrypoint.sh must be executable"
    fake = tmp_path / "tradedash"
    fake.write_text('#!/bin/sh\necho "tradedash $*"\n')
    fake.chmod(0o755)
    env = {"PATH": f"{tmp_path}:/usr/bin:/bin"}
    for argv, expected in (
        (["ingest"], "tradedash ingest"),
        (["tradedash", "worker"], "tradedash worker"),
        (["echo", "gunicorn"], "gunicorn"),
    ):
        result = subprocess.run(
            ["sh", str(entrypoint), *argv], env=env, capture_output=True, text=True, timeout=10
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == expected


def test_dockerignore_keeps_secrets_and_local_state_out_of_the_context() -> None:
    ignored = {line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()}
    for entry in (".env", ".git", ".venv", ".local", "tests"):
        assert entry in ignored, f"{entry} should be in .dockerignore"
    for needed in ("assets", "deploy", "pyproject.toml", "deploy/docker"):
        assert needed not in ignored, f"{needed} is needed by the Dockerfile"
