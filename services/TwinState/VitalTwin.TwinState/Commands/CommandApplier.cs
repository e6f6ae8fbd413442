using Microsoft.Extensions.Options;
using VitalTwin.PersonalSettings;
using VitalTwin.Clinical;
using VitalTwin.Clinical.Settings;
using VitalTwin.Contracts.Twin.V1;
using VitalTwin.Kafka;
using VitalTwin.TwinState.Core;
using VitalTwin.TwinState.Query;
using Timestamp = Google.Protobuf.WellKnownTypes.Timestamp;

namespace VitalTwin.TwinState.Commands;

/// <summary>
/// The owner's side of a clinician's command: applies it, read from the command topic, to its patient's twin, once.
/// The command's offset becomes the twin's version, and the version travels in the twin's snapshot, so a command at or
/// below it (a replay after a restart) is not applied again. What it sets off (a ward change, a NEWS2 change, the
/// patient's settings record) is published under ids derived from the command's, so a replay of a command not yet in
/// a snapshot publishes the same events again, which their readers recognise.
/// </summary>
internal sealed partial class CommandApplier(
    TwinRegistry twins,
    TwinChangeFeed changes,
    CommandWaits waits,
    VitalCatalogue catalogue,
    EventProducer producer,
    IOptions<KafkaTopics> topics,
    ILogger<CommandApplier> logger)
{
    /// <summary>
    /// Applies <paramref name="command"/>, read at <paramref name="offset"/>, and tells the call waiting for it. Throws
    /// <see cref="InvalidDataException"/> for a command that breaks its contract (it is dead-lettered untouched).
    /// </summary>
    public async Task ApplyAsync(PatientCommand command, long offset, CancellationToken cancellationToken)
    {
        var twin = twins.GetOrCreate(command.PatientId);
        var tookEffect = true;
        if (twin.Version >= offset)
        {
            LogAlreadyApplied(logger, command.CommandCase, offset);
        }
        else
        {
            var issuedAt = command.IssuedAt?.ToDateTimeOffset() ?? throw new InvalidDataException("The command has no time it was issued.");
            tookEffect = command.CommandCase switch
            {
                PatientCommand.CommandOneofCase.SetContext => await SetContextAsync(twin, command, issuedAt, cancellationToken),
                PatientCommand.CommandOneofCase.AcknowledgeAnomaly => twin.AcknowledgeAnomaly(
                    command.AcknowledgeAnomaly.AnomalyId, command.AcknowledgeAnomaly.Verdict.ToDomain(), command.Actor, issuedAt, command.Reason),
                PatientCommand.CommandOneofCase.ChangeSettings => await ChangeSettingsAsync(twin, command, offset, issuedAt, cancellationToken),
                _ => throw new InvalidDataException("The command names nothing this version applies."),
            };
            twin.AdvanceVersion(offset);
            changes.Publish(command.PatientId);
            LogApplied(logger, command.CommandCase, offset);
        }

        waits.Applied(command.CommandId, tookEffect);
    }

    private async Task<bool> SetContextAsync(Core.PatientTwin twin, PatientCommand command, DateTimeOffset issuedAt, CancellationToken cancellationToken)
    {
        var context = command.SetContext.ToDomain(command.Actor, issuedAt);
        var before = twin.Context;
        var change = twin.SetContext(context);
        if (!string.Equals(before.Ward, context.Ward, StringComparison.Ordinal))
        {
            // Notification moves the patient's open alerts with them: the new ward's clinicians see and act on them.
            var wardChanged = new TwinWardChanged
            {
                EventId = $"command/{command.CommandId}/ward",
                PatientId = twin.PatientId,
                Ward = context.Ward ?? string.Empty,
                PreviousWard = before.Ward ?? string.Empty,
                ChangedAt = command.IssuedAt,
            };
            await producer.PublishAsync(topics.Value.TwinEvents, twin.PatientId, wardChanged, wardChanged.EventId, cancellationToken);
        }

        // Oxygen or a new confusion can move NEWS2 across a threshold with no new reading: the alert policy must hear of it.
        await AnnounceNews2Async(twin, command, change, cancellationToken);
        return true;
    }

    /// <summary>
    /// The patient's whole settings with the change made go on the settings topic before the twin takes them, so every
    /// service reading them has them by the time the command counts as applied.
    /// </summary>
    private async Task<bool> ChangeSettingsAsync(Core.PatientTwin twin, PatientCommand command, long offset, DateTimeOffset issuedAt, CancellationToken cancellationToken)
    {
        var expiresAt = command.SettingsExpireAt?.ToDateTimeOffset() ?? throw new InvalidDataException("A settings command has no expiry.");
        var change = command.ChangeSettings.ToDomain(catalogue, new Clinical.Settings.SettingProvenance(command.Reason, command.Actor, issuedAt, expiresAt));
        var settings = twin.Settings.With(change, offset, issuedAt);
        var record = settings.ToContract(twin.PatientId, catalogue);
        await producer.PublishAsync(topics.Value.PatientSettings, twin.PatientId, record, $"command/{command.CommandId}/settings", cancellationToken);
        // Announced whether or not NEWS2 moved: a new limit the scored values already cross must be judged now, not at the
        // next change of NEWS2, which a value holding steady never brings.
        await AnnounceNews2Async(twin, command, twin.SetAlarmSettings(settings), cancellationToken, always: true);
        return true;
    }

    private async Task AnnounceNews2Async(Core.PatientTwin twin, PatientCommand command, TwinChange change, CancellationToken cancellationToken, bool always = false)
    {
        if (change.News2Changed || always)
        {
            var changed = change.ToNews2Changed($"command/{command.CommandId}/news2", twin.PatientId, twin.Snapshot(), command.IssuedAt, catalogue);
            await producer.PublishAsync(topics.Value.TwinEvents, twin.PatientId, changed, changed.EventId, cancellationToken);
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Applied a {Command} command at offset {Offset}")]
    private static partial void LogApplied(ILogger logger, PatientCommand.CommandOneofCase command, long offset);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Skipped a {Command} command at offset {Offset}: the twin's version shows it applied")]
    private static partial void LogAlreadyApplied(ILogger logger, PatientCommand.CommandOneofCase command, long offset);
}
