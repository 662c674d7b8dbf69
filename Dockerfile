# One image per service, chosen with a build argument:
#   docker build --build-arg SERVICE=gateway -t chat-gateway .
# The binaries are built in the official Swift image (every product at once, with the Swift
# runtime linked in statically, so the stage is shared by the four images), and run in slim
# Debian with only the runtime libraries, as an unprivileged user.
#
# Where base images cannot be pulled (the tests on a machine without a registry), the
# binaries can come from the build context instead (BINARIES=prebuilt, prebuilt/<product>)
# and the runtime base from a local image that has its packages already
# (RUNTIME_IMAGE=…, INSTALL_RUNTIME_PACKAGES=0); see scripts/docker-test.
ARG SWIFT_IMAGE=swift:6.2-bookworm
ARG RUNTIME_IMAGE=debian:bookworm-slim
ARG BINARIES=source

FROM ${SWIFT_IMAGE} AS binaries-source
RUN apt-get update && apt-get install -y --no-install-recommends libhiredis-dev && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Package.swift ./
COPY Shared Shared
COPY Services Services
COPY Tests Tests
COPY Tools Tools
RUN swift build -c release --static-swift-stdlib \
    && mkdir -p /out \
    && for product in gateway messages presence uploads; do cp "$(swift build -c release --show-bin-path)/$product" /out/; done

FROM scratch AS binaries-prebuilt
COPY prebuilt/ /out/

FROM binaries-${BINARIES} AS binaries

# The socket.io-client 4.8.1 bundle the gateway serves (MIT; see the README): from PyPI's
# nicegui wheel, as ./scripts/run fetches it, or from the context (prebuilt/client/).
FROM python:3.12-slim AS client-source
RUN pip download -q --disable-pip-version-check --no-deps -d /tmp/wheel nicegui==3.18.0 \
    && mkdir /client \
    && python -c "import glob, zipfile; open('/client/socket.io.min.js', 'wb').write(zipfile.ZipFile(glob.glob('/tmp/wheel/*.whl')[0]).read('nicegui/static/socket.io.min.js'))"

FROM scratch AS client-prebuilt
COPY prebuilt/client/ /client/

FROM client-${BINARIES} AS client

FROM ${RUNTIME_IMAGE}
ARG INSTALL_RUNTIME_PACKAGES=1
RUN if [ "$INSTALL_RUNTIME_PACKAGES" = 1 ]; then \
        apt-get update && apt-get install -y --no-install-recommends libhiredis0.14 ca-certificates tzdata \
        && rm -rf /var/lib/apt/lists/*; \
    fi \
    && useradd --system --uid 10001 --no-create-home --shell /usr/sbin/nologin chat \
    && mkdir -p /data/uploads && chown chat /data/uploads
ARG SERVICE
COPY --from=binaries /out/${SERVICE} /app/service
COPY --from=client /client/ /app/client/
COPY Web /app/Web
USER chat
WORKDIR /app
ENV HTTP_HOST=0.0.0.0 SOCKET_CLIENT_BUNDLE=/app/client/socket.io.min.js WEB_ROOT=/app/Web
HEALTHCHECK --interval=5s --timeout=4s --start-period=10s --retries=3 CMD ["/app/service", "healthcheck"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["/app/service"]
