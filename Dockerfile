# Build a static binary, then ship it alone in a minimal image.
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/rapport ./cmd/rapport \
 && mkdir -p /out/data

# distroless/static has CA certificates and a non-root user (65532), and no
# shell. Time zone data is compiled into the binary (time/tzdata).
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/rapport /usr/local/bin/rapport
COPY --from=build --chown=65532:65532 /out/data /data
ENV RAPPORT_DATA_DIR=/data
# Health checks, metrics and the admin pages; 3978 is Teams' endpoint.
ENV RAPPORT_HTTP_ADDR=:8080
EXPOSE 8080 3978
VOLUME ["/data"]
USER 65532:65532
# The image has no shell or curl: the binary asks its own /readyz.
HEALTHCHECK --interval=30s --timeout=6s --start-period=30s --retries=3 CMD ["/usr/local/bin/rapport", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/rapport"]
CMD ["serve"]
