# action-gateway: a slim, non-root image that runs `action-gateway serve` on 0.0.0.0:8080.
#
#   docker build -t action-gateway:0.1.0 .
#   docker run --read-only --tmpfs /tmp -p 8080:8080 \
#     -v "$PWD/gateway.yaml:/etc/action-gateway/gateway.yaml:ro" \
#     -e ACME_SHOPIFY_TOKEN -e ACTION_GATEWAY_REDIS_URL action-gateway:0.1.0
#
# The config file is mounted (never baked in); platform tokens, caller key hashes and the Redis
# URL come from the environment. Several workers (ACTION_GATEWAY_WORKERS > 1) need
# ACTION_GATEWAY_REDIS_URL: the gateway refuses to start them without it.

# Both stages use the same base, so the venv's interpreter path exists in the final image.
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS builder

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore

WORKDIR /build

# Only what the wheel is built from (see .dockerignore): no tests, no local venv, no secrets.
COPY pyproject.toml README.md ./
COPY src ./src

# A wheel of the project (non-editable), installed with its dependencies into a venv that has
# no pip of its own; the final stage copies that venv alone.
RUN python -m pip wheel --no-cache-dir --no-deps --wheel-dir /build/dist . \
    && python -m venv --without-pip /opt/venv \
    && python -m pip --python /opt/venv/bin/python install --no-cache-dir /build/dist/*.whl \
    && /opt/venv/bin/action-gateway --help >/dev/null


FROM ${PYTHON_IMAGE}

ARG PYTHON_IMAGE
ARG VERSION=0.1.0
LABEL org.opencontainers.image.title="action-gateway" \
      org.opencontainers.image.description="A stateless HTTP service that lets helpdesks act on commerce platforms: eligibility, execution, timeline events." \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.base.name="${PYTHON_IMAGE}"

# PYTHONDONTWRITEBYTECODE: nothing is written next to the code, so a read-only root filesystem
# works (the wheel's modules were byte-compiled at install time in the builder).
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    ACTION_GATEWAY_HOST=0.0.0.0 \
    ACTION_GATEWAY_PORT=8080 \
    ACTION_GATEWAY_WORKERS=1 \
    ACTION_GATEWAY_LOG_FORMAT=json \
    ACTION_GATEWAY_CONFIG=/etc/action-gateway/gateway.yaml

COPY --from=builder /opt/venv /opt/venv

# A numeric user (no passwd entry needed), so Kubernetes' runAsNonRoot can verify it.
USER 10001:10001

EXPOSE 8080

# No curl in slim images: python's urllib probes liveness (exit 1 on any error or non-2xx).
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('ACTION_GATEWAY_PORT', '8080') + '/healthz', timeout=2)"]

ENTRYPOINT ["action-gateway", "serve"]
