"""The only place that touches Ray's private API; tests/clausewise/test_ray_private.py fails loudly on an upgrade.

    init_local_node(num_cpus=2, ...)   # ray.init on this machine with the private `_node_ip_address="127.0.0.1"`

Measured on Ray 2.60 (Linux): ray.init resolves a loopback `_node_ip_address` to the machine's reachable
address (ray._private.services.resolve_ip_for_localhost), the same one Ray picks without it, so the node
is not bound to 127.0.0.1; tests/clausewise/test_ray_private.py pins that behaviour.
Ray is an optional extra (pip install -e '.[batch]'), so it is imported inside the functions.
"""

from __future__ import annotations

LOOPBACK = "127.0.0.1"


def init_local_node(**kwargs) -> None:
    """ray.init(**kwargs, _node_ip_address="127.0.0.1"): Ray's private option for the node's address."""
    import ray

    ray.init(_node_ip_address=LOOPBACK, **kwargs)
