# syntax=docker/dockerfile:1
# Dashboard: the ward dashboard, a web application (Blazor, interactive server rendering) for clinicians.
# Build from the repository root: docker build -f deploy/docker/dashboard.Dockerfile -t vitaltwin/dashboard:dev .
# Without a registry (podman, a Debian base of its own): ./build.sh --target=Images publishes on the host and builds
# this file with --build-context build=<that output> and RUNTIME_IMAGE=<the local base>, so the SDK stage never runs;
# deploy/README.md, "Images without a registry".

ARG SDK_IMAGE=mcr.microsoft.com/dotnet/sdk:10.0
ARG RUNTIME_IMAGE=mcr.microsoft.com/dotnet/aspnet:10.0

# uPlot comes from the npm registry, as package-lock.json pins it; the SDK image has no npm.
FROM node:22-bookworm-slim AS frontend
WORKDIR /src
COPY services/Dashboard/VitalTwin.Dashboard/package.json services/Dashboard/VitalTwin.Dashboard/package-lock.json ./
RUN npm ci --no-audit --no-fund --ignore-scripts

FROM ${SDK_IMAGE} AS build
WORKDIR /src
# global.json is left out on purpose: it pins the exact SDK of the developers' machines, which the image's
# 10.0 SDK need not match; the target framework (net10.0) is what decides the build.
COPY Directory.Build.props Directory.Packages.props .editorconfig ./
COPY protos/ protos/
COPY services/ services/
# With node_modules in place the project's build only copies uPlot's files into wwwroot/lib; publish then puts them
# in wwwroot beside the dashboard's own and MudBlazor's.
COPY --from=frontend /src/node_modules/ services/Dashboard/VitalTwin.Dashboard/node_modules/
RUN --mount=type=cache,id=vitaltwin-nuget,target=/root/.nuget/packages \
    dotnet publish services/Dashboard/VitalTwin.Dashboard/VitalTwin.Dashboard.csproj -c Release -o /app -p:UseAppHost=false

FROM ${RUNTIME_IMAGE} AS runtime
WORKDIR /app
COPY --from=build /app ./
# The Data Protection key ring's directory (Dashboard:Hosting:KeysDirectory), owned by the app user so that a
# volume mounted there starts writable.
RUN mkdir -p /var/lib/vitaltwin/keys && chown 1654:1654 /var/lib/vitaltwin/keys
# One listener, on every interface: the pages, their WebSocket, and /alive and /health. It takes precedence over the
# image's ASPNETCORE_HTTP_PORTS (ASP.NET logs that it overrides it).
ENV Kestrel__Endpoints__Http__Url=http://+:8081
EXPOSE 8081
# The image's non-root "app" user, by number so that Kubernetes can verify runAsNonRoot.
USER 1654
ENTRYPOINT ["dotnet", "VitalTwin.Dashboard.dll"]
