"""A real Prometheus and a real Alertmanager on free 127.0.0.1 ports with temporary configs and data dirs, and a
tiny prometheus-client exporter whose error ratio the test moves. Never the packages' system services."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from prometheus_client import CollectorRegistry, Gauge, start_http_server

from tests.api.helpers import free_port


def binary(*names: str) -> str:
    """The first of ``names`` on PATH; under CI a missing binary FAILS the test (it is installed by .ci/run)."""
    for name in names:
        path = shutil.which(name)
        if path:
            return path
    message = f"{' / '.join(names)} is not installed (Debian: apt-get install prometheus prometheus-alertmanager)"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


class Exporter:
    """``tidewater_error_ratio{service=…}`` on /metrics, from this process."""

    def __init__(self, services: list[str]) -> None:
        self.registry = CollectorRegistry()
        self.ratio = Gauge("tidewater_error_ratio", "share of failed requests", ["service"], registry=self.registry)
        for s in services:
            self.ratio.labels(service=s).set(0.004)
        self.port = free_port()
        self.server, self.thread = start_http_server(self.port, addr="127.0.0.1", registry=self.registry)

    def set(self, service: str, value: float) -> None:
        self.ratio.labels(service=service).set(value)

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@dataclass
class Proc:
    name: str
    proc: subprocess.Popen
    log: Path
    base: str

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-4000:] if self.log.exists() else ""

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)


def _start(name: str, args: list[str], workdir: Path, base: str) -> Proc:
    log = workdir / f"{name}.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(args, cwd=workdir, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    p = Proc(name, proc, log, base)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{name} exited ({proc.returncode}):\n{p.output()}")
        try:
            if httpx.get(f"{base}/-/ready", timeout=1).status_code == 200:
                return p
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    p.stop()
    raise RuntimeError(f"{name} did not become ready:\n{p.output()}")


def start_alertmanager(workdir: Path, webhook_url: str, bearer: str) -> Proc:
    exe = binary("prometheus-alertmanager", "alertmanager")
    cfg = {
        "route": {"receiver": "opsgraph", "group_by": ["alertname", "service"], "group_wait": "1s",
                  "group_interval": "2s", "repeat_interval": "1h"},
        "receivers": [{"name": "opsgraph", "webhook_configs": [{
            "url": webhook_url, "send_resolved": True,
            "http_config": {"authorization": {"type": "Bearer", "credentials": bearer}}}]}],
    }
    (workdir / "alertmanager.yml").write_text(yaml.safe_dump(cfg))
    (workdir / "am-data").mkdir()
    port = free_port()
    return _start("alertmanager", [
        exe, "--config.file=alertmanager.yml", "--storage.path=am-data", f"--web.listen-address=127.0.0.1:{port}",
        "--cluster.listen-address=", "--log.level=info"], workdir, f"http://127.0.0.1:{port}")


def start_prometheus(workdir: Path, exporter_port: int, alertmanager: str, rules: list[dict[str, Any]]) -> Proc:
    exe = binary("prometheus")
    (workdir / "rules.yml").write_text(yaml.safe_dump({"groups": [{"name": "tests", "interval": "1s",
                                                                   "rules": rules}]}))
    cfg = {
        "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
        "rule_files": ["rules.yml"],
        "alerting": {"alertmanagers": [{"static_configs": [{"targets": [alertmanager.removeprefix("http://")]}]}]},
        "scrape_configs": [{"job_name": "tidewater-exporter",
                            "static_configs": [{"targets": [f"127.0.0.1:{exporter_port}"]}]}],
    }
    (workdir / "prometheus.yml").write_text(yaml.safe_dump(cfg))
    (workdir / "prom-data").mkdir()
    port = free_port()
    return _start("prometheus", [
        exe, "--config.file=prometheus.yml", "--storage.tsdb.path=prom-data",
        f"--web.listen-address=127.0.0.1:{port}", "--rules.alert.resend-delay=1s", "--log.level=info"],
        workdir, f"http://127.0.0.1:{port}")


@dataclass
class Stack:
    exporter: Exporter
    prometheus: Proc | None = None
    alertmanager: Proc | None = None
    extra: list[Any] = field(default_factory=list)

    def stop(self) -> None:
        for p in (self.prometheus, self.alertmanager):
            if p is not None:
                p.stop()
        self.exporter.stop()
