"""Shared pytest fixtures: the replay proxy and the environment that points a child process at it."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from replay.server import ReplayServer


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The repository root (the directory holding pyproject.toml)."""
    return Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def replay_server():
    """One started ReplayServer (default ReplayWeb) for the whole session."""
    with ReplayServer() as server:
        yield server


@pytest.fixture
def replay_env(replay_server) -> dict[str, str]:
    """os.environ plus the proxy variables: pass as `env=` to a subprocess that should crawl."""
    return {**os.environ, **replay_server.env()}
