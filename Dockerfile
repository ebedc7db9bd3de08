# syntax=docker/dockerfile:1
# DJ CRM: both binaries (djcrm, djcrm-admin) in a small Debian image, run as a
# non-root user. Configure it with DJCRM_* variables only (see compose.yaml and
# `djcrm config --print-default`).
#
#   docker build -t djcrm .
#   docker run -p 8000:8000 djcrm            # SQLite in /var/lib/djcrm
#   docker compose up                        # PostgreSQL, Redis, a server, a worker

FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
# The registry and target caches survive between builds (BuildKit); the binaries
# are copied out of the cached target so the next stage can see them.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked --bin djcrm --bin djcrm-admin \
    && mkdir -p /out \
    && cp target/release/djcrm target/release/djcrm-admin /out/

FROM debian:bookworm-slim
# ca-certificates: TLS to PostgreSQL, Redis, SMTP and webhook targets.
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /var/lib/djcrm --create-home djcrm
COPY --from=build /out/djcrm /out/djcrm-admin /usr/local/bin/
USER 10001
WORKDIR /var/lib/djcrm
ENV DJCRM_HTTP__BIND=0.0.0.0:8000 \
    DJCRM_DATABASE__URL=sqlite:///var/lib/djcrm/djcrm.db \
    DJCRM_MAIL__OUTBOX_DIR=/var/lib/djcrm/outbox
VOLUME ["/var/lib/djcrm"]
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=5s --start-period=20s --retries=3 \
    CMD ["djcrm", "healthcheck"]
ENTRYPOINT ["djcrm"]
CMD ["serve"]
