# Builds ipdesk into a minimal image. The templ output and htmx are committed,
# so the build needs no code generator and no npm.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/ipdesk . && mkdir -p /out/data /out/tmp

# A static binary needs only CA certificates (remote mode speaks HTTPS to
# Katapult) and writable data and temp folders owned by an unprivileged user.
FROM scratch
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/
COPY --from=build /out/ipdesk /ipdesk
COPY --from=build --chown=65532:65532 /out/data /data
COPY --from=build --chown=65532:65532 /out/tmp /tmp
ENV IPDESK_ADDR=0.0.0.0:8080 IPDESK_DATA=/data
VOLUME /data
EXPOSE 8080
USER 65532:65532
ENTRYPOINT ["/ipdesk"]
