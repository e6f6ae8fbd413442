using Confluent.Kafka;
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
        var now = clock.GetUtcNow();
        if (Invalid(request, now) is { } invalid)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, invalid));
        }
        var registration = Prepare(0, request, now);
        bool rebound;
        await credentials.Changes.WaitAsync(context.CancellationToken);
        try
        {
            // Looked up before publishing: the follower may apply the record as soon as it is stored.
            rebound = IsRebound(registration);
            // Stored before it takes effect: a binding the Gateway acted on is never lost with a restart. It takes
            // effect here at once, and on the other instances as they read it.
            var stored = await Publish(registration, context.CancellationToken);
            records.Bound(registration.Bound, stored);
        }
        finally
        {
            credentials.Changes.Release();
        }
        // Which device measures a patient decides whose record its readings join: every change is audited.
        await Audit(registration, rebound, context);
        LogRegistered(logger, rebound);
        return new RegisterDeviceResponse { Rebound = rebound, DeviceCredential = registration.Credential };
    }

    /// <summary>
    /// Registers each device as <see cref="RegisterDevice"/> does, with one difference in timing: the registrations
    /// of the call are all handed to the producer before the first delivery is awaited, so a ward costs about one
    /// round trip to Kafka instead of one per device. Each device is validated on its own, and one refused (invalid,
    /// or not stored) is reported in its result without touching the others.
    /// </summary>
    public override async Task<RegisterDevicesResponse> RegisterDevices(RegisterDevicesRequest request, ServerCallContext context)
    {
        if (request.Devices.Count is 0 or > MaxDevicesPerCall)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"devices must name between 1 and {MaxDevicesPerCall} devices"));
        }
        var now = clock.GetUtcNow();
        var results = new RegisterDeviceResult[request.Devices.Count];
        var valid = new List<Registration>(request.Devices.Count);
        var named = new HashSet<string>(StringComparer.Ordinal);
        for (var index = 0; index < request.Devices.Count; index++)
        {
            var device = request.Devices[index];
            // Twice in one call would make the order of its two bindings, and so which credential holds, a guess.
            var invalid = Invalid(device, now) ?? (named.Add(device.DeviceId) ? null : "device_id appears more than once in the call");
            if (invalid is not null)
            {
                results[index] = Refused(index, device.DeviceId, StatusCode.InvalidArgument, invalid);
                continue;
            }
            valid.Add(Prepare(index, device, now));
        }
        var registered = new List<(Registration Registration, bool Rebound)>(valid.Count);
        await credentials.Changes.WaitAsync(context.CancellationToken);
        try
        {
            // The devices are distinct, so each one's rebound is read before any of the call's records is applied.
            var handedOver = valid.Select(registration => (Registration: registration, Rebound: IsRebound(registration), Stored: Publish(registration, context.CancellationToken))).ToList();
            foreach (var (registration, rebound, stored) in handedOver)
            {
                try
                {
                    records.Bound(registration.Bound, await stored);
                    registered.Add((registration, rebound));
                }
                catch (KafkaException e) when (!context.CancellationToken.IsCancellationRequested)
                {
                    LogNotStored(logger, e.GetType().Name);
                    results[registration.Index] = Refused(registration.Index, registration.Bound.DeviceId, StatusCode.Unavailable, "the registration could not be stored; send it again");
                }
            }
        }
        finally
        {
            credentials.Changes.Release();
        }
        await Task.WhenAll(registered.Select(done => Audit(done.Registration, done.Rebound, context)));
        foreach (var (registration, rebound) in registered)
        {
            results[registration.Index] = new RegisterDeviceResult
            {
                Index = (uint)registration.Index,
                DeviceId = registration.Bound.DeviceId,
                Registered = new RegisterDeviceResponse { Rebound = rebound, DeviceCredential = registration.Credential },
            };
        }
        LogRegisteredMany(logger, registered.Count, request.Devices.Count - registered.Count, registered.Count(done => done.Rebound));
        return new RegisterDevicesResponse { Results = { results } };
    }

    /// <summary>Why the gateway refuses <paramref name="request"/>, or null when it is valid.</summary>
    private string? Invalid(RegisterDeviceRequest request, DateTimeOffset now)
    {
        var limits = options.Value;
        if (string.IsNullOrWhiteSpace(request.DeviceId) || string.IsNullOrWhiteSpace(request.PatientId))
        {
            return "device_id and patient_id are required";
        }
        if (request.DeviceId.Length > limits.MaxIdLength || request.PatientId.Length > limits.MaxIdLength)
        {
            return $"device_id and patient_id have at most {limits.MaxIdLength} characters";
        }
        if (request.IngestSystem.Length > limits.MaxIdLength)
        {
            return $"ingest_system has at most {limits.MaxIdLength} characters";
        }
        if (request.BoundFrom is { } boundFrom && !ReadingValidator.IsRepresentable(boundFrom))
        {
            return "bound_from is not a valid timestamp";
        }
        var from = request.BoundFrom?.ToDateTimeOffset() ?? now;
        // The window readings are accepted in: a binding outside it would attribute no reading the Gateway takes.
        if (from > now + limits.MaxClockSkew || from < now - limits.MaxReadingAge)
        {
            return "bound_from is outside the accepted time window (Gateway:MaxClockSkew ahead, Gateway:MaxReadingAge back)";
        }
        return null;
    }

    /// <summary>The record of a valid registration and the credential it issues.</summary>
    private static Registration Prepare(int index, RegisterDeviceRequest request, DateTimeOffset now)
    {
        var from = request.BoundFrom?.ToDateTimeOffset() ?? now;
        var (credential, secretHash) = DeviceCredential.Issue(request.DeviceId);
        var bound = new DeviceBound
        {
            DeviceId = request.DeviceId,
            PatientId = request.PatientId,
            BoundFrom = Timestamp.FromDateTimeOffset(from),
            CredentialSha256 = ByteString.CopyFrom(secretHash),
            IngestSystem = request.IngestSystem,
        };
        return new Registration(index, bound, credential, $"{request.DeviceId}/{from.UtcTicks}/{Convert.ToHexString(secretHash, 0, 8)}");
    }

    // Under Changes: against the bindings in force before this registration.
    private bool IsRebound(Registration registration) =>
        registry.TryResolve(registration.Bound.DeviceId, registration.Bound.BoundFrom.ToDateTimeOffset(), out var previous)
        && !string.Equals(previous, registration.Bound.PatientId, StringComparison.Ordinal);

    // PublishAsync hands the record to the producer before it first yields: under Changes, that fixes the topic's order.
    private Task<TopicPartitionOffset> Publish(Registration registration, CancellationToken cancellationToken) =>
        producer.PublishAsync(topics.Value.Devices, registration.Bound.DeviceId, registration.Bound, registration.MessageId, cancellationToken);

    private Task Audit(Registration registration, bool rebound, ServerCallContext context) =>
        audit.RecordAsync(context, [registration.Bound.PatientId], AuditOutcome.Allowed, $"device {registration.Bound.DeviceId} bound{(rebound ? ", moved from another patient" : string.Empty)}", context.CancellationToken);

    private static RegisterDeviceResult Refused(int index, string deviceId, StatusCode code, string detail) => new()
    {
        Index = (uint)index,
        DeviceId = deviceId,
        Refused = new RegistrationRefusal { StatusCode = (int)code, Detail = detail },
    };

    /// <summary>A registration checked and prepared: its device's record and the credential it issues.</summary>
    private sealed record Registration(int Index, DeviceBound Bound, string Credential, string MessageId);

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

    /// <summary>Most devices one <see cref="RegisterDevices"/> call may name (the contract says so too).</summary>
    internal const int MaxDevicesPerCall = 1_000;

    [LoggerMessage(Level = LogLevel.Information, Message = "Device registered (moved from another patient: {Rebound})")]
    private static partial void LogRegistered(ILogger logger, bool rebound);

    [LoggerMessage(Level = LogLevel.Information, Message = "Registered {Registered} devices in one call, {Refused} refused (moved from another patient: {Rebound})")]
    private static partial void LogRegisteredMany(ILogger logger, int registered, int refused, int rebound);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A device registration could not be stored ({Error})")]
    private static partial void LogNotStored(ILogger logger, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Device revoked")]
    private static partial void LogRevoked(ILogger logger);
}
