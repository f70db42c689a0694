# ipdesk in a minimal image: a static Go binary on scratch, run as an
# unprivileged user, with its data in the /data volume.
#
#   docker build -t ipdesk .
#   docker run -p 8080:8080 -v ipdesk-data:/data ipdesk
#
# The base images are build arguments so that CI can build against local
# stand-ins (see .ci/container-test). The templ output and htmx are
# committed, so the build needs no code generator and no npm.
ARG GO_IMAGE=golang:1.26.8-bookworm
ARG RUNTIME_IMAGE=scratch

FROM ${GO_IMAGE} AS build
# The Go proxy settings of the machine that builds, when it hands them in
# (CI passes its own `go env` values); unset, Go uses its defaults.
ARG GOPROXY
ARG GOSUMDB
ARG GOFLAGS
ENV CGO_ENABLED=0
WORKDIR /src
# Modules first, so that a change of source does not download them again.
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN go build -trimpath -buildvcs=false -ldflags="-s -w" -o /out/ipdesk .
# What the runtime needs besides the binary: CA certificates (HTTPS to
# Katapult), passwd and group entries for the unprivileged user, and an
# empty data folder that the user owns (a new named volume takes its owner
# from it). Time zone data is compiled in (time/tzdata).
RUN mkdir -p /out/etc/ssl/certs /out/data \
 && cp /etc/ssl/certs/ca-certificates.crt /out/etc/ssl/certs/ \
 && printf 'root:x:0:0:root:/root:/sbin/nologin\nipdesk:x:65532:65532:ipdesk:/data:/sbin/nologin\n' >/out/etc/passwd \
 && printf 'root:x:0:\nipdesk:x:65532:\n' >/out/etc/group

FROM ${RUNTIME_IMAGE}
COPY --from=build /out/etc/ /etc/
COPY --from=build /out/ipdesk /ipdesk
COPY --from=build --chown=65532:65532 /out/data /data
# Listen on all interfaces of the container; keep the data in the volume.
# To change the port, set IPDESK_ADDR rather than -addr: the HEALTHCHECK
# reads the address from the environment, not from the command's flags.
# SQLite's and Go's temporary files go to the volume too: /data is the only
# place the image writes, so it also runs with a read-only root.
ENV IPDESK_ADDR=0.0.0.0:8080 IPDESK_DATA=/data TMPDIR=/data
VOLUME /data
EXPOSE 8080
# Numeric, so that it needs no lookup and a runtime can tell it is not root.
USER 65532:65532
HEALTHCHECK --interval=30s --timeout=10s --start-period=10s --retries=3 \
  CMD ["/ipdesk", "-healthcheck"]
# Flags given to `docker run IMAGE …` pass through to ipdesk.
ENTRYPOINT ["/ipdesk"]
