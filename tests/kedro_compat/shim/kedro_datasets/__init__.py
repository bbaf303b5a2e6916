"""Shim: kedro-datasets' file datasets mapped onto runadvisor's (tests/kedro_compat only)."""

from _kedro_shim.modules import install_root

install_root(__name__)
