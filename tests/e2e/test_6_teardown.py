"""teardown.yml leaves no container or network of the cluster behind."""

from __future__ import annotations

from cluster import CLUSTER, cluster_containers, docker, playbook


def test_teardown_removes_every_container_and_the_network(serve_url: str) -> None:
    assert cluster_containers()
    run = playbook("teardown.yml")
    assert run.returncode == 0, run.output[-4000:]
    assert cluster_containers() == []
    assert docker("network", "ls", "--filter", f"name=^{CLUSTER}$", "--format", "{{.Name}}") == ""
    again = playbook("teardown.yml")
    assert again.returncode == 0
    assert again.recap()["localhost"]["changed"] == 0
