using Google.Protobuf;
using Grpc.Core;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;
using VitalTwin.Clinical;
using VitalTwin.Contracts.Audit.V1;
using VitalTwin.Contracts.Telemetry.V1;
using VitalTwin.Gateway.Ingestion;
using VitalTwin.Kafka;
using VitalTwin.ServiceDefaults;
using VitalTwin.ServiceDefaults.Security;
using Timestamp = Google.Protobuf.WellKnownTypes.Timestamp;

namespace VitalTwin.Gateway.Devices;

[Authorize(Roles = Roles.Registrar)]
[BindServiceMethod(typeof(DeviceRegistryService), nameof(BindService))]
internal sealed partial class DeviceRegistryService(
    DeviceBindings registry,
    DeviceCredentials credentials,
    DeviceRecords records,
    EventProducer producer,
    AuditTrail audit,
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
        if (request.IngestSystem.Length > limits.MaxIdLength)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"ingest_system has at most {limits.MaxIdLength} characters"));
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
        var (credential, secretHash) = DeviceCredential.Issue(request.DeviceId);
        var bound = new DeviceBound
        {
            DeviceId = request.DeviceId,
            PatientId = request.PatientId,
            BoundFrom = Timestamp.FromDateTimeOffset(from),
            CredentialSha256 = ByteString.CopyFrom(secretHash),
            IngestSystem = request.IngestSystem,
        };
        bool rebound;
        await credentials.Changes.WaitAsync(context.CancellationToken);
        try
        {
            // Looked up before publishing: the follower may apply the record as soon as it is stored.
            rebound = registry.TryResolve(request.DeviceId, from, out var previous) && !string.Equals(previous, request.PatientId, StringComparison.Ordinal);
            // Stored before it takes effect: a binding the Gateway acted on is never lost with a restart. It takes
            // effect here at once, and on the other instances as they read it.
            var stored = await producer.PublishAsync(topics.Value.Devices, request.DeviceId, bound, $"{request.DeviceId}/{from.UtcTicks}/{Convert.ToHexString(secretHash, 0, 8)}", context.CancellationToken);
            records.Bound(bound, stored);
        }
        finally
        {
            credentials.Changes.Release();
        }
        // Which device measures a patient decides whose record its readings join: every change is audited.
        await audit.RecordAsync(context, [request.PatientId], AuditOutcome.Allowed, $"device {request.DeviceId} bound{(rebound ? ", moved from another patient" : string.Empty)}", context.CancellationToken);
        LogRegistered(logger, rebound);
        return new RegisterDeviceResponse { Rebound = rebound, DeviceCredential = credential };
    }

    public override async Task<RevokeDeviceResponse> RevokeDevice(RevokeDeviceRequest request, ServerCallContext context)
    {
        var limits = options.Value;
        if (string.IsNullOrWhiteSpace(request.DeviceId) || request.DeviceId.Length > limits.MaxIdLength)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"device_id is required, with at most {limits.MaxIdLength} characters"));
        }
        if (request.Reason.Length > MaxReasonLength)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"reason has at most {MaxReasonLength} characters"));
        }
        var now = clock.GetUtcNow();
        string? patient;
        await credentials.Changes.WaitAsync(context.CancellationToken);
        try
        {
            registry.TryResolve(request.DeviceId, now, out patient);
            if (!credentials.IsRegistered(request.DeviceId))
            {
                return new RevokeDeviceResponse { WasRegistered = false };
            }
            // Stored before it takes effect, as a registration is: a restart keeps the device out.
            var revoked = new DeviceRevoked { DeviceId = request.DeviceId, Reason = request.Reason, RevokedAt = Timestamp.FromDateTimeOffset(now) };
            var stored = await producer.PublishAsync(topics.Value.Devices, request.DeviceId, revoked, $"{request.DeviceId}/revoked/{now.UtcTicks}", context.CancellationToken);
            records.Revoked(request.DeviceId, stored);
        }
        finally
        {
            credentials.Changes.Release();
        }
        await audit.RecordAsync(context, patient is null ? [] : [patient], AuditOutcome.Allowed, $"device {request.DeviceId} revoked: {request.Reason}", context.CancellationToken);
        LogRevoked(logger);
        return new RevokeDeviceResponse { WasRegistered = true };
    }

    private const int MaxReasonLength = 256;

    [LoggerMessage(Level = LogLevel.Information, Message = "Device registered (moved from another patient: {Rebound})")]
    private static partial void LogRegistered(ILogger logger, bool rebound);

    [LoggerMessage(Level = LogLevel.Information, Message = "Device revoked")]
    private static partial void LogRevoked(ILogger logger);
}
