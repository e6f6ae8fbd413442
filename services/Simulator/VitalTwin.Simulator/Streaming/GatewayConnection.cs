using Grpc.Net.Client;
using Microsoft.Extensions.Logging;
using VitalTwin.Contracts.Telemetry.V1;
using VitalTwin.DeviceTransports;

namespace VitalTwin.Simulator.Streaming;

/// <summary>The simulator's connections to the Gateway: gRPC for the registrations, the chosen front door for the readings.</summary>
internal sealed class GatewayConnection(SimulatorOptions settings, GrpcChannel registrations, IDeviceTransport transport) : IAsyncDisposable
{
    public static GatewayConnection Open(SimulatorOptions settings)
    {
        var registrations = GrpcChannel.ForAddress(settings.GatewayUrl);
        try
        {
            return new GatewayConnection(settings, registrations, DeviceTransports.DeviceTransports.Open(settings.GetTransportKind(), settings.GetGatewayAddresses()));
        }
        catch
        {
            registrations.Dispose();
            throw;
        }
    }

    public GatewayLink Link(TimeProvider clock, ILogger logger) =>
        new(transport, new DeviceRegistry.DeviceRegistryClient(registrations), settings.MaxConcurrentCalls, clock, logger, settings.AccessToken);

    public async ValueTask DisposeAsync()
    {
        await transport.DisposeAsync();
        registrations.Dispose();
    }
}
