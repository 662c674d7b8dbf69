# One image per service, chosen with a build argument:
#   docker build --build-arg SERVICE=gateway -t chat-gateway .
# Built in the official Swift image, run in slim Debian with only the runtime libraries.
ARG SWIFT_IMAGE=swift:6.2-bookworm
ARG RUNTIME_IMAGE=debian:bookworm-slim

FROM ${SWIFT_IMAGE} AS build
RUN apt-get update && apt-get install -y --no-install-recommends libhiredis-dev && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Package.swift ./
COPY Shared Shared
COPY Services Services
COPY Tests Tests
ARG SERVICE
RUN swift build -c release --static-swift-stdlib --product "${SERVICE}" \
    && install -D "$(swift build -c release --show-bin-path)/${SERVICE}" /out/service

FROM ${RUNTIME_IMAGE}
RUN apt-get update && apt-get install -y --no-install-recommends libhiredis0.14 ca-certificates tzdata \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /app chat \
    && mkdir -p /app /data/uploads && chown chat /data/uploads
COPY --from=build /out/service /app/service
USER chat
WORKDIR /app
ENV HTTP_HOST=0.0.0.0
ENTRYPOINT ["/app/service"]
