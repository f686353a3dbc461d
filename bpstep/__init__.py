"""bpstep: a command-line tutor that shows one training step of backpropagation, stage by stage."""

from __future__ import annotations


def version() -> str:
    """The installed version (package metadata); in a checkout that was never installed, the
    version pyproject.toml gives, so there is one place to change it."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed

    try:
        return installed("bpstep")
    except PackageNotFoundError:
        import re
        from pathlib import Path

        pyproject = Path(__file__).resolve().parent.parent / "pyproject.toml"
        found = re.search(r'^version = "([^"]+)"', pyproject.read_text(encoding="utf-8"), re.M) \
            if pyproject.is_file() else None
        return found[1] if found else "unknown"


def __getattr__(name: str) -> str:
    """``bpstep.__version__``, looked up only when asked so that start-up stays light."""
    if name == "__version__":
        return version()
    raise AttributeError(f"module 'bpstep' has no attribute {name!r}")
