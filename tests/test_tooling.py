"""What a fresh machine meets: make test's system packages, and the release id the cache keys carry."""

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from config.release import code_release
from tests.conftest import ROOT

SCRIPT = ROOT / "scripts" / "system-packages"


@pytest.fixture
def bin_dir():
    """A folder the unprivileged user the script runs as can read (pytest's own tmp_path is root's alone)."""
    folder = Path(tempfile.mkdtemp(prefix="aftersale-bin-"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder)


def fake_path(bin_dir: Path, commands: list[str]) -> str:
    """A PATH holding only ``commands``: the script's own tools, plus fakes for those named."""
    for tool in ("id", "env"):
        (bin_dir / tool).symlink_to(shutil.which(tool))
    for name in commands:
        fake = bin_dir / name
        fake.write_text("#!/bin/sh\nexit 0\n")
        fake.chmod(0o755)
    return str(bin_dir)


def run_script(path: str) -> subprocess.CompletedProcess:
    as_nobody = (lambda: (os.setgid(65534), os.setuid(65534))) if os.getuid() == 0 else None
    return subprocess.run(
        ["/bin/sh", str(SCRIPT)], env={"PATH": path}, capture_output=True, text=True, timeout=30, preexec_fn=as_nobody
    )


def test_without_root_the_missing_packages_stop_the_run_with_the_command_to_type(bin_dir):
    result = run_script(fake_path(bin_dir, []))
    assert result.returncode == 1
    assert "sudo apt-get install -y --no-install-recommends chromium gettext curl openssl" in result.stderr


def test_only_the_missing_package_is_named(bin_dir):
    result = run_script(fake_path(bin_dir, ["chromium", "curl", "openssl"]))
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1].endswith("--no-install-recommends gettext")


def test_with_all_present_it_does_nothing(bin_dir):
    result = run_script(fake_path(bin_dir, ["chromium", "msgfmt", "curl", "openssl"]))
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def test_the_release_follows_the_code_and_nothing_else(tmp_path):
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "views.py").write_text("A = 1\n")
    (tmp_path / "app" / "page.html").write_text("<p>hi</p>\n")
    first = code_release(tmp_path)
    (tmp_path / "notes.md").write_text("not code\n")
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_x.py").write_text("B = 2\n")
    assert code_release(tmp_path) == first
    (tmp_path / "app" / "page.html").write_text("<p>hello</p>\n")
    assert code_release(tmp_path) != first
