"""A single-node Apache Kafka broker (KRaft, combined broker and controller) run from the jars
that Maven fetched into ``<data_dir>/kafka/libs`` (see deploy/kafka/pom.xml)."""

from __future__ import annotations

import base64
import os
import shutil
import subprocess
import uuid

from confluent_kafka import KafkaException
from confluent_kafka.admin import AdminClient

from app.config import Settings

from .process import (
    ServiceError,
    Status,
    keep_running,
    port_open,
    port_taken_error,
    read_pid,
    stop_pid,
    wait_until,
)

LOG4J2 = """\
status = warn
appender.file.type = File
appender.file.name = FILE
appender.file.fileName = {log}
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = FILE
logger.kafka.name = kafka
logger.kafka.level = WARN
logger.apache.name = org.apache.kafka
logger.apache.level = WARN
"""


class Kafka:
    name = "kafka"

    def __init__(self, settings: Settings) -> None:
        self.port = settings.kafka_port
        self.controller_port = settings.kafka_controller_port
        self.root = settings.data_dir / "kafka"
        self.libs = self.root / "libs"
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self.console = self.root / "console.log"
        self.pid_file = self.root / "kafka.pid"
        self.properties = self.root / "server.properties"
        self.bootstrap = f"127.0.0.1:{self.port}"

    def healthy(self) -> bool:
        """A real metadata request answered by the broker."""
        if not port_open(self.port):
            return False
        try:
            admin = AdminClient({"bootstrap.servers": self.bootstrap, "socket.timeout.ms": 2000})
            metadata = admin.list_topics(timeout=3)
            return len(metadata.brokers) > 0
        except KafkaException:
            return False

    def status(self) -> Status:
        running = self.healthy()
        return Status(
            self.name,
            running,
            read_pid(self.pid_file) is not None,
            f"{self.bootstrap} data={self.data}",
        )

    def up(self) -> bool:
        if self.healthy():
            return False
        for port, setting in (
            (self.port, "TRADEDASH_KAFKA_PORT"),
            (self.controller_port, "TRADEDASH_KAFKA_CONTROLLER_PORT"),
        ):
            if port_open(port):
                raise port_taken_error(self.name, port, setting)
        java = shutil.which("java")
        if java is None or not any(self.libs.glob("kafka_2.13-*.jar")):
            raise ServiceError(
                "Java or the Kafka jars are missing.\n"
                "hint: run `make bootstrap` (apt-get install openjdk-17-jre-headless "
                "maven; mvn dependency:copy-dependencies in deploy/kafka)"
            )
        self._write_config()
        self._format_storage(java)
        self.console.unlink(missing_ok=True)
        with self.console.open("ab") as out:
            proc = subprocess.Popen(
                [java, *self._jvm_args(), "kafka.Kafka", str(self.properties)],
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
                cwd=self.root,
            )
        keep_running(proc)
        self.pid_file.write_text(str(proc.pid))
        wait_until(
            self.healthy,
            timeout=90,
            what="Kafka",
            log=self.console,
            alive=lambda: proc.poll() is None,
            hint=f"full broker log: {self.log}",
        )
        return True

    def down(self) -> bool:
        return stop_pid(self.pid_file, timeout=45)

    def _jvm_args(self) -> list[str]:
        heap = os.environ.get("TRADEDASH_KAFKA_HEAP", "1G")
        return [
            f"-Xmx{heap}",
            f"-Xms{heap}",
            "-XX:+UseG1GC",
            "-Djava.awt.headless=true",
            f"-Dlog4j2.configurationFile={self.root / 'log4j2.properties'}",
            "-cp",
            f"{self.libs}/*",
        ]

    def _write_config(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        (self.root / "log4j2.properties").write_text(LOG4J2.format(log=self.log))
        self.properties.write_text(
            "process.roles=broker,controller\n"
            "node.id=1\n"
            f"controller.quorum.voters=1@127.0.0.1:{self.controller_port}\n"
            f"listeners=PLAINTEXT://127.0.0.1:{self.port},CONTROLLER://127.0.0.1:{self.controller_port}\n"
            f"advertised.listeners=PLAINTEXT://127.0.0.1:{self.port}\n"
            "controller.listener.names=CONTROLLER\n"
            "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT\n"
            "inter.broker.listener.name=PLAINTEXT\n"
            f"log.dirs={self.data}\n"
            "num.partitions=1\n"
            "auto.create.topics.enable=false\n"
            "offsets.topic.replication.factor=1\n"
            "offsets.topic.num.partitions=12\n"
            "transaction.state.log.replication.factor=1\n"
            "transaction.state.log.min.isr=1\n"
            "share.coordinator.state.topic.replication.factor=1\n"
            "share.coordinator.state.topic.min.isr=1\n"
            "group.initial.rebalance.delay.ms=0\n"
            "log.retention.hours=168\n"
            "log.segment.bytes=268435456\n"
            "message.max.bytes=10485760\n"
            "num.network.threads=3\n"
            "num.io.threads=4\n"
        )

    def _format_storage(self, java: str) -> None:
        if (self.data / "meta.properties").exists():
            return
        cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        result = subprocess.run(
            [
                java,
                *self._jvm_args(),
                "kafka.tools.StorageTool",
                "format",
                "-t",
                cluster_id,
                "-c",
                str(self.properties),
            ],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if result.returncode != 0:
            raise ServiceError(f"formatting Kafka storage failed:\n{result.stdout}{result.stderr}")
