# syntax=docker/dockerfile:1
# TwinState: the patient twins, vitals history and the TwinQuery gRPC API.
# Build from the repository root: docker build -f deploy/docker/twin-state.Dockerfile -t vitaltwin/twin-state:dev .

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
# global.json is left out on purpose: it pins the exact SDK of the developers' machines, which the image's
# 10.0 SDK need not match; the target framework (net10.0) is what decides the build.
COPY Directory.Build.props Directory.Packages.props .editorconfig ./
COPY protos/ protos/
COPY services/ services/
RUN --mount=type=cache,id=vitaltwin-nuget,target=/root/.nuget/packages \
    dotnet publish services/TwinState/VitalTwin.TwinState/VitalTwin.TwinState.csproj -c Release -o /app -p:UseAppHost=false

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
WORKDIR /app
COPY --from=build /app ./
# The services bind the listeners named in Kestrel:Endpoints (Grpc: HTTP/2; Http: HTTP/1 for /alive and /health);
# in a container they listen on every interface at fixed ports. These take precedence over the image's
# ASPNETCORE_HTTP_PORTS (ASP.NET logs that it overrides it).
ENV Kestrel__Endpoints__Grpc__Url=http://+:8080 \
    Kestrel__Endpoints__Http__Url=http://+:8081
EXPOSE 8080 8081
# The image's non-root "app" user, by number so that Kubernetes can verify runAsNonRoot.
USER 1654
ENTRYPOINT ["dotnet", "VitalTwin.TwinState.dll"]
