"""What the production image does at build time and at start, run as it runs there: DEBUG=false, a fresh process.

The Dockerfile runs collectstatic with WhiteNoise's manifest storage; if that fails the image cannot be
built, and without its manifest every page is a 500. `check --deploy` does not notice, so it is run here.
Production settings leave the development tools out.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # each case starts Django in a subprocess

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SECRET = "test-only-0123456789abcdefghijklmnopqrstuvwxyz-0123456789"


def production_env(tmp_path, **extra):
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),
        "DEBUG": "false",
        "SECRET_KEY": SECRET,
        "ALLOWED_HOSTS": "testserver",
        "STATIC_ROOT": str(tmp_path / "static"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        **extra,
    }


def manage(env, *args, code=None):
    command = [sys.executable, "manage.py", *args] if code is None else [sys.executable, "-c", code]
    return subprocess.run(command, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=300)


def test_collectstatic_builds_the_manifest_and_a_page_is_served_from_it(tmp_path):
    env = production_env(tmp_path)
    collected = manage(env, "collectstatic", "--noinput", "-v0")
    assert collected.returncode == 0, collected.stderr[-2000:]
    assert (tmp_path / "static" / "staticfiles.json").exists()

    served = manage(
        env,
        code=(
            "import os, django; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'drssd_portal.settings'); django.setup()\n"
            "from django.test import Client\n"
            "from django.test.utils import setup_test_environment; setup_test_environment()\n"
            "response = Client().get('/accounts/login/', secure=True)\n"
            "print(response.status_code); print(response.content.decode())\n"
        ),
    )
    assert served.returncode == 0, served.stderr[-2000:]
    status, html = served.stdout.split("\n", 1)
    assert status == "200"
    # Hashed names from the manifest, not the plain paths DEBUG would serve.
    assert (
        "/static/vendor/bootstrap/bootstrap.min." in html and "/static/vendor/bootstrap/bootstrap.min.css" not in html
    )


def test_production_settings_leave_out_the_development_tools(tmp_path):
    listed = manage(production_env(tmp_path), "help", "--commands")
    assert listed.returncode == 0, listed.stderr[-2000:]
    commands = listed.stdout.split()
    assert "rebuild_rollups" in commands
    for tool in ("load_demo", "generate_national_dataset", "bench_rollups", "bench_dashboards", "bench_pdfs"):
        assert tool not in commands
