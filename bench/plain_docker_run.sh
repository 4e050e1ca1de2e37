#!/usr/bin/env bash
# The bare minimum for the same cluster, as a user would type it: one network and
# three `docker run`s of the same image with the same commands, no checks, no waits.
# Usage: plain_docker_run.sh IMAGE NAME PORT    (teardown: plain_docker_run.sh --rm NAME)
set -euo pipefail
if [[ "$1" == "--rm" ]]; then
  docker rm -f "$2-serve" "$2-ray-worker-1" "$2-ray-head" >/dev/null 2>&1 || true
  docker network rm "$2" >/dev/null 2>&1 || true
  exit 0
fi
image=$1 name=$2 port=$3
docker network create "$name" >/dev/null
docker run -d --name "$name-ray-head" --network "$name" --shm-size 512m --init \
  -e RAY_AUTH_MODE=disabled "$image" \
  ray start --head --block --port=6379 --dashboard-host=0.0.0.0 --num-cpus=0 \
  --object-store-memory=200000000 --disable-usage-stats >/dev/null
docker run -d --name "$name-ray-worker-1" --network "$name" --shm-size 512m --init \
  -e RAY_AUTH_MODE=disabled "$image" \
  python -m seedcore_serve.wait_for_head --address "$name-ray-head:6379" \
  --health-url "http://$name-ray-head:8265/api/gcs_healthz" -- \
  ray start --block --address="$name-ray-head:6379" --num-cpus=1 \
  '--resources={"seedcore_worker": 1}' --object-store-memory=200000000 --disable-usage-stats >/dev/null
docker run -d --name "$name-serve" --network "$name" --shm-size 512m --init \
  -p "127.0.0.1:$port:8000" -e RAY_AUTH_MODE=disabled \
  -e RAY_ADDRESS="$name-ray-head:6379" \
  -e SEEDCORE_RAY_START_ARGS='["--num-cpus=1", "--object-store-memory=200000000", "--disable-usage-stats"]' \
  -e SEEDCORE_APP_ARGS='{"num_cpus": 0.1, "num_replicas": 1}' \
  "$image" python -m seedcore_serve.supervisor >/dev/null
