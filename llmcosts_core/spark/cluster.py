"""A Spark standalone cluster on this machine, started from the pyspark wheel: a master, workers
and the Thrift server (Spark SQL over the HiveServer2 protocol), each its own process.

This is what `LLMCOSTS_WAREHOUSE=spark` uses when no `LLMCOSTS_SPARK_THRIFT_URL` points at a
cluster of the team's own (docs/scaling.md): the demo, the parity tests and the benchmarks. The
wheel ships `bin/spark-class` and `bin/spark-submit` but no `sbin/` start scripts, so the processes
are started here, each in its own session (process group), their PIDs written to
`<root>/pids.json` so that `stop()` -- or a later process, after a crash -- stops exactly them.

One Derby metastore allows one Spark driver at a time, so every Spark SQL statement (dbt, the lake
writer's table registration, publishing) goes through the one Thrift server.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

import requests

from llmcosts_core.errors import ServiceUnavailable
from llmcosts_core.settings import ConfigError

log = logging.getLogger(__name__)

THRIFT_SERVER_CLASS = "org.apache.spark.sql.hive.thriftserver.HiveThriftServer2"


def spark_home() -> Path:
    """The pyspark wheel's directory, which is a complete SPARK_HOME (bin/ and jars/)."""
    try:
        import pyspark
    except ImportError:
        raise ConfigError(
            "LLMCOSTS_WAREHOUSE=spark needs pyspark; run `make install` (it installs the pinned pyspark)"
        ) from None
    return Path(pyspark.__file__).resolve().parent


def java_executable() -> str:
    """The `java` Spark will use: JAVA_HOME's, else the one on PATH. A clear error when neither."""
    java_home = os.environ.get("JAVA_HOME")
    if java_home and (Path(java_home) / "bin" / "java").is_file():
        return str(Path(java_home) / "bin" / "java")
    found = shutil.which("java")
    if not found:
        raise ConfigError(
            "LLMCOSTS_WAREHOUSE=spark needs Java 17 or newer: install it (Debian: "
            "`apt-get install openjdk-17-jre-headless`) or set JAVA_HOME"
        )
    return found


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass(frozen=True)
class ClusterPorts:
    """Every port the cluster listens on, all on 127.0.0.1."""

    master: int = 7077
    master_ui: int = 8080
    thrift: int = 10000
    thrift_ui: int = 4040
    worker_uis: tuple[int, ...] = (8081, 8082)

    @classmethod
    def free(cls, workers: int) -> ClusterPorts:
        """Unused ports, for tests and benchmarks that must not meet another cluster."""
        return cls(free_port(), free_port(), free_port(), free_port(), tuple(free_port() for _ in range(workers)))


@dataclass
class LocalSparkCluster:
    """Start with `start()`, stop with `stop()` (or use `running()`). `workers=0` runs the Thrift
    server alone in Spark's local mode (one JVM): enough for developing models, not for the parity
    test, which must prove that executors run on separate worker processes."""

    root: Path
    workers: int = 2
    worker_cores: int = 1
    worker_memory: str = "1g"
    executor_memory: str = "768m"
    ports: ClusterPorts = field(default_factory=ClusterPorts)
    start_timeout_s: float = 180.0
    pids: dict[str, int] = field(default_factory=dict)

    # -- paths -------------------------------------------------------------------------------
    @property
    def warehouse_dir(self) -> Path:
        return self.root / "warehouse"

    @property
    def pid_file(self) -> Path:
        return self.root / "pids.json"

    @property
    def log_dir(self) -> Path:
        return self.root / "logs"

    @property
    def master_url(self) -> str:
        return f"spark://127.0.0.1:{self.ports.master}"

    @property
    def master_ui_url(self) -> str:
        return f"http://127.0.0.1:{self.ports.master_ui}"

    # -- processes ---------------------------------------------------------------------------
    def _env(self) -> dict[str, str]:
        home = spark_home()
        java = Path(java_executable())
        env = {
            **os.environ,
            "SPARK_HOME": str(home),
            "SPARK_LOCAL_IP": "127.0.0.1",
            "SPARK_LOG_DIR": str(self.log_dir),
            # The Thrift server sizes its JVM from this (it is a "daemon" to Spark's launcher).
            "SPARK_DAEMON_MEMORY": "1g",
            "SPARK_CONF_DIR": str(self.root / "conf"),
            "PYSPARK_PYTHON": os.environ.get("PYSPARK_PYTHON", "python3"),
        }
        env.setdefault("JAVA_HOME", str(java.resolve().parent.parent))
        return env

    def _spawn(self, name: str, argv: list[str]) -> None:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log_file = open(self.log_dir / f"{name}.log", "ab")  # noqa: SIM115 -- kept by the child
        process = subprocess.Popen(
            argv,
            cwd=self.root,
            env=self._env(),
            stdout=log_file,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # its own process group: stop() signals the whole group
        )
        log_file.close()
        self.pids[name] = process.pid
        self._write_pids()
        log.info("started spark %s (pid %s)", name, process.pid)

    def _write_pids(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        self.pid_file.write_text(json.dumps({"ports": self.ports.__dict__, "pids": self.pids}, default=list))

    def _wait(self, what: str, ready, name: str) -> None:
        deadline = time.monotonic() + self.start_timeout_s
        while time.monotonic() < deadline:
            pid = self.pids.get(name)
            if pid is not None and not _alive(pid):
                raise ServiceUnavailable(
                    f"the Spark {what} exited while starting; see {self.log_dir / (name + '.log')}"
                )
            try:
                if ready():
                    return
            except (requests.RequestException, OSError, ValueError):
                pass
            time.sleep(0.5)
        raise ServiceUnavailable(
            f"the Spark {what} did not start within {self.start_timeout_s:.0f} s; "
            f"see {self.log_dir / (name + '.log')}"
        )

    def master_state(self) -> dict:
        """The master's JSON status page: workers, cores, running and completed applications."""
        return requests.get(f"{self.master_ui_url}/json/", timeout=5).json()

    def _conf_dir(self) -> None:
        conf = self.root / "conf"
        conf.mkdir(parents=True, exist_ok=True)
        # Spark's default console logging is INFO on every line; keep its logs to warnings.
        (conf / "log4j2.properties").write_text(
            "rootLogger.level = warn\nrootLogger.appenderRef.stdout.ref = console\n"
            "appender.console.type = Console\nappender.console.name = console\n"
            "appender.console.target = SYSTEM_ERR\nappender.console.layout.type = PatternLayout\n"
            "appender.console.layout.pattern = %d{yy/MM/dd HH:mm:ss} %p %c{1}: %m%n%ex\n"
            "logger.thrift.name = org.apache.spark.sql.hive.thriftserver\nlogger.thrift.level = info\n"
        )

    def start(self) -> LocalSparkCluster:
        stop_recorded(self.root)  # a cluster left behind by a crashed run would hold the ports
        self.root.mkdir(parents=True, exist_ok=True)
        self._conf_dir()
        home = spark_home()
        spark_class = str(home / "bin" / "spark-class")
        try:
            if self.workers:
                self._spawn("master", [
                    spark_class, "org.apache.spark.deploy.master.Master",
                    "--host", "127.0.0.1", "--port", str(self.ports.master),
                    "--webui-port", str(self.ports.master_ui),
                ])
                self._wait("master", lambda: self.master_state().get("status") == "ALIVE", "master")
                for index in range(self.workers):
                    work_dir = self.root / f"worker-{index + 1}"
                    work_dir.mkdir(parents=True, exist_ok=True)
                    self._spawn(f"worker-{index + 1}", [
                        spark_class, "org.apache.spark.deploy.worker.Worker",
                        "--host", "127.0.0.1", "--cores", str(self.worker_cores),
                        "--memory", self.worker_memory, "--work-dir", str(work_dir),
                        "--webui-port", str(self.ports.worker_uis[index]), self.master_url,
                    ])
                self._wait(
                    f"workers ({self.workers})",
                    lambda: self.master_state().get("aliveworkers", 0) >= self.workers,
                    "worker-1",
                )
            self._spawn("thrift-server", self._thrift_argv(home))
            self._wait("Thrift server", self._thrift_answers, "thrift-server")
        except BaseException:
            self.stop()
            raise
        return self

    def _thrift_argv(self, home: Path) -> list[str]:
        master = self.master_url if self.workers else "local[2]"
        confs = {
            "spark.app.name": "llmcosts-thrift-server",
            "spark.sql.warehouse.dir": str(self.warehouse_dir),
            # Every timestamp in the warehouse is UTC; without this Spark uses the JVM's zone.
            "spark.sql.session.timeZone": "UTC",
            # The marts are small: Spark's default of 200 shuffle partitions costs seconds per query.
            "spark.sql.shuffle.partitions": "4",
            "spark.executor.memory": self.executor_memory,
            "spark.executor.cores": str(self.worker_cores),
            "spark.ui.port": str(self.ports.thrift_ui),
            "spark.driver.extraJavaOptions": f"-Dderby.system.home={self.root}",
            "spark.hadoop.javax.jdo.option.ConnectionURL":
                f"jdbc:derby:;databaseName={self.root / 'metastore_db'};create=true",
        }
        argv = [str(home / "bin" / "spark-submit"), "--class", THRIFT_SERVER_CLASS, "--master", master,
                "--driver-memory", "1g"]
        for key, value in confs.items():
            argv += ["--conf", f"{key}={value}"]
        argv += ["spark-internal",
                 "--hiveconf", f"hive.server2.thrift.port={self.ports.thrift}",
                 "--hiveconf", "hive.server2.thrift.bind.host=127.0.0.1"]
        return argv

    def _thrift_answers(self) -> bool:
        with socket.create_connection(("127.0.0.1", self.ports.thrift), timeout=2):
            pass
        from llmcosts_core.spark.thrift import thrift_connection

        with thrift_connection("127.0.0.1", self.ports.thrift) as conn:
            cursor = conn.cursor()
            cursor.execute("select 1")
            return cursor.fetchall() == [(1,)]

    def stop(self) -> None:
        stop_recorded(self.root)
        self.pids.clear()

    def __enter__(self) -> LocalSparkCluster:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def _alive(pid: int) -> bool:
    try:
        waited, _ = os.waitpid(pid, os.WNOHANG)  # reap our own child, if it is one
        if waited == pid:
            return False
    except ChildProcessError:
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie (exited, not yet reaped by whoever inherited it) still answers kill(0).
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True
    return state not in ("Z", "X")


def stop_recorded(root: Path, timeout_s: float = 20.0) -> list[int]:
    """Stop every process recorded in `<root>/pids.json`, by PID (its process group): SIGTERM,
    then SIGKILL after `timeout_s`. Returns the PIDs that were still running."""
    pid_file = root / "pids.json"
    if not pid_file.is_file():
        return []
    try:
        pids = [int(pid) for pid in json.loads(pid_file.read_text()).get("pids", {}).values()]
    except (ValueError, OSError):
        pids = []
    running = [pid for pid in pids if _alive(pid)]
    # The Thrift server first (it is the cluster's client), then workers, then the master.
    for pid in reversed(running):
        _signal_group(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and any(_alive(pid) for pid in running):
        time.sleep(0.2)
    for pid in running:
        if _alive(pid):
            _signal_group(pid, signal.SIGKILL)
    for pid in running:
        for _ in range(50):
            if not _alive(pid):
                break
            time.sleep(0.1)
    pid_file.unlink(missing_ok=True)
    return running


def _signal_group(pid: int, sig: int) -> None:
    try:
        os.killpg(pid, sig)
    except (ProcessLookupError, PermissionError):
        with suppress(ProcessLookupError):
            os.kill(pid, sig)


@contextmanager
def running_cluster(root: Path, **kwargs) -> Iterator[LocalSparkCluster]:
    cluster = LocalSparkCluster(root=root, **kwargs)
    cluster.start()
    try:
        yield cluster
    finally:
        cluster.stop()
