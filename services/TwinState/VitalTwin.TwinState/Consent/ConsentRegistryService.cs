using Confluent.Kafka;
using Grpc.Core;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;
using VitalTwin.Clinical.Consent;
using VitalTwin.Consent;
using VitalTwin.Contracts.Audit.V1;
using VitalTwin.Contracts.Consent.V1;
using VitalTwin.Kafka;
using VitalTwin.ServiceDefaults;
using VitalTwin.ServiceDefaults.Security;
using VitalTwin.TwinState.Core;
using Timestamp = Google.Protobuf.WellKnownTypes.Timestamp;

namespace VitalTwin.TwinState.Consent;

/// <summary>
/// ConsentRegistry over gRPC. A consent takes effect from the consent topic, where every service follows it, so
/// RecordConsent answers only once Kafka has the record, and once this instance's book shows it (within a bound),
/// so that a GetConsent after it reads it back.
/// </summary>
[BindServiceMethod(typeof(ConsentRegistryService), nameof(BindService))]
internal sealed partial class ConsentRegistryService(
    ConsentBook book,
    ConsentFollower follower,
    TwinRegistry twins,
    EventProducer producer,
    AuditTrail audit,
    IOptions<KafkaTopics> topics,
    IOptions<TwinQueryOptions> options,
    TimeProvider clock,
    ILogger<ConsentRegistryService> logger) : ConsentRegistry.ConsentRegistryBase
{
    private static readonly TimeSpan ReadBackTimeout = TimeSpan.FromSeconds(5);

    public static void BindService(ServiceBinderBase binder, ConsentRegistry.ConsentRegistryBase? service) =>
        ConsentRegistry.BindService(new StrictRequestBinder(binder), service);

    [Authorize(Roles = Roles.Registrar)]
    public override async Task<ConsentRecorded> RecordConsent(RecordConsentRequest request, ServerCallContext context)
    {
        var settings = options.Value;
        var patientId = ConsentRequests.PatientId(request.PatientId, settings);
        var status = ConsentRequests.Status(request);
        var reference = ConsentRequests.Reference(request.Reference, settings);
        var registrar = Caller.Of(context);
        var recorded = new ConsentRecorded
        {
            PatientId = patientId,
            State = request.State,
            ResearchAllowed = request.ResearchAllowed,
            RecordedAt = Timestamp.FromDateTimeOffset(clock.GetUtcNow()),
            RecordedBy = registrar.Subject,
            Reference = reference,
        };

        var messageId = Guid.NewGuid().ToString("N");
        using var readBack = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken);
        readBack.CancelAfter(ReadBackTimeout);
        var applied = follower.WhenApplied(messageId, readBack.Token);
        try
        {
            await producer.PublishAsync(topics.Value.Consent, patientId, recorded, messageId, context.CancellationToken);
        }
        catch (ProduceException<string, byte[]> ex)
        {
            await readBack.CancelAsync();
            LogNotRecorded(logger, ex.Error.Code);
            await audit.RecordAsync(context, [patientId], AuditOutcome.Failed, "consent not recorded", context.CancellationToken);
            throw new RpcException(new Status(StatusCode.Unavailable, "the consent could not be made durable; record it again"));
        }
        await audit.RecordAsync(context, [patientId], AuditOutcome.Allowed, $"consent recorded: {status}", context.CancellationToken);
        try
        {
            await applied;
        }
        catch (OperationCanceledException) when (!context.CancellationToken.IsCancellationRequested)
        {
            // Kafka has it, so it is recorded and every service will apply it; this instance's book is only late.
            LogReadBackLate(logger, ReadBackTimeout);
        }
        LogRecorded(logger, status);
        return recorded;
    }

    /// <summary>
    /// A registrar reads any patient's consent; a clinician, as with TwinQuery, only that of a patient on a ward the
    /// token grants (a patient with no twin here is on no ward, so only an every-ward grant covers them).
    /// </summary>
    [Authorize(Roles = $"{Roles.Registrar},{Roles.Clinician}")]
    public override async Task<ConsentRecorded> GetConsent(GetConsentRequest request, ServerCallContext context)
    {
        var patientId = ConsentRequests.PatientId(request.PatientId, options.Value);
        var caller = Caller.Of(context);
        if (!caller.IsIn(Roles.Registrar) && !caller.MaySee(twins.TryGet(patientId, out var twin) ? twin?.Context.Ward : null))
        {
            await audit.RecordAsync(context, [patientId], AuditOutcome.Denied, "ward not granted", context.CancellationToken);
            throw new RpcException(new Status(StatusCode.PermissionDenied, "that patient is not on a ward your token grants"));
        }
        var consent = book.Find(patientId);
        await audit.RecordAsync(context, [patientId], AuditOutcome.Allowed, consent is null ? "no consent recorded" : "consent read", context.CancellationToken);
        return consent switch
        {
            null => throw new RpcException(new Status(StatusCode.NotFound, $"no consent is recorded for the patient; the deployment's default applies ({book.WithoutRecord})")),
            { Status: ConsentStatus.Unreadable } => throw new RpcException(new Status(StatusCode.DataLoss,
                "the patient's latest consent record could not be read, so the patient counts as not consenting; record the consent again")),
            _ => consent.ToContract(),
        };
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Consent recorded: {Status}")]
    private static partial void LogRecorded(ILogger logger, ConsentStatus status);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Kafka did not take a consent record ({Code}); the registrar was told to record it again")]
    private static partial void LogNotRecorded(ILogger logger, ErrorCode code);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A recorded consent had not come back from the consent topic within {Timeout}; this instance shows it late")]
    private static partial void LogReadBackLate(ILogger logger, TimeSpan timeout);
}
