# Anvat in a FROM scratch image: the binary, the glibc loader and libraries it links, a CA bundle, /data and /tmp.
#   docker build -t anvat .
#   docker run -p 8080:8080 -v anvat-data:/data anvat
# The final stage's file set is whatever scripts/scratch-rootfs assembles (the one list; scripts/verify-scratch runs
# the binary chrooted in a set made by the same script, which is how CI proves it is enough without Docker).

FROM node:22-bookworm AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build && scripts/scratch-rootfs dist/anvat /rootfs

FROM scratch
COPY --from=build /rootfs/ /
# Bun trusts its built-in Mozilla roots; this adds the image's bundle (replace it by mounting your own for a private CA).
ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt \
    ANVAT_HOST=0.0.0.0 \
    ANVAT_PORT=8080 \
    ANVAT_DB=/data/anvat.db
VOLUME /data
WORKDIR /data
USER 65532:65532
EXPOSE 8080
# PID 1: serve handles SIGTERM itself (drains in-flight requests, flushes the ledger, exits 0).
ENTRYPOINT ["/anvat"]
CMD ["serve"]
