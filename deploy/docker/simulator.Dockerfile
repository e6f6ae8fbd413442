# syntax=docker/dockerfile:1
# Simulator: a ward of synthetic bedside monitors streaming to the Gateway (a demo and load tool).
# Build from the repository root: docker build -f deploy/docker/simulator.Dockerfile -t vitaltwin/simulator:dev .

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
# global.json is left out on purpose: it pins the exact SDK of the developers' machines, which the image's
# 10.0 SDK need not match; the target framework (net10.0) is what decides the build.
COPY Directory.Build.props Directory.Packages.props .editorconfig ./
COPY protos/ protos/
COPY services/ services/
RUN --mount=type=cache,id=vitaltwin-nuget,target=/root/.nuget/packages \
    dotnet publish services/Simulator/VitalTwin.Simulator/VitalTwin.Simulator.csproj -c Release -o /app -p:UseAppHost=false

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
WORKDIR /app
COPY --from=build /app ./
ENV Simulator__GatewayUrl=http://gateway:8080
# The image's non-root "app" user, by number so that Kubernetes can verify runAsNonRoot.
USER 1654
ENTRYPOINT ["dotnet", "VitalTwin.Simulator.dll"]
