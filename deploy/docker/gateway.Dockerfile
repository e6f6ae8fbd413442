# syntax=docker/dockerfile:1
# Gateway: device ingestion over gRPC.
# Build from the repository root: docker build -f deploy/docker/gateway.Dockerfile -t vitaltwin/gateway:dev .
# Without a registry (podman, a Debian base of its own): ./build.sh --target=Images publishes on the host and builds
# this file with --build-context build=<that output> and RUNTIME_IMAGE=<the local base>, so the SDK stage never runs;
# deploy/README.md, "Images without a registry".

ARG SDK_IMAGE=mcr.microsoft.com/dotnet/sdk:10.0
ARG RUNTIME_IMAGE=mcr.microsoft.com/dotnet/aspnet:10.0

FROM ${SDK_IMAGE} AS build
WORKDIR /src
# global.json is left out on purpose: it pins the exact SDK of the developers' machines, which the image's
# 10.0 SDK need not match; the target framework (net10.0) is what decides the build.
COPY Directory.Build.props Directory.Packages.props .editorconfig ./
COPY protos/ protos/
COPY services/ services/
RUN --mount=type=cache,id=vitaltwin-nuget,target=/root/.nuget/packages \
    dotnet publish services/Gateway/VitalTwin.Gateway/VitalTwin.Gateway.csproj -c Release -o /app -p:UseAppHost=false

FROM ${RUNTIME_IMAGE} AS runtime
WORKDIR /app
COPY --from=build /app ./
# The services bind the listeners named in Kestrel:Endpoints (Grpc: HTTP/2; Http: HTTP/1 for /alive and /health);
# in a container they listen on every interface at fixed ports. The base image's ASPNETCORE_HTTP_PORTS is cleared:
# Kestrel binds these instead, and left set, its http://*:8080 stays among the server's addresses beside them (the
# routing of a service with replicas, which looks for its own gRPC address there, reads a wildcard as every interface).
ENV Kestrel__Endpoints__Grpc__Url=http://+:8080 \
    Kestrel__Endpoints__Http__Url=http://+:8081 \
    ASPNETCORE_HTTP_PORTS=
EXPOSE 8080 8081
# The image's non-root "app" user, by number so that Kubernetes can verify runAsNonRoot.
USER 1654
ENTRYPOINT ["dotnet", "VitalTwin.Gateway.dll"]
