using Grpc.Core;

namespace VitalTwin.Simulator.Streaming;

/// <summary>The headers the Gateway authenticates calls by: a registrar's bearer token, a device's credential.</summary>
internal static class GatewayCredentials
{
    public static Metadata Registrar(string? accessToken) =>
        accessToken is null ? [] : [new Metadata.Entry("authorization", $"Bearer {accessToken}")];

    public static Metadata Device(string credential) => [new Metadata.Entry("authorization", $"Device {credential}")];
}
