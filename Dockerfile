# syntax=docker/dockerfile:1
# vendorscan as a static container image: one musl binary, CA certificates, nothing else.
#
#   docker build -t vendorscan .
#   docker run --rm vendorscan scan https://shop.example.com
#   docker run --rm -v "$PWD:/work" vendorscan scan public --site https://shop.example.com -f json -o report.json
#
# For --browser, use Dockerfile.browser (Debian with Chromium).

# Alpine's Rust targets musl natively and links statically: the binary runs anywhere.
FROM rust:1-alpine AS build
# gcc and musl-dev for ring's and jemalloc's C code, make for jemalloc, certificates to copy.
RUN apk add --no-cache gcc musl-dev make ca-certificates
WORKDIR /src
COPY . .
RUN cargo build --release --locked --features jemalloc \
    && strip target/release/vendorscan \
    && ! ldd target/release/vendorscan 2>/dev/null | grep -q '=>' \
    && target/release/vendorscan --version \
    && target/release/vendorscan scan examples/demo-store --site https://demo-store.example -q -f json -o /dev/null

FROM scratch
# The crawl verifies TLS certificates against the system's roots: give it some.
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt
COPY --from=build /src/target/release/vendorscan /usr/local/bin/vendorscan
# Reports are written beside the output file (then renamed): mount a writable /work.
WORKDIR /work
USER 65534:65534
ENTRYPOINT ["/usr/local/bin/vendorscan"]
CMD ["--help"]
