using Grpc.Core;
using VitalTwin.Contracts.Telemetry.V1;

namespace VitalTwin.Gateway.Devices;

internal sealed partial class DeviceRegistryService(DeviceBindings registry, ILogger<DeviceRegistryService> logger) : Contracts.Telemetry.V1.DeviceRegistry.DeviceRegistryBase
{
    public override Task<RegisterDeviceResponse> RegisterDevice(RegisterDeviceRequest request, ServerCallContext context)
    {
        if (string.IsNullOrWhiteSpace(request.DeviceId) || string.IsNullOrWhiteSpace(request.PatientId))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "device_id and patient_id are required"));
        }
        var rebound = registry.Register(request.DeviceId, request.PatientId);
        LogRegistered(logger, rebound);
        return Task.FromResult(new RegisterDeviceResponse { Rebound = rebound });
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Device registered (moved from another patient: {Rebound})")]
    private static partial void LogRegistered(ILogger logger, bool rebound);
}
