"""The one module on Ray's private API (clausewise/ray_private.py): if an upgrade moves it, these fail first."""

from __future__ import annotations

import inspect

import pytest

ray = pytest.importorskip("ray")

from clausewise.ray_private import LOOPBACK, init_local_node  # noqa: E402


def test_ray_init_still_takes_the_private_node_ip_address_option():
    params = inspect.signature(ray.init).parameters.values()
    assert any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params)
    source = inspect.getsource(ray.init)  # hidden options are popped from **kwargs; anything left is refused
    assert 'kwargs.pop("_node_ip_address"' in source and "node_ip_address=_node_ip_address" in source, (
        "ray.init no longer reads `_node_ip_address`: rewrite init_local_node in clausewise/ray_private.py"
    )


@pytest.mark.slow
def test_init_local_node_starts_a_node_where_ray_resolves_loopback_to():
    """Ray 2.60 turns a loopback `_node_ip_address` into the reachable address it would pick anyway."""
    from ray._private.services import resolve_ip_for_localhost

    if ray.is_initialized():
        pytest.skip("Ray is already running in this process")
    init_local_node(num_cpus=1, include_dashboard=False, log_to_driver=False)
    try:
        alive = [n["NodeManagerAddress"] for n in ray.nodes() if n["Alive"]]
        assert alive == [resolve_ip_for_localhost(LOOPBACK)] == [ray.util.get_node_ip_address()]
    finally:
        ray.shutdown()
