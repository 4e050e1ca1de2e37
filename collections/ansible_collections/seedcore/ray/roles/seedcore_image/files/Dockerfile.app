# The SeedCore application on top of the pinned Ray image: head, workers and the
# serve container all run this one image, so every node has the same code.
ARG RAY_IMAGE
FROM ${RAY_IMAGE}
COPY seedcore_serve /opt/seedcore/seedcore_serve
ENV PYTHONPATH=/opt/seedcore \
    PYTHONUNBUFFERED=1 \
    RAY_USAGE_STATS_ENABLED=0
# Ray's official image already runs as uid 1000 (ray); say so for built images too.
USER 1000
# The head's RocksDB store (GCS fault tolerance) is a named volume mounted here; a new
# volume takes this folder's owner, so uid 1000 can write it.
RUN mkdir -p /home/ray/gcs
