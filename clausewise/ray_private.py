"""The only place that touches Ray's private API; tests/test_ray_private.py fails loudly on an upgrade.

    init_on_loopback(num_cpus=2, ...)   # ray.init on this machine, the node bound to 127.0.0.1

Ray is an optional extra (pip install -e '.[batch]'), so it is imported inside the functions.
"""

from __future__ import annotations

LOOPBACK = "127.0.0.1"


def init_on_loopback(**kwargs) -> None:
    """ray.init(**kwargs) starting a local node on 127.0.0.1 (Ray's private `_node_ip_address`; no public option)."""
    import ray

    ray.init(_node_ip_address=LOOPBACK, **kwargs)
