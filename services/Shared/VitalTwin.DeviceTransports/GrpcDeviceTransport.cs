using Grpc.Core;
using Grpc.Net.Client;
using VitalTwin.Contracts.Telemetry.V1;

namespace VitalTwin.DeviceTransports;

/// <summary>The Gateway's own contract: VitalSignIngestion.Ingest, one call per batch, authenticated by the device's key.</summary>
public sealed class GrpcDeviceTransport(GrpcChannel channel, bool ownsChannel = false) : IDeviceTransport
{
    private readonly VitalSignIngestion.VitalSignIngestionClient _ingestion = new(channel);

    public DeviceTransportKind Kind => DeviceTransportKind.Grpc;

    public string? IngestSystem => null;

    public async Task<IngestAck> SendAsync(DeviceLogin device, IReadOnlyList<VitalSignReading> readings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(device);
        var batch = new VitalSignBatch();
        batch.Readings.AddRange(readings);
        try
        {
            return await _ingestion.IngestAsync(batch, Headers(device), cancellationToken: cancellationToken);
        }
        catch (RpcException ex) when (ex.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.ResourceExhausted)
        {
            throw new GatewayUnavailableException($"the Gateway did not store the batch ({ex.StatusCode})", ex);
        }
        catch (RpcException ex) when (ex.StatusCode is StatusCode.Unauthenticated or StatusCode.PermissionDenied)
        {
            throw new DeviceRefusedException($"the Gateway refused the device ({ex.StatusCode})", ex);
        }
    }

    /// <summary>The header the Gateway authenticates a device's call by.</summary>
    public static Metadata Headers(DeviceLogin device)
    {
        ArgumentNullException.ThrowIfNull(device);
        return [new Metadata.Entry("authorization", $"Device {device.Credential}")];
    }

    public ValueTask DisposeAsync()
    {
        if (ownsChannel)
        {
            channel.Dispose();
        }
        return ValueTask.CompletedTask;
    }
}
