"""Secrets come only from the environment or from files their owner alone can read (issue 7).

A password file, or a config file holding a password, that its group or other users can read is refused
at start-up with the chmod to run; settings never print a password, not even in repr(); the real CLI
stops with exit 2 and a one-line reason.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from config.settings import InsecureSecretFile, Settings

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "mat-khau-cum-es-7f3k"


@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    for key in list(os.environ):
        if key.startswith("SOHOA_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("SOHOA_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.chdir(tmp_path)  # no ./sohoa.toml of the checkout
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    return tmp_path


def _secret_file(path: Path, text: str, mode: int) -> Path:
    path.write_text(text + "\n", encoding="utf-8")
    path.chmod(mode)
    return path


def test_a_private_password_file_is_read(clean_env, monkeypatch):
    path = _secret_file(clean_env / "es-password", PASSWORD, 0o600)
    monkeypatch.setenv("SOHOA_ES_PASSWORD_FILE", str(path))
    settings = Settings()
    assert settings.es_password is not None and settings.es_password.get_secret_value() == PASSWORD
    assert PASSWORD not in repr(settings) and PASSWORD not in json.dumps(settings.describe(), default=str)


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o660])
def test_a_password_file_others_can_read_is_refused(clean_env, monkeypatch, mode):
    path = _secret_file(clean_env / "es-password", PASSWORD, mode)
    monkeypatch.setenv("SOHOA_ES_PASSWORD_FILE", str(path))
    with pytest.raises(InsecureSecretFile, match=rf"can be read by other users \(mode {mode:04o}\): run chmod 600"):
        Settings()


def test_a_missing_password_file_and_two_sources_are_refused(clean_env, monkeypatch):
    monkeypatch.setenv("SOHOA_ES_API_KEY_FILE", str(clean_env / "nothing-here"))
    with pytest.raises(InsecureSecretFile, match="No such file"):
        Settings()
    path = _secret_file(clean_env / "key", "abc", 0o600)
    monkeypatch.setenv("SOHOA_ES_API_KEY_FILE", str(path))
    monkeypatch.setenv("SOHOA_ES_API_KEY", "def")
    with pytest.raises(InsecureSecretFile, match="keep one"):
        Settings()


def test_a_config_file_holding_a_password_must_be_private(clean_env, monkeypatch):
    config = clean_env / "sohoa.toml"
    monkeypatch.setenv("SOHOA_CONFIG", str(config))
    _secret_file(config, f'es_password = "{PASSWORD}"', 0o644)
    with pytest.raises(InsecureSecretFile, match=r"config file \(holds es_password\)"):
        Settings()
    config.chmod(0o600)
    assert Settings().es_password.get_secret_value() == PASSWORD
    # a database URL with a password counts as a secret; without one the file may be shared
    _secret_file(config, 'database_url = "postgresql+psycopg://sohoa:' + PASSWORD + '@db/sohoa"', 0o644)
    with pytest.raises(InsecureSecretFile, match="holds database_url"):
        Settings()
    _secret_file(config, 'database_url = "postgresql+psycopg://sohoa@db/sohoa"\nworkers = 3', 0o644)
    assert Settings().workers == 3


def test_no_password_in_the_repr_of_the_settings(clean_env, monkeypatch):
    monkeypatch.setenv("SOHOA_DATABASE_URL", f"postgresql+psycopg://sohoa:{PASSWORD}@db/sohoa")
    settings = Settings()
    assert PASSWORD not in repr(settings) and PASSWORD not in str(settings)
    assert PASSWORD in settings.database_url  # kept for use, shown masked


def test_the_cli_stops_with_the_reason_and_exit_2(tmp_path):
    path = _secret_file(tmp_path / "db-url", f"postgresql+psycopg://sohoa:{PASSWORD}@db/sohoa", 0o644)
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOHOA_")}
    env.update(SOHOA_DATA_DIR=str(tmp_path / "data"), SOHOA_DATABASE_URL_FILE=str(path), PYTHONPATH=str(ROOT))
    run = subprocess.run([sys.executable, "-m", "sohoa", "config", "--json"], env=env, cwd=tmp_path,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 2, run.stderr
    assert f"chmod 600 {path}" in run.stderr and "Traceback" not in run.stderr
    assert PASSWORD not in run.stderr + run.stdout
    path.chmod(0o600)
    run = subprocess.run([sys.executable, "-m", "sohoa", "config", "--json"], env=env, cwd=tmp_path,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert PASSWORD not in run.stdout and "db/sohoa" in json.loads(run.stdout)["database_url"]
