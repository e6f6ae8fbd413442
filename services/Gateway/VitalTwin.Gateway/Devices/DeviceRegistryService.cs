using Grpc.Core;
using Microsoft.Extensions.Options;
using VitalTwin.Clinical;
using VitalTwin.Contracts.Telemetry.V1;
using VitalTwin.Kafka;
using Timestamp = Google.Protobuf.WellKnownTypes.Timestamp;

namespace VitalTwin.Gateway.Devices;

internal sealed partial class DeviceRegistryService(
    DeviceBindings registry,
    EventProducer producer,
    IOptions<KafkaTopics> topics,
    TimeProvider clock,
    ILogger<DeviceRegistryService> logger) : Contracts.Telemetry.V1.DeviceRegistry.DeviceRegistryBase
{
    public override async Task<RegisterDeviceResponse> RegisterDevice(RegisterDeviceRequest request, ServerCallContext context)
    {
        if (string.IsNullOrWhiteSpace(request.DeviceId) || string.IsNullOrWhiteSpace(request.PatientId))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "device_id and patient_id are required"));
        }
        var from = request.BoundFrom?.ToDateTimeOffset() ?? clock.GetUtcNow();
        // Stored before it takes effect: a binding the Gateway acted on is never lost with a restart.
        var bound = new DeviceBound { DeviceId = request.DeviceId, PatientId = request.PatientId, BoundFrom = Timestamp.FromDateTimeOffset(from) };
        await producer.PublishAsync(topics.Value.Devices, request.DeviceId, bound, $"{request.DeviceId}/{from.UtcTicks}", context.CancellationToken);

        var rebound = registry.TryResolve(request.DeviceId, from, out var previous) && !string.Equals(previous, request.PatientId, StringComparison.Ordinal);
        registry.Bind(request.DeviceId, request.PatientId, from);
        LogRegistered(logger, rebound);
        return new RegisterDeviceResponse { Rebound = rebound };
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Device registered (moved from another patient: {Rebound})")]
    private static partial void LogRegistered(ILogger logger, bool rebound);
}
