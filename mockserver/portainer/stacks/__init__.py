"""Portainer stacks: the rules (rules.py), deployment checks of compose files (compose.py) and
the mocked Git repositories repository stacks come from (git.py)."""

from .rules import Stacks, normalise_name, parse_filters, parse_webhook_id

__all__ = ["Stacks", "normalise_name", "parse_filters", "parse_webhook_id"]
