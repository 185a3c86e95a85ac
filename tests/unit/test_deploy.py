"""Deployment files checked without a cluster or a Docker engine: Kubernetes schemas
(kubernetes-validate, offline), the custom resources' fields, and agreement with the
code's single definitions of topics, groups, partitions, roles and ports."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml
from dockerfile_parse import DockerfileParser

from moderation.roles import CLASSIFIER, ROLES
from moderation.topics import ALL_TOPICS, COMMENTS_SUBMITTED

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
K8S_VERSION = "1.30.0"
CRD = yaml.safe_load((ROOT / "tests" / "data" / "crd_fields.yaml").read_text())
CUSTOM_KINDS = set(CRD)


def load_docs(path: Path) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(path.read_text()) if d]


def merge(base: Any, patch: Any) -> Any:
    """Strategic-merge enough for our patches: maps merge, lists of named maps merge by
    name, other lists are replaced."""
    if isinstance(base, dict) and isinstance(patch, dict):
        out = dict(base)
        for key, value in patch.items():
            out[key] = merge(base[key], value) if key in base else copy.deepcopy(value)
        return out
    if (
        isinstance(base, list)
        and isinstance(patch, list)
        and patch
        and all(isinstance(i, dict) and "name" in i for i in base + patch)
    ):
        by_name = {i["name"]: i for i in base}
        merged = [merge(by_name[i["name"]], i) if i["name"] in by_name else i for i in patch]
        names = {i["name"] for i in patch}
        return merged + [i for i in base if i["name"] not in names]
    return copy.deepcopy(patch)


def render(directory: Path) -> list[dict[str, Any]]:
    kustomization = yaml.safe_load((directory / "kustomization.yaml").read_text())
    docs: list[dict[str, Any]] = []
    for resource in kustomization.get("resources", []):
        target = directory / resource
        docs.extend(render(target) if target.is_dir() else load_docs(target))
    for patch_ref in kustomization.get("patches", []):
        for patch in load_docs(directory / patch_ref["path"]):
            matches = [
                i
                for i, d in enumerate(docs)
                if d["kind"] == patch["kind"] and d["metadata"]["name"] == patch["metadata"]["name"]
            ]
            assert matches, (
                f"{directory.name}: patch for missing {patch['kind']} {patch['metadata']['name']}"
            )
            docs[matches[0]] = merge(docs[matches[0]], patch)
    return docs


OVERLAYS = {name: render(K8S / "overlays" / name) for name in ("dev", "prod")}
BASE = render(K8S / "base")


def of_kind(docs, kind):
    return [d for d in docs if d["kind"] == kind]


@pytest.mark.parametrize("name", ["base", "dev", "prod"])
def test_native_resources_validate_against_kubernetes_schemas(name):
    docs = BASE if name == "base" else OVERLAYS[name]
    native = [d for d in docs if d["kind"] not in CUSTOM_KINDS]
    assert {d["kind"] for d in native} >= {
        "Deployment",
        "Service",
        "ConfigMap",
        "PodDisruptionBudget",
        "NetworkPolicy",
        "HorizontalPodAutoscaler",
    }
    for doc in native:
        kubernetes_validate.validate(doc, K8S_VERSION, strict=True)


def field_paths(value: Any, prefix: str = "") -> set[str]:
    paths: set[str] = set()
    if isinstance(value, dict):
        for key, inner in value.items():
            path = f"{prefix}.{key}" if prefix else key
            paths.add(path)
            if key not in ("metadata", "config", "advanced"):  # free-form maps
                paths |= field_paths(inner, path)
    elif isinstance(value, list):
        for item in value:
            paths |= field_paths(item, f"{prefix}[]")
    return paths


@pytest.mark.parametrize("name", ["base", "dev", "prod"])
def test_custom_resources_use_only_fields_their_crds_define(name):
    docs = BASE if name == "base" else OVERLAYS[name]
    for doc in docs:
        if doc["kind"] not in CUSTOM_KINDS:
            continue
        facts = CRD[doc["kind"]]
        assert doc["apiVersion"] == facts["apiVersion"]
        unknown = field_paths(doc["spec"]) - set(facts["spec"])
        assert not unknown, f"{doc['kind']} {doc['metadata']['name']}: unknown {unknown}"
        for trigger in doc["spec"].get("triggers", []):
            assert trigger["type"] == "kafka"
            assert set(trigger["metadata"]) <= set(facts["kafka_trigger_metadata"])
        for ref in doc["spec"].get("secretTargetRef", []):
            assert ref["parameter"] in facts["kafka_parameters"]


@pytest.mark.parametrize("name", ["base", "dev", "prod"])
def test_topics_in_manifests_equal_the_code(name):
    docs = BASE if name == "base" else OVERLAYS[name]
    manifests = {d["spec"]["topicName"]: d["spec"] for d in of_kind(docs, "KafkaTopic")}
    assert set(manifests) == {t.name for t in ALL_TOPICS}
    for topic in ALL_TOPICS:
        spec = manifests[topic.name]
        assert spec["partitions"] == topic.partitions, topic.name
        for key, value in topic.configs.items():
            assert spec["config"][key] == value, (topic.name, key)


@pytest.mark.parametrize("name", ["base", "dev", "prod"])
def test_classifier_autoscaling_matches_the_code(name):
    docs = BASE if name == "base" else OVERLAYS[name]
    [scaled] = of_kind(docs, "ScaledObject")
    [trigger] = scaled["spec"]["triggers"]
    assert trigger["metadata"]["consumerGroup"] == CLASSIFIER.group
    assert trigger["metadata"]["topic"] == COMMENTS_SUBMITTED.name
    assert int(trigger["metadata"]["lagThreshold"]) > 0
    assert 1 <= scaled["spec"]["minReplicaCount"] <= scaled["spec"]["maxReplicaCount"]
    assert scaled["spec"]["maxReplicaCount"] <= COMMENTS_SUBMITTED.partitions
    deployments = {d["metadata"]["name"] for d in of_kind(docs, "Deployment")}
    assert scaled["spec"]["scaleTargetRef"]["name"] in deployments
    hpa_targets = {
        h["spec"]["scaleTargetRef"]["name"] for h in of_kind(docs, "HorizontalPodAutoscaler")
    }
    assert hpa_targets == {"comment-store", "moderator-queue", "scoring-api"}


def test_one_deployment_per_role_with_probes_on_its_port():
    deployments = {d["metadata"]["name"]: d for d in of_kind(BASE, "Deployment")}
    assert set(deployments) == set(ROLES)
    for role, deployment in deployments.items():
        [container] = deployment["spec"]["template"]["spec"]["containers"]
        assert container["args"] == ["run", role]
        assert container["ports"][0]["containerPort"] == ROLES[role].port
        assert container["readinessProbe"]["httpGet"]["path"] == "/ready"
        assert container["livenessProbe"]["httpGet"]["path"] == "/health"
        assert container["resources"]["requests"] and container["resources"]["limits"]
        assert deployment["spec"]["template"]["spec"]["securityContext"]["runAsNonRoot"]
        env = {e["name"]: e for e in container["env"]}
        assert env["MODERATION_HTTP_PORT"]["value"] == str(ROLES[role].port)
        assert "secretKeyRef" in env["KAFKA_SASL_PASSWORD"]["valueFrom"]
    pdbs = {
        p["spec"]["selector"]["matchLabels"]["app.kubernetes.io/name"]
        for p in of_kind(BASE, "PodDisruptionBudget")
    }
    assert pdbs == set(ROLES)


def test_compose_names_the_same_roles_topics_and_ports():
    compose = yaml.safe_load((ROOT / "deploy" / "compose.yaml").read_text())
    services = compose["services"]
    for role in ROLES:
        assert services[role]["command"] == ["run", role]
        assert services[role]["environment"]["MODERATION_HTTP_PORT"] == str(ROLES[role].port)
        assert (
            services[role]["depends_on"]["topics"]["condition"] == "service_completed_successfully"
        )
        assert "healthcheck" in services[role]
    assert services["topics"]["command"][:2] == ["topics", "create"]
    assert services["kafka"]["image"].startswith("apache/kafka")
    assert services["kafka"]["environment"]["KAFKA_PROCESS_ROLES"] == "broker,controller"
    assert "postgres" in services and services["prometheus"]["profiles"] == ["observability"]
    assert "store" in services["comment-store"]["environment"]["MODERATION_STORE_DSN"]


def test_dockerfile_is_multi_stage_and_runs_as_a_non_root_user():
    parser = DockerfileParser(path=str(ROOT / "deploy" / "Dockerfile"))
    stages = [i for i in parser.structure if i["instruction"] == "FROM"]
    assert len(stages) >= 2
    final_start = stages[-1]["startline"]
    final = [i for i in parser.structure if i["startline"] >= final_start]
    users = [i["value"] for i in final if i["instruction"] == "USER"]
    assert users and users[-1].split(":")[0] not in ("root", "0")
    assert not any("build-essential" in i["value"] for i in final)
    assert any(i["instruction"] == "ENTRYPOINT" and "moderation" in i["value"] for i in final)
    assert any(
        i["instruction"] == "ARG" and "DETOXIFY_VARIANT" in i["value"] for i in parser.structure
    )
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".git", ".venv", "tests"} <= set(ignored)


def test_the_wheel_carries_every_data_file_the_package_reads(tmp_path):
    """The image installs the package (not editable), so a model, rule or template file
    missing from package-data would only fail in production."""
    import shutil
    import subprocess
    import sys
    import zipfile

    # Build from a clean copy of what the Dockerfile copies: a build/ folder or egg-info
    # left from an earlier build would hide a missing pattern.
    source = tmp_path / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, source / name)
    shutil.copytree(
        ROOT / "services",
        source / "services",
        ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"),
    )
    build = ["wheel", str(source), "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp_path)]
    subprocess.run([sys.executable, "-m", "pip", *build], check=True)
    [wheel] = tmp_path.glob("*.whl")
    shipped = set(zipfile.ZipFile(wheel).namelist())
    package = ROOT / "services"
    data_files = {
        str(p.relative_to(package))
        for p in (package / "moderation").rglob("*")
        if p.is_file() and p.suffix not in (".py", ".pyc") and "__pycache__" not in p.parts
    }
    assert data_files and data_files <= shipped, sorted(data_files - shipped)
