using Confluent.Kafka;
using Grpc.Core;
using Microsoft.Extensions.Options;
using VitalTwin.Contracts.Audit.V1;
using VitalTwin.Contracts.Twin.V1;
using VitalTwin.Kafka;
using VitalTwin.ServiceDefaults;
using VitalTwin.ServiceDefaults.Security;
using VitalTwin.TwinState.Core;
using Timestamp = Google.Protobuf.WellKnownTypes.Timestamp;

namespace VitalTwin.TwinState.Commands;

/// <summary>
/// The calling side of a clinician's command: it is audited, published on the command topic keyed by patient, and
/// waited for until this instance's consumer (the patient's owner: calls are routed to it) has applied it. Nothing
/// changes the twin here; the topic is the only way in, so what was answered is what a restart replays.
/// </summary>
internal sealed partial class CommandIssuer(
    EventProducer producer,
    CommandWaits waits,
    TwinRegistry twins,
    AuditTrail audit,
    TimeProvider clock,
    IOptions<KafkaTopics> topics,
    IOptions<CommandOptions> options,
    ILogger<CommandIssuer> logger)
{
    /// <summary>A command by the token's subject, issued now by the service's clock.</summary>
    public PatientCommand Command(string patientId, string actor, string reason) => new()
    {
        CommandId = Guid.CreateVersion7().ToString("N"),
        PatientId = patientId,
        Actor = actor,
        Reason = reason,
        IssuedAt = Timestamp.FromDateTimeOffset(clock.GetUtcNow()),
    };

    /// <summary>
    /// Records the command in the audit trail (<paramref name="detail"/>, with the reason), publishes it and waits for
    /// it to be applied; returns the twin then, and whether the command took effect (an acknowledgement whose anomaly
    /// closed meanwhile did not). UNAVAILABLE when Kafka did not take it: nothing changed. When the owner has not
    /// applied it within <see cref="CommandOptions.AppliedWithin"/> the twin is answered as it is, with its older version.
    /// </summary>
    public async Task<(TwinSnapshot Twin, bool TookEffect)> IssueAsync(PatientCommand command, Core.PatientTwin twin, string detail, ServerCallContext context)
    {
        var described = command.Reason.Length == 0 ? detail : $"{detail}; reason: {command.Reason}".TrimStart(';', ' ');
        // Recorded before the command is sent: a change that cannot be accounted for is not made.
        await audit.RecordAsync(context, [command.PatientId], AuditOutcome.Allowed, described, context.CancellationToken);
        var within = options.Value.AppliedWithin;
        using var waiting = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken);
        waiting.CancelAfter(within);
        var applied = waits.WhenApplied(command.CommandId, waiting.Token);
        try
        {
            await producer.PublishAsync(topics.Value.PatientCommands, command.PatientId, command, command.CommandId, context.CancellationToken);
        }
        catch (KafkaException e)
        {
            await waiting.CancelAsync();
            LogNotTaken(logger, command.CommandCase, e.Error.Code);
            await audit.RecordAsync(context, [command.PatientId], AuditOutcome.Failed, "the command was not taken by Kafka: nothing changed", context.CancellationToken);
            throw new RpcException(new Status(StatusCode.Unavailable, "the command could not be made durable and nothing changed; send it again"));
        }

        var tookEffect = true;
        try
        {
            tookEffect = await applied;
        }
        catch (OperationCanceledException) when (!context.CancellationToken.IsCancellationRequested)
        {
            // Kafka has it, so it will be applied (by this instance, or the partition's next owner); the answer is only early.
            LogAppliedLate(logger, command.CommandCase, within);
        }

        var current = twins.TryGet(command.PatientId, out var now) ? now! : twin;
        return (current.Snapshot(), tookEffect);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Kafka did not take a {Command} command ({Code}); the clinician was told to send it again")]
    private static partial void LogNotTaken(ILogger logger, PatientCommand.CommandOneofCase command, ErrorCode code);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A {Command} command had not been applied within {Within}; the twin was answered with its older version")]
    private static partial void LogAppliedLate(ILogger logger, PatientCommand.CommandOneofCase command, TimeSpan within);
}
