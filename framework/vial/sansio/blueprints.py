"""Blueprints under their Flask 3 ``sansio`` module name."""

from __future__ import annotations

from ..blueprints import Blueprint, BlueprintSetupState, DeferredSetupFunction

__all__ = ["Blueprint", "BlueprintSetupState", "DeferredSetupFunction"]
