using Grpc.Core;
using VitalTwin.Clinical;
using VitalTwin.Contracts.Telemetry.V1;

namespace VitalTwin.Gateway.Devices;

internal sealed partial class DeviceRegistryService(DeviceBindings registry, TimeProvider clock, ILogger<DeviceRegistryService> logger) : Contracts.Telemetry.V1.DeviceRegistry.DeviceRegistryBase
{
    public override Task<RegisterDeviceResponse> RegisterDevice(RegisterDeviceRequest request, ServerCallContext context)
    {
        if (string.IsNullOrWhiteSpace(request.DeviceId) || string.IsNullOrWhiteSpace(request.PatientId))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "device_id and patient_id are required"));
        }
        var from = request.BoundFrom?.ToDateTimeOffset() ?? clock.GetUtcNow();
        var rebound = registry.TryResolve(request.DeviceId, from, out var previous) && !string.Equals(previous, request.PatientId, StringComparison.Ordinal);
        registry.Bind(request.DeviceId, request.PatientId, from);
        LogRegistered(logger, rebound);
        return Task.FromResult(new RegisterDeviceResponse { Rebound = rebound });
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Device registered (moved from another patient: {Rebound})")]
    private static partial void LogRegistered(ILogger logger, bool rebound);
}
