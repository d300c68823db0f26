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
VOLUME ["/data"]
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/rapport"]
CMD ["serve"]
