"""A module without an app."""

value = 1
