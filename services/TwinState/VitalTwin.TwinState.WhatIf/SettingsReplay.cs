using VitalTwin.Clinical;
using VitalTwin.Clinical.Settings;
using VitalTwin.Notification.Core;
using VitalTwin.TwinState.Core;

namespace VitalTwin.TwinState.WhatIf;

/// <summary>A replay to run: the patient's readings over [<paramref name="From"/>, <paramref name="To"/>), the settings in force and the proposed ones.</summary>
/// <param name="Context">The twin's current context, which stands for the whole window.</param>
/// <param name="Confirmed">Anomalies of the patient a clinician acknowledged as real.</param>
public sealed record SettingsSimulationInput(
    string PatientId,
    RecordedReadings Readings,
    DateTimeOffset From,
    DateTimeOffset To,
    PatientContext Context,
    AlarmSettings Current,
    AlarmSettings Proposed,
    IReadOnlyList<ConfirmedAnomaly> Confirmed);

/// <summary>
/// "What if these settings had been in force?": replays one patient's recorded readings through the services' own twin,
/// detection and alert policy (in the order WardPipeline and PipelineClocks of the evaluation follow), once with the
/// settings in force and once with the proposed ones, and compares the alerts. The variants run side by side; a stage
/// the settings cannot change between them runs once for both (the twin when SpO2 scale 2 is the same, detection when
/// every vital's sensitivity is).
/// </summary>
public sealed class SettingsReplay(ReplayConfiguration configuration, VitalCatalogue catalogue)
{
    public async Task<SettingsSimulationResult> RunAsync(SettingsSimulationInput input, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(input);
        // A replay applies each set of settings throughout the window, whatever their set and expiry times.
        var current = Throughout(input.Current);
        var proposed = Throughout(input.Proposed);

        var twinShared = TwinStage.Alike(current, proposed);
        var twinCurrent = Task.Run(() => TwinStage.Run(
            input.PatientId, input.Readings, input.Context, current, configuration, catalogue, input.From, input.To, ct, sharedWith: twinShared ? proposed : null), ct);
        var twinProposed = twinShared
            ? twinCurrent
            : Task.Run(() => TwinStage.Run(input.PatientId, input.Readings, input.Context, proposed, configuration, catalogue, input.From, input.To, ct), ct);
        var detectionCurrent = Task.Run(() => DetectionStage.Run(input.PatientId, input.Readings, current, configuration.Detection, catalogue, ct), ct);
        var detectionProposed = DetectionStage.Alike(current, proposed)
            ? detectionCurrent
            : Task.Run(() => DetectionStage.Run(input.PatientId, input.Readings, proposed, configuration.Detection, catalogue, ct), ct);
        var alertsCurrent = Task.Run(async () => PolicyStage.Run(
            input.PatientId, input.Readings, await twinCurrent, await detectionCurrent, current, configuration, catalogue, input.From, input.To, ct), ct);
        var alertsProposed = Task.Run(async () => PolicyStage.Run(
            input.PatientId, input.Readings, await twinProposed, await detectionProposed, proposed, configuration, catalogue, input.From, input.To, ct), ct);

        var currentAlerts = Replayed(await alertsCurrent);
        var proposedAlerts = Replayed(await alertsProposed);
        return AlertComparison.Compare(input, current, currentAlerts, proposedAlerts, configuration, catalogue);
    }

    private static IReadOnlyList<ReplayedAlert> Replayed(IReadOnlyList<(AlertDecision Decision, DateTimeOffset? ResolvedAt)> raised) =>
        [.. raised.Select(r => new ReplayedAlert(
            r.Decision.Key,
            r.Decision.Priority,
            r.Decision.Summary,
            r.Decision.ObservedAt,
            r.ResolvedAt,
            [.. new[] { r.Decision.Key.Sign }.Concat(r.Decision.Reasons.Select(reason => reason.Sign)).OfType<VitalSign>().Distinct()],
            UnderPersonalSetting(r.Decision))
        {
            Reported = Reported(r.Decision),
        })];

    private static Dictionary<VitalSign, (double Value, bool Upward)> Reported(AlertDecision decision)
    {
        var reported = new Dictionary<VitalSign, (double, bool)>();
        foreach (var reason in decision.Reasons)
        {
            if (reason is { Sign: { } sign, Value: { } value })
            {
                var upward = decision.Key.Direction switch
                {
                    AlertDirection.Up => true,
                    AlertDirection.Down => false,
                    _ => reason.Baseline is not { } usual || value > usual,
                };
                reported.TryAdd(sign, (value, upward));
            }
        }
        return reported;
    }

    private static bool UnderPersonalSetting(AlertDecision decision) =>
        decision.Condition == AlertCondition.PersonalLimit || decision.PersonalSettings.Count > 0;

    private static AlarmSettings Throughout(AlarmSettings settings) => settings with
    {
        Vitals = [.. settings.Vitals.Select(v => v with { Provenance = Forever(v.Provenance) })],
        SpO2Scale2 = settings.SpO2Scale2 is { } scale ? Forever(scale) : null,
    };

    private static SettingProvenance Forever(SettingProvenance provenance) => provenance with { ExpiresAt = DateTimeOffset.MaxValue };
}
