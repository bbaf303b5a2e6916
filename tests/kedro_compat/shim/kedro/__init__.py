"""Shim: Kedro's public module paths mapped onto runadvisor (tests/kedro_compat only)."""

from _kedro_shim.modules import install_root

install_root(__name__)
