# syntax=docker/dockerfile:1
# Simulator: a ward of synthetic bedside monitors streaming to the Gateway (a demo and load tool).
# Build from the repository root: docker build -f deploy/docker/simulator.Dockerfile -t vitaltwin/simulator:dev .
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
    dotnet publish services/Simulator/VitalTwin.Simulator/VitalTwin.Simulator.csproj -c Release -o /app -p:UseAppHost=false

FROM ${RUNTIME_IMAGE} AS runtime
WORKDIR /app
COPY --from=build /app ./
ENV Simulator__GatewayUrl=http://gateway:8080
# The image's non-root "app" user, by number so that Kubernetes can verify runAsNonRoot.
USER 1654
ENTRYPOINT ["dotnet", "VitalTwin.Simulator.dll"]
