#!/usr/bin/env python3
"""The chat backend's local topology as processes: Postgres, Redis, coturn, messages,
presence, uploads, two gateways and haproxy in front of them, as compose.yaml describes it.

Used three ways:
  scripts/run                       -> `stack.py run`: everything up, supervised, until Ctrl-C
  scripts/set-role EMAIL ROLE       -> `stack.py messages set-role …`: against that stack
  scripts/test                      -> `stack.py infra -- CMD`: Postgres + Redis around a command
  Tests/e2e (pytest)                -> `Stack(...)`: a whole stack per test session

Only the standard library: it runs before any dependency is installed.
"""

from __future__ import annotations

import argparse
import glob
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SERVICES = ("messages", "presence", "uploads", "gateway1", "gateway2")


def log(message: str) -> None:
    print(f"[stack] {message}", flush=True)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def postgres_bin(program: str) -> str:
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{program}"), key=lambda p: int(p.split("/")[4]))
    if candidates:
        return candidates[-1]
    found = shutil.which(program)
    if not found:
        sys.exit(f"{program} not found: install postgresql (scripts/run and scripts/test do)")
    return found


def wait_for(check, what: str, timeout: float = 60.0, process: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{what} exited with status {process.returncode} while starting")
        try:
            if check():
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise TimeoutError(f"{what} was not ready within {timeout:.0f} s")


def http_ok(url: str, timeout: float = 1.0) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


REDIS_MAXMEMORY = "1gb"


def script_settings() -> list[dict]:
    """The settings the scripts read rather than the services, declared as the services'
    are (the README's configuration table is made from both, by scripts/settings.py)."""
    def setting(name: str, default: str, accepts: str, help: str) -> dict:
        return {"name": name, "defaultText": default, "accepts": accepts, "help": help, "required": False}

    ports = [setting(f"{name.upper()}_PORT", str(port), "a port", f"`./scripts/run`: the port of {name}")
             for name, port in vars(Ports()).items()]
    ports[-1]["help"] = "`./scripts/run` and compose: the load balancer's port, where clients connect"
    next(port for port in ports if port["name"] == "TURN_PORT")["help"] = "`./scripts/run` and compose: coturn's port (UDP and TCP)"
    next(port for port in ports if port["name"] == "MAIL_PORT")["help"] = "`./scripts/run`: the local mail sink's SMTP port (mail is kept, not delivered)"
    return ports + [setting("REDIS_MAXMEMORY", f"`{REDIS_MAXMEMORY}`", "a Redis memory size (`512mb`, `2gb`)",
                            "`./scripts/run` and compose: Redis' memory bound, with `noeviction` (full means writes fail, "
                            "never that acknowledged work is evicted)")]


@dataclass
class Ports:
    """Where `./scripts/run` puts each process, each moved with `<NAME>_PORT`."""

    postgres: int = 55432
    redis: int = 56379
    messages: int = 8081
    presence: int = 8082
    uploads: int = 8083
    gateway1: int = 8091
    gateway2: int = 8092
    turn: int = 3478
    mail: int = 2525
    lb: int = 8080

    @classmethod
    def from_environment(cls) -> "Ports":
        defaults = cls()
        return cls(**{name: int(os.environ.get(f"{name.upper()}_PORT", value)) for name, value in vars(defaults).items()})

    @classmethod
    def free(cls) -> "Ports":
        return cls(**{name: free_port() for name in vars(cls())})


@dataclass
class Stack:
    """Processes of one local deployment, all state under `state_dir`."""

    state_dir: Path
    bin_dir: Path
    ports: Ports
    durable: bool = True
    log_level: str = "info"
    database: str = "chat"
    # Settings every service gets on top of the computed ones (tests shorten timers).
    overrides: dict[str, str] = field(default_factory=dict)
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)
    stopping: bool = False
    # Whether the local mail sink runs (messages then sends its mail there).
    mail_sink: bool = False
    # A Redis Cluster (three masters, three replicas) in place of the one Redis; its first
    # node listens on `ports.redis`.
    redis_cluster: bool = False
    cluster_ports: list[tuple[int, int]] = field(default_factory=list)
    # Redis Sentinel in place of the one Redis: the master first on `ports.redis`, a replica
    # and three sentinels on `sentinel_ports` (the replica's first).
    redis_sentinel: bool = False
    sentinel_ports: list[int] = field(default_factory=list)
    # A streaming replica of Postgres that messages reads from (DATABASE_READ_URL).
    postgres_replica: bool = False
    replica_port: int | None = None
    # pg_stat_statements loaded: what each statement costs, planning apart (`top_statements`).
    statements: bool = False

    # Infrastructure

    @property
    def database_url(self) -> str:
        return f"postgres://chat@127.0.0.1:{self.ports.postgres}/{self.database}"

    @property
    def redis_url(self) -> str:
        return f"redis://127.0.0.1:{self.ports.redis}"

    @property
    def lb_url(self) -> str:
        return f"http://127.0.0.1:{self.ports.lb}"

    def service_url(self, name: str) -> str:
        return f"http://127.0.0.1:{getattr(self.ports, name)}"

    def jwt_secret(self) -> str:
        return self.secret("jwt_secret")

    def turn_secret(self) -> str:
        """coturn's `static-auth-secret`, which presence signs TURN credentials with."""
        return self.secret("turn_secret")

    def secret(self, name: str) -> str:
        path = self.state_dir / name
        if not path.exists():
            path.write_text(secrets.token_urlsafe(48))
            path.chmod(0o600)
        return path.read_text().strip()

    def _as_postgres(self, command: list[str]) -> list[str]:
        return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command

    def start_postgres(self) -> None:
        home = self.state_dir / "postgres"
        data = home / "data"
        home.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(home, "postgres", "postgres")
        pg_ctl = postgres_bin("pg_ctl")
        if (data / "postmaster.pid").exists():
            # A run that was killed left it up: stop it, then start it ours.
            subprocess.run(self._as_postgres([pg_ctl, "-D", str(data), "-m", "fast", "-w", "stop"]), cwd=home,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if not (data / "PG_VERSION").exists():
            subprocess.run(self._as_postgres([postgres_bin("initdb"), "-D", str(data), "-U", "postgres", "--auth=trust",
                                              "--no-sync", "-E", "UTF8"]),
                           cwd=home, check=True, stdout=subprocess.DEVNULL)
        options = f"-p {self.ports.postgres} -k {home} -c listen_addresses=127.0.0.1 -c max_connections=300"
        if self.statements:
            options += " -c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track_planning=on"
        if not self.durable:
            # WAL reaches disk (and a replica) within 10 ms of a commit, not 200.
            options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c wal_writer_delay=10ms"
        subprocess.run(self._as_postgres([pg_ctl, "-D", str(data), "-l", str(home / "postgres.log"), "-o", options,
                                          "-w", "-t", "60", "start"]),
                       cwd=home, check=True, stdout=subprocess.DEVNULL)
        self.psql("DO $$ BEGIN CREATE ROLE chat LOGIN CREATEDB; EXCEPTION WHEN duplicate_object THEN NULL; END $$;")
        self.create_database(self.database)
        log(f"postgres on 127.0.0.1:{self.ports.postgres}")

    def start_postgres_replica(self, port: int | None = None) -> int:
        """A streaming replica of the stack's Postgres (pg_basebackup, then a hot standby on
        `port` or a free one); returns its port. `stop_postgres_replica` ends it."""
        home = self.state_dir / "postgres-replica"
        data = home / "data"
        home.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(home, "postgres", "postgres")
        port = port or free_port()
        if not (data / "PG_VERSION").exists():
            subprocess.run(self._as_postgres([postgres_bin("pg_basebackup"), "-h", "127.0.0.1", "-p", str(self.ports.postgres), "-U", "postgres",
                                              "-D", str(data), "-R", "-X", "stream", "--no-sync", "-c", "fast"]),
                           cwd=home, check=True, stdout=subprocess.DEVNULL)
        options = f"-p {port} -k {home} -c listen_addresses=127.0.0.1 -c max_connections=300 -c hot_standby=on -c fsync=off"
        subprocess.run(self._as_postgres([postgres_bin("pg_ctl"), "-D", str(data), "-l", str(home / "postgres.log"), "-o", options,
                                          "-w", "-t", "60", "start"]),
                       cwd=home, check=True, stdout=subprocess.DEVNULL)
        log(f"postgres replica on 127.0.0.1:{port}")
        return port

    def stop_postgres_replica(self, mode: str = "fast") -> None:
        data = self.state_dir / "postgres-replica" / "data"
        if (data / "postmaster.pid").exists():
            subprocess.run(self._as_postgres([postgres_bin("pg_ctl"), "-D", str(data), "-m", mode, "-w", "stop"]),
                           cwd=self.state_dir / "postgres-replica", stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def psql(self, sql: str, database: str = "postgres", port: int | None = None) -> str:
        result = subprocess.run([postgres_bin("psql"), "-h", "127.0.0.1", "-p", str(port or self.ports.postgres), "-U", "postgres",
                                 "-d", database, "-v", "ON_ERROR_STOP=1", "-qAtc", sql],
                                capture_output=True, text=True)
        if result.returncode != 0:
            error = subprocess.CalledProcessError(result.returncode, result.args, result.stdout, result.stderr)
            error.add_note(result.stderr.strip())  # what Postgres said, in the traceback
            raise error
        return result.stdout.strip()

    def top_statements(self, count: int = 8) -> list[tuple[int, float, float, str]]:
        """With `statements`: the statements that took Postgres the longest, as (calls, µs
        executing a call, µs planning a call, the statement's start)."""
        self.psql("CREATE EXTENSION IF NOT EXISTS pg_stat_statements", database=self.database)
        rows = self.psql(f"""
            SELECT calls, total_exec_time * 1000 / calls, total_plan_time * 1000 / calls, left(regexp_replace(query, '\\s+', ' ', 'g'), 90)
            FROM pg_stat_statements WHERE calls > 0 AND dbid = (SELECT oid FROM pg_database WHERE datname = '{self.database}')
            ORDER BY total_exec_time + total_plan_time DESC LIMIT {count}""", database=self.database)
        return [(int(calls), float(executing), float(planning), text)
                for calls, executing, planning, text in (line.split("|", 3) for line in rows.splitlines())]

    def create_database(self, name: str) -> None:
        if self.psql(f"SELECT 1 FROM pg_database WHERE datname = '{name}'") != "1":
            self.psql(f'CREATE DATABASE "{name}" OWNER chat')

    def stop_postgres(self) -> None:
        data = self.state_dir / "postgres" / "data"
        if (data / "postmaster.pid").exists():
            subprocess.run(self._as_postgres([postgres_bin("pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"]),
                           cwd=self.state_dir / "postgres", stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def start_redis(self) -> None:
        home = self.state_dir / "redis"
        home.mkdir(parents=True, exist_ok=True)
        # Bounded, failing writes when full rather than evicting (as compose.yaml has it).
        arguments = ["--port", str(self.ports.redis), "--bind", "127.0.0.1", "--dir", str(home), "--save", "",
                     "--appendonly", "yes" if self.durable else "no", "--daemonize", "no", "--logfile", str(home / "redis.log"),
                     "--maxmemory", os.environ.get("REDIS_MAXMEMORY", REDIS_MAXMEMORY), "--maxmemory-policy", "noeviction"]
        self.spawn("redis", [shutil.which("redis-server") or "redis-server", *arguments])
        wait_for(lambda: self._redis_ping(), "redis", process=self.processes["redis"])
        log(f"redis on 127.0.0.1:{self.ports.redis}")

    def _redis_ping(self, port: int | None = None) -> bool:
        with socket.create_connection(("127.0.0.1", port or self.ports.redis), timeout=1) as connection:
            connection.sendall(b"PING\r\n")
            return connection.recv(16).startswith(b"+PONG")

    @property
    def redis_nodes(self) -> list[int]:
        """Every Redis port: the one Redis, the cluster's six nodes, or the sentinels' master and replica."""
        if self.redis_cluster:
            return [port for port, _ in self.cluster_ports]
        return [self.ports.redis, *self.sentinel_ports[:1]]

    def redis_cli(self, *arguments: str, port: int | None = None) -> str:
        result = subprocess.run([shutil.which("redis-cli") or "redis-cli", "-p", str(port or self.ports.redis), *arguments],
                                capture_output=True, text=True, timeout=30)
        return result.stdout.strip()

    def start_redis_cluster(self) -> None:
        """Six nodes, made one cluster of three masters with a replica each the first time
        (later starts find their nodes.conf). A master that fails is replaced by its replica
        within seconds, and the other shards serve meanwhile (full coverage not required)."""
        # The nodes know each other by address (nodes.conf): a later start reuses the ports.
        recorded = self.state_dir / "redis-cluster" / "ports"
        if not self.cluster_ports and recorded.exists():
            self.cluster_ports = [tuple(map(int, line.split())) for line in recorded.read_text().splitlines()]
        if not self.cluster_ports:
            ports = [self.ports.redis]
            while len(ports) < 12:
                port = free_port()
                if port not in ports:
                    ports.append(port)
            self.cluster_ports = list(zip(ports[:6], ports[6:]))
            recorded.parent.mkdir(parents=True, exist_ok=True)
            recorded.write_text("".join(f"{port} {bus}\n" for port, bus in self.cluster_ports))
        for index in range(len(self.cluster_ports)):
            self.start_redis_node(index, wait=False)
        for port in self.redis_nodes:
            wait_for(lambda: self._redis_ping(port), f"redis node {port}")
        if "cluster_known_nodes:1" in self.redis_cli("CLUSTER", "INFO").split():
            subprocess.run([shutil.which("redis-cli") or "redis-cli", "--cluster", "create",
                            *[f"127.0.0.1:{port}" for port in self.redis_nodes], "--cluster-replicas", "1", "--cluster-yes"],
                           check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)
        wait_for(self._cluster_healthy, "the redis cluster")
        log(f"redis cluster on 127.0.0.1:{','.join(map(str, self.redis_nodes))}")

    def start_redis_node(self, index: int, wait: bool = True) -> None:
        port, bus = self.cluster_ports[index]
        home = self.state_dir / "redis-cluster" / str(port)
        home.mkdir(parents=True, exist_ok=True)
        arguments = ["--port", str(port), "--cluster-port", str(bus), "--bind", "127.0.0.1", "--dir", str(home), "--save", "",
                     "--appendonly", "yes" if self.durable else "no", "--daemonize", "no", "--logfile", str(home / "redis.log"),
                     "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "2000",
                     "--cluster-require-full-coverage", "no",
                     "--maxmemory", os.environ.get("REDIS_MAXMEMORY", REDIS_MAXMEMORY), "--maxmemory-policy", "noeviction"]
        process = self.spawn(f"redis{index + 1}", [shutil.which("redis-server") or "redis-server", *arguments])
        if wait:
            wait_for(lambda: self._redis_ping(port), f"redis node {port}", process=process)

    def cluster_master_of(self, key: str) -> int | None:
        """Which node (its index in `cluster_ports`) is the live master serving `key`'s slot,
        as a live node sees it; None while no master serves it."""
        port = next((port for index, port in enumerate(self.redis_nodes)
                     if (process := self.processes.get(f"redis{index + 1}")) and process.poll() is None), None)
        if port is None:
            return None
        slot = int(self.redis_cli("CLUSTER", "KEYSLOT", key, port=port))
        for line in self.redis_cli("CLUSTER", "NODES", port=port).splitlines():
            parts = line.split()
            if len(parts) < 8 or "master" not in parts[2] or "fail" in parts[2]:
                continue
            for owned in parts[8:]:
                if owned.startswith("["):
                    continue  # a slot being migrated
                low, _, high = owned.partition("-")
                if int(low) <= slot <= int(high or low):
                    node = int(parts[1].split("@")[0].rsplit(":", 1)[1])
                    return self.redis_nodes.index(node) if node in self.redis_nodes else None
        return None

    def start_redis_sentinel(self) -> None:
        """The master (`redis`, on `ports.redis`), a replica, and three sentinels watching them
        (down after 2 s): a master that fails is replaced by the replica, and comes back as a
        replica of it."""
        if not self.sentinel_ports:
            while len(self.sentinel_ports) < 4:
                port = free_port()
                if port != self.ports.redis and port not in self.sentinel_ports:
                    self.sentinel_ports.append(port)
        self.start_redis()
        self.start_redis_replica()
        for index in range(3):
            self.start_sentinel(index)
        wait_for(lambda: all(f"{self.sentinel_ports[0]}" in self.redis_cli("SENTINEL", "REPLICAS", "mymaster", port=port)
                             for port in self.sentinel_ports[1:]), "the sentinels")
        log(f"redis with sentinels on 127.0.0.1:{','.join(map(str, self.sentinel_ports[1:]))}")

    def start_redis_replica(self) -> None:
        port = self.sentinel_ports[0]
        home = self.state_dir / "redis-replica"
        home.mkdir(parents=True, exist_ok=True)
        arguments = ["--port", str(port), "--bind", "127.0.0.1", "--dir", str(home), "--save", "",
                     "--appendonly", "yes" if self.durable else "no", "--daemonize", "no", "--logfile", str(home / "redis.log"),
                     "--replicaof", "127.0.0.1", str(self.ports.redis),
                     "--maxmemory", os.environ.get("REDIS_MAXMEMORY", REDIS_MAXMEMORY), "--maxmemory-policy", "noeviction"]
        process = self.spawn("redis-replica", [shutil.which("redis-server") or "redis-server", *arguments])
        wait_for(lambda: self._redis_ping(port), "the redis replica", process=process)

    def start_sentinel(self, index: int) -> None:
        port = self.sentinel_ports[1 + index]
        home = self.state_dir / f"sentinel{index + 1}"
        home.mkdir(parents=True, exist_ok=True)
        configuration = home / "sentinel.conf"
        if not configuration.exists():  # the sentinel rewrites it with what it learns
            configuration.write_text(f"port {port}\nbind 127.0.0.1\ndir {home}\nlogfile {home / 'sentinel.log'}\n"
                                     f"sentinel monitor mymaster 127.0.0.1 {self.ports.redis} 2\n"
                                     "sentinel down-after-milliseconds mymaster 2000\nsentinel failover-timeout mymaster 10000\n")
        process = self.spawn(f"sentinel{index + 1}", [shutil.which("redis-server") or "redis-server", str(configuration), "--sentinel"])
        wait_for(lambda: self._redis_ping(port), f"sentinel {index + 1}", process=process)

    def sentinel_master(self) -> int | None:
        """The port of the master the sentinels name now."""
        for port in self.sentinel_ports[1:]:
            answer = self.redis_cli("SENTINEL", "GET-MASTER-ADDR-BY-NAME", "mymaster", port=port).split()
            if len(answer) == 2:
                return int(answer[1])
        return None

    def _cluster_healthy(self) -> bool:
        for port in self.redis_nodes:
            if "cluster_state:ok" not in self.redis_cli("CLUSTER", "INFO", port=port):
                return False
            role = self.redis_cli("ROLE", port=port).split("\n")
            if role[0] == "slave" and (len(role) < 4 or role[3] != "connected"):
                return False
        return True

    def start_turn(self) -> None:
        """coturn on loopback, checking credentials by the TURN REST convention (the secret
        it shares with presence); it relays between loopback peers too, which only a
        machine's own test calls need (README: "TURN for a deployment")."""
        home = self.state_dir / "turn"
        home.mkdir(parents=True, exist_ok=True)
        arguments = ["-n", "--use-auth-secret", f"--static-auth-secret={self.turn_secret()}", "--realm=chat",
                     "--listening-ip=127.0.0.1", "--relay-ip=127.0.0.1", f"--listening-port={self.ports.turn}",
                     "--allow-loopback-peers", "--no-multicast-peers", "--no-cli", "--no-tls", "--no-dtls", "--fingerprint",
                     "--no-stdout-log", f"--log-file={home / 'turn.log'}", "--simple-log", f"--pidfile={home / 'turn.pid'}"]
        process = self.spawn("turn", [shutil.which("turnserver") or "turnserver", *arguments])
        wait_for(lambda: self._listening(self.ports.turn), "coturn", process=process)
        log(f"coturn on 127.0.0.1:{self.ports.turn}")

    def start_mail_sink(self) -> None:
        """A local SMTP sink (scripts/mail_sink.py, PyPI's aiosmtpd): messages' mail is kept
        as .eml files under `state_dir/mail` and announced in its log, links included."""
        python = os.environ.get("MAIL_SINK_PYTHON") or sys.executable
        if subprocess.run([python, "-c", "import aiosmtpd"], capture_output=True).returncode != 0:
            log("no mail sink (aiosmtpd is not installed for this Python): mail waits in the outbox")
            return
        process = self.spawn("mail", [python, str(ROOT / "scripts" / "mail_sink.py"), "--port", str(self.ports.mail),
                                      "--dir", str(self.mail_dir)])
        wait_for(lambda: self._listening(self.ports.mail), "the mail sink", process=process)
        self.mail_sink = True
        log(f"mail sink on 127.0.0.1:{self.ports.mail}")

    @property
    def mail_dir(self) -> Path:
        return self.state_dir / "mail"

    def received_mail(self) -> list:
        """Every message the sink has kept, oldest first (`email.message.EmailMessage`)."""
        import email
        import email.policy
        return [email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
                for path in sorted(self.mail_dir.glob("*.eml"))] if self.mail_dir.exists() else []

    def _listening(self, port: int) -> bool:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True

    def start_infrastructure(self) -> None:
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self.state_dir.chmod(0o755)  # postgres must be able to reach its directory inside
        self.reap_leftovers()
        self.start_postgres()
        if self.postgres_replica:
            self.replica_port = self.start_postgres_replica(self.replica_port)
        if self.redis_cluster:
            self.start_redis_cluster()
        elif self.redis_sentinel:
            self.start_redis_sentinel()
        else:
            self.start_redis()

    # Services

    def environment(self, name: str) -> dict[str, str]:
        environment = {
            **os.environ,
            "LOG_LEVEL": self.log_level,
            "JWT_SECRET": self.jwt_secret(),
            "REDIS_URL": self.redis_url,
            **({"REDIS_CLUSTER_NODES": ",".join(f"127.0.0.1:{port}" for port in self.redis_nodes[:3])} if self.redis_cluster else {}),
            **({"REDIS_SENTINELS": ",".join(f"127.0.0.1:{port}" for port in self.sentinel_ports[1:])} if self.redis_sentinel else {}),
            "HTTP_HOST": "127.0.0.1",
            "HTTP_PORT": str(getattr(self.ports, name)),
        }
        if name == "messages":
            environment["DATABASE_URL"] = self.database_url
            if self.replica_port:
                environment["DATABASE_READ_URL"] = f"postgres://chat@127.0.0.1:{self.replica_port}/{self.database}"
            # The local sink takes mail in plain text on loopback; a deployment sets its own.
            if self.mail_sink:
                environment["SMTP_URL"] = f"smtp://127.0.0.1:{self.ports.mail}?tls=none"
            environment["PUBLIC_URL"] = self.lb_url
        if name == "presence":
            turn = f"127.0.0.1:{self.ports.turn}"
            environment.update({
                "MESSAGES_URL": self.service_url("messages"),
                "STUN_URLS": f"stun:{turn}",
                "TURN_URLS": f"turn:{turn}?transport=udp,turn:{turn}?transport=tcp",
                "TURN_SECRET": self.turn_secret(),
            })
        if name == "uploads":
            environment["UPLOADS_DIR"] = str(self.state_dir / "uploads")
            environment["MESSAGES_URL"] = self.service_url("messages")
        if name.startswith("gateway"):
            environment.update({
                "MESSAGES_URL": self.service_url("messages"),
                "PRESENCE_URL": self.service_url("presence"),
                "UPLOADS_URL": self.service_url("uploads"),
                "SOCKET_CLIENT_BUNDLE": str(ROOT / ".state" / "client" / "socket.io.min.js"),
            })
        # The load tool and the tests sign hundreds of accounts up from one address; a
        # deployment keeps the default (30 a minute per client address).
        environment.setdefault("AUTH_ATTEMPTS_PER_MINUTE", "100000")
        if not self.durable:
            environment.setdefault("BCRYPT_COST", "4")
            # The tests' and benchmarks' users leave unread messages behind by the thousand:
            # no missed-message mail for them (a test that wants it runs its own messages).
            environment.setdefault("EMAIL_NOTIFY_AFTER", "86400")
        environment.update(self.overrides)
        return environment

    def spawn(self, name: str, command: list[str], environment: dict[str, str] | None = None) -> subprocess.Popen:
        logs = self.state_dir / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        with open(logs / f"{name}.log", "ab") as output:
            process = subprocess.Popen(command, env=environment, stdout=output, stderr=subprocess.STDOUT,
                                       stdin=subprocess.DEVNULL, start_new_session=True)
        process.started_at = time.monotonic()
        self.processes[name] = process
        pids = self.state_dir / "pids"
        pids.mkdir(exist_ok=True)
        (pids / name).write_text(f"{process.pid} {Path(command[0]).name}")
        return process

    def reap_leftovers(self) -> None:
        """Stops what an earlier run that was killed outright left running, so its ports are free."""
        for record in (self.state_dir / "pids").glob("*") if (self.state_dir / "pids").exists() else []:
            try:
                pid_text, _, program = record.read_text().partition(" ")
                record.unlink(missing_ok=True)
                pid = int(pid_text)
                if program not in Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace"):
                    continue  # the pid was reused by something else
                os.kill(pid, signal.SIGTERM)
                log(f"stopped {record.name} (pid {pid}) left over from an earlier run")
                for _ in range(50):
                    os.kill(pid, 0)
                    time.sleep(0.1)
                os.kill(pid, signal.SIGKILL)
            except (ValueError, OSError):  # gone already, or not ours
                continue

    def start_service(self, name: str, wait: bool = True) -> None:
        binary = self.bin_dir / ("gateway" if name.startswith("gateway") else name)
        process = self.spawn(name, [str(binary)], self.environment(name))
        if wait:
            self.wait_ready(name, process)

    def wait_ready(self, name: str, process: subprocess.Popen | None = None, timeout: float = 60.0) -> None:
        wait_for(lambda: http_ok(f"{self.service_url(name)}/readyz"), name, timeout, process or self.processes.get(name))

    def start_services(self) -> None:
        for name in SERVICES:
            self.start_service(name, wait=False)
        for name in SERVICES:
            self.wait_ready(name)
            log(f"{name} ready on {self.service_url(name)}")

    def start_gateway(self, name: str, port: int, settings: dict[str, str]) -> str:
        """One more gateway beside the deployment's, with settings of its own (tests); stop
        it with `stop(name)`. Returns its URL."""
        environment = {**self.environment("gateway1"), "HTTP_PORT": str(port), **settings}
        process = self.spawn(name, [str(self.bin_dir / "gateway")], environment)
        url = f"http://127.0.0.1:{port}"
        wait_for(lambda: http_ok(f"{url}/readyz"), name, process=process)
        return url

    def start_load_balancer(self) -> None:
        environment = {**os.environ, "LB_BIND": f"127.0.0.1:{self.ports.lb}",
                       "GATEWAY1": f"127.0.0.1:{self.ports.gateway1}", "GATEWAY2": f"127.0.0.1:{self.ports.gateway2}"}
        process = self.spawn("haproxy", [shutil.which("haproxy") or "haproxy", "-f", str(ROOT / "deploy" / "haproxy.cfg"), "-db"],
                             environment)
        wait_for(lambda: http_ok(f"{self.lb_url}/healthz"), "haproxy", process=process)
        log(f"load balancer on {self.lb_url}")

    def check_ports_free(self) -> None:
        for name, port in vars(self.ports).items():
            with socket.socket() as probe:
                probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                try:
                    probe.bind(("127.0.0.1", port))
                except OSError:
                    sys.exit(f"port {port} ({name}) is in use by another program: free it or set {name.upper()}_PORT")

    def up(self) -> None:
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self.reap_leftovers()
        self.check_ports_free()
        self.start_infrastructure()
        self.start_turn()
        self.start_mail_sink()
        self.start_services()
        self.start_load_balancer()

    def stop(self, name: str, sig: int = signal.SIGTERM, timeout: float = 15.0) -> int | None:
        process = self.processes.pop(name, None)
        (self.state_dir / "pids" / name).unlink(missing_ok=True)
        if process is None or process.poll() is not None:
            return None if process is None else process.returncode
        process.send_signal(sig)
        try:
            return process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            return process.wait()

    def kill(self, name: str) -> None:
        self.stop(name, signal.SIGKILL)

    def down(self) -> None:
        self.stopping = True
        for name in ["haproxy", *reversed(SERVICES)]:
            self.stop(name)
        self.stop("turn")
        self.stop("redis")
        self.stop_postgres_replica()
        for index in range(len(self.cluster_ports)):
            self.stop(f"redis{index + 1}")
        for name in ("sentinel1", "sentinel2", "sentinel3", "redis-replica"):
            self.stop(name)
        self.stop_postgres()

    def supervise(self) -> None:
        """Restarts a process that dies, as compose's restart policy would, until stopped;
        one that keeps dying is restarted less and less often (up to every 10 s)."""
        delays: dict[str, float] = {}
        due: dict[str, float] = {}
        while not self.stopping:
            for name, process in list(self.processes.items()):
                if process.poll() is not None and not self.stopping:
                    now = time.monotonic()
                    if name not in due:
                        delays[name] = min(delays.get(name, 0.25) * 2, 10.0) if now - process_started(process) < 10 else 0.5
                        due[name] = now + delays[name]
                        log(f"{name} exited with status {process.returncode}; restarting it in {delays[name]:.1f} s")
                    if now < due[name]:
                        continue
                    del due[name]
                    if name in SERVICES:
                        self.start_service(name, wait=False)
                    elif name == "redis":
                        self.start_redis()
                    elif name == "redis-replica":
                        self.start_redis_replica()
                    elif name.startswith("sentinel"):
                        self.start_sentinel(int(name.removeprefix("sentinel")) - 1)
                    elif name.startswith("redis"):
                        self.start_redis_node(int(name.removeprefix("redis")) - 1, wait=False)
                    elif name == "turn":
                        self.start_turn()
                    elif name == "mail":
                        self.start_mail_sink()
                    elif name == "haproxy":
                        self.start_load_balancer()
            time.sleep(0.5)


def process_started(process: subprocess.Popen) -> float:
    return getattr(process, "started_at", 0.0)


def build_dir(configuration: str) -> Path:
    """Where the build puts the binaries; `CHAT_BIN_DIR` names other ones (a copy taken
    before a rebuild, so a long test run is not running binaries replaced under it)."""
    if os.environ.get("CHAT_BIN_DIR"):
        return Path(os.environ["CHAT_BIN_DIR"])
    output = subprocess.run(["swift", "build", "-c", configuration, "--show-bin-path"], cwd=ROOT, check=True,
                            capture_output=True, text=True)
    return Path(output.stdout.strip())


def command_run(arguments: argparse.Namespace) -> int:
    # A cluster's state is its own: a later run without --redis-cluster finds its one Redis as it was.
    stack = Stack(state_dir=ROOT / ".state" / ("run-cluster" if arguments.redis_cluster else "run"), bin_dir=build_dir(arguments.configuration),
                  ports=Ports.from_environment(), log_level=os.environ.get("LOG_LEVEL", "info"), redis_cluster=arguments.redis_cluster)

    def stop(signum, _frame):
        if not stack.stopping:
            log(f"{signal.Signals(signum).name}: stopping everything")
            stack.stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    try:
        stack.up()
        print(f"""
The chat is up. Open it in a browser (two windows, two accounts, and chat):
  the page:            {stack.lb_url}/chat
  REST and Socket.IO:  {stack.lb_url}   (Socket.IO path /socket.io/ or /api/socket/)
  gateways:            {stack.service_url('gateway1')}  {stack.service_url('gateway2')}
  services:            messages {stack.service_url('messages')}  presence {stack.service_url('presence')}  uploads {stack.service_url('uploads')}
  postgres:            {stack.database_url}
  redis:               {stack.redis_url if not stack.redis_cluster else 'a cluster on 127.0.0.1:' + ','.join(map(str, stack.redis_nodes))}
  turn (coturn):       turn:127.0.0.1:{stack.ports.turn}   (calls' relay; README "TURN for a deployment")
  mail (a local sink): smtp://127.0.0.1:{stack.ports.mail}; every mail (a password reset link...) is kept in
                       {stack.mail_dir} and announced, with its links, in {stack.state_dir / 'logs' / 'mail.log'}
  logs:                {stack.state_dir / 'logs'}
Ctrl-C stops everything.
""", flush=True)
        stack.supervise()
    finally:
        stack.down()
        log("stopped")
    return 0


def command_messages(arguments: argparse.Namespace) -> int:
    """Runs an operator's command of the messages service (`set-role EMAIL ROLE
    [--verified]`) against the stack `run` keeps in .state/run."""
    stack = Stack(state_dir=ROOT / ".state" / "run", bin_dir=build_dir(arguments.configuration), ports=Ports.from_environment())
    if not (stack.state_dir / "jwt_secret").exists():
        print("No stack has run here yet: start it with ./scripts/run first.", file=sys.stderr)
        return 1
    return subprocess.run([str(stack.bin_dir / "messages"), *arguments.arguments], env=stack.environment("messages")).returncode


def command_infra(arguments: argparse.Namespace) -> int:
    """Starts a throwaway Postgres and Redis, runs the command with their URLs, tears down."""
    state = Path(arguments.state) if arguments.state else ROOT / ".state" / f"test-{os.getpid()}"
    stack = Stack(state_dir=state, bin_dir=Path("."), ports=Ports.free(), durable=False, database="chat_test")
    try:
        stack.start_infrastructure()
        environment = {**os.environ, "DATABASE_URL": stack.database_url, "REDIS_URL": stack.redis_url,
                       "REDIS_SERVER": shutil.which("redis-server") or "redis-server"}
        return subprocess.run(arguments.command, env=environment).returncode
    finally:
        stack.down()
        if not arguments.keep:
            shutil.rmtree(state, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command_name", required=True)
    run = commands.add_parser("run", help="start everything and supervise it until Ctrl-C")
    run.add_argument("--configuration", default="release", choices=["debug", "release"])
    run.add_argument("--redis-cluster", action="store_true",
                     help="a Redis Cluster of six nodes (three masters, three replicas) in place of the one Redis")
    run.set_defaults(handler=command_run)
    messages = commands.add_parser("messages", help="an operator's command against the stack `run` started (set-role EMAIL ROLE)")
    messages.add_argument("--configuration", default="release", choices=["debug", "release"])
    messages.add_argument("arguments", nargs=argparse.REMAINDER)
    messages.set_defaults(handler=command_messages)
    infra = commands.add_parser("infra", help="run a command with a throwaway Postgres and Redis")
    infra.add_argument("--state", help="state directory (default: a new one under .state/)")
    infra.add_argument("--keep", action="store_true", help="keep the state directory afterwards")
    infra.add_argument("command", nargs=argparse.REMAINDER)
    infra.set_defaults(handler=command_infra)
    arguments = parser.parse_args()
    if arguments.command_name == "infra":
        arguments.command = arguments.command[1:] if arguments.command[:1] == ["--"] else arguments.command
        if not arguments.command:
            parser.error("infra needs a command to run")
    return arguments.handler(arguments)


if __name__ == "__main__":
    sys.exit(main())
