using Grpc.Core;
using Microsoft.Extensions.Options;
using VitalTwin.Clinical;
using VitalTwin.Contracts.Telemetry.V1;
using VitalTwin.Gateway.Ingestion;
using VitalTwin.Kafka;
using VitalTwin.ServiceDefaults;
using Timestamp = Google.Protobuf.WellKnownTypes.Timestamp;

namespace VitalTwin.Gateway.Devices;

[BindServiceMethod(typeof(DeviceRegistryService), nameof(BindService))]
internal sealed partial class DeviceRegistryService(
    DeviceBindings registry,
    EventProducer producer,
    IOptions<KafkaTopics> topics,
    IOptions<GatewayOptions> options,
    TimeProvider clock,
    ILogger<DeviceRegistryService> logger) : Contracts.Telemetry.V1.DeviceRegistry.DeviceRegistryBase
{
    public static void BindService(ServiceBinderBase binder, Contracts.Telemetry.V1.DeviceRegistry.DeviceRegistryBase? service) =>
        Contracts.Telemetry.V1.DeviceRegistry.BindService(new StrictRequestBinder(binder), service);

    public override async Task<RegisterDeviceResponse> RegisterDevice(RegisterDeviceRequest request, ServerCallContext context)
    {
        var limits = options.Value;
        if (string.IsNullOrWhiteSpace(request.DeviceId) || string.IsNullOrWhiteSpace(request.PatientId))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "device_id and patient_id are required"));
        }
        if (request.DeviceId.Length > limits.MaxIdLength || request.PatientId.Length > limits.MaxIdLength)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"device_id and patient_id have at most {limits.MaxIdLength} characters"));
        }
        if (request.BoundFrom is { } boundFrom && !ReadingValidator.IsRepresentable(boundFrom))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "bound_from is not a valid timestamp"));
        }
        var now = clock.GetUtcNow();
        var from = request.BoundFrom?.ToDateTimeOffset() ?? now;
        // The window readings are accepted in: a binding outside it would attribute no reading the Gateway takes.
        if (from > now + limits.MaxClockSkew || from < now - limits.MaxReadingAge)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "bound_from is outside the accepted time window (Gateway:MaxClockSkew ahead, Gateway:MaxReadingAge back)"));
        }
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
