"""The process subcommands of `tradedash` (everything but `services`)."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the process subcommands to the parser."""
