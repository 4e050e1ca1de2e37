"""teardown.yml leaves no container, network or volume of the cluster behind."""

from __future__ import annotations

from cluster import CLUSTER, cluster_containers, docker, playbook


def cluster_volumes() -> list[str]:
    listed = docker("volume", "ls", "-q", "--filter", f"label=seedcore.cluster={CLUSTER}")
    return listed.split()


def test_teardown_removes_every_container_and_the_network(serve_url: str) -> None:
    assert cluster_containers()
    # The head's GCS volume (rocksdb, the default) is made with the cluster's label.
    assert f"{CLUSTER}-ray-head-gcs" in cluster_volumes()
    run = playbook("teardown.yml")
    assert run.returncode == 0, run.output[-4000:]
    assert cluster_containers() == []
    assert docker("network", "ls", "--filter", f"name=^{CLUSTER}$", "--format", "{{.Name}}") == ""
    assert cluster_volumes() == []
    again = playbook("teardown.yml")
    assert again.returncode == 0
    assert again.recap()["localhost"]["changed"] == 0
