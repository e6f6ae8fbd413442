using VitalTwin.AnomalyDetection.Core;
using VitalTwin.Clinical;
using VitalTwin.Clinical.Settings;
using VitalTwin.Notification.Core;
using VitalTwin.TwinState.Core;
using VitalTwin.TwinState.Core.Forecasting;

namespace VitalTwin.TwinState.WhatIf;

/// <summary>
/// What TwinState announces to Notification while a twin replays: a vital's staleness changed, or NEWS2 changed with the
/// values it scored. <see cref="Reading"/> is the reading it came with, or the reading it came before when
/// <see cref="AtTick"/> (a staleness tick at <see cref="At"/>).
/// </summary>
/// A NEWS2 announcement that only a crossing of a personal limit caused (<see cref="News2Changed"/> false) is taken only by a
/// variant whose limits <see cref="Move"/> crosses, as TwinConsumer announces only for the limits in force.
internal sealed record TwinAnnouncement(int Reading, bool AtTick, DateTimeOffset At, StalenessChange? Staleness, News2Result? News2, IReadOnlyList<VitalValue>? Vitals)
{
    public bool News2Changed { get; init; } = true;

    public ScoredMove? Move { get; init; }
}

/// <summary>A finding AnomalyDetection publishes on a reading, as Notification's policy takes it.</summary>
internal readonly record struct DetectorAnnouncement(int Reading, SpikeObservation Observation);

/// <summary>TwinState's path for one patient (TwinConsumer, the staleness monitor), on event time, from the window's start.</summary>
internal static class TwinStage
{
    // History keeps neither device nor sequence: one replay device numbers the readings in order, so each is applied once.
    private const string ReplayDevice = "history-replay";

    public static List<TwinAnnouncement> Run(
        string patientId, RecordedReadings readings, PatientContext context, AlarmSettings settings, ReplayConfiguration configuration,
        VitalCatalogue catalogue, DateTimeOffset from, DateTimeOffset to, CancellationToken ct, AlarmSettings? sharedWith = null)
    {
        var twin = new PatientTwin(patientId, configuration.Twin with { Forecaster = NoForecast.Instance });
        twin.SetContext(context);
        twin.SetAlarmSettings(settings);
        var units = new string[Enum.GetValues<VitalSign>().Max(s => (int)s) + 1];
        foreach (var definition in catalogue.All)
        {
            units[(int)definition.Sign] = definition.CanonicalUnit;
        }
        var announced = new List<TwinAnnouncement>();
        var interval = configuration.StalenessCheckInterval;
        var nextTick = EventTime.FirstTickAfter(from, interval);
        for (var i = 0; i <= readings.Count; i++)
        {
            if ((i & 0xFFF) == 0)
            {
                ct.ThrowIfCancellationRequested();
            }
            var until = i < readings.Count ? readings.Ticks[i] : to.UtcTicks;
            for (; nextTick.UtcTicks <= until; nextTick += interval)
            {
                var refresh = twin.RefreshStaleness(nextTick);
                if (!refresh.Changed)
                {
                    continue;
                }
                foreach (var staleness in refresh.Staleness)
                {
                    announced.Add(new TwinAnnouncement(i, true, nextTick, staleness, null, null));
                }
                if (refresh.News2Change is { } change)
                {
                    announced.Add(new TwinAnnouncement(i, true, nextTick, null, change.Current, Scored(twin)));
                }
            }
            if (i == readings.Count)
            {
                break;
            }
            var sign = readings.Signs[i];
            var observedAt = new DateTimeOffset(readings.Ticks[i], TimeSpan.Zero);
            var applied = twin.Apply(new VitalObservation(sign, readings.Values[i], units[(int)sign], observedAt, ReplayDevice, (ulong)i + 1));
            foreach (var staleness in applied.Staleness)
            {
                announced.Add(new TwinAnnouncement(i, false, observedAt, staleness, null, null));
            }
            // Shared by two variants, the twin announces what either's TwinConsumer would; each policy takes its own.
            if (applied.Announces(settings) || (sharedWith is not null && applied.Announces(sharedWith)))
            {
                announced.Add(new TwinAnnouncement(i, false, observedAt, null, applied.Current, Scored(twin)) { News2Changed = applied.News2Changed, Move = applied.Scored });
            }
        }
        return announced;
    }

    /// <summary>Whether the twin replays alike under both settings: only SpO2 scale 2 reaches the twin.</summary>
    public static bool Alike(AlarmSettings a, AlarmSettings b) => (a.SpO2Scale2 is null) == (b.SpO2Scale2 is null);

    // TwinConsumer's TwinNews2Changed carries the values NEWS2 scored (TwinSnapshot.AsScored).
    private static VitalValue[] Scored(PatientTwin twin) =>
        [.. twin.Snapshot().AsScored.Select(v => new VitalValue(v.Sign, v.Value, v.Unit))];
}

/// <summary>
/// The replay's twin forecasts nothing: what it announces (staleness, NEWS2 and the values NEWS2 scored) never depends on
/// the forecast, which feeds only the projected band no alert reads, and forecasting each vital every minute was nearly
/// half the twin's time.
/// </summary>
internal sealed class NoForecast : IVitalForecaster
{
    public static NoForecast Instance { get; } = new();

    public double? Forecast(ReadOnlySpan<float> series, int steps) => null;
}

/// <summary>AnomalyDetection's path for one patient (TelemetryConsumer): the patient's monitor observes each reading.</summary>
internal static class DetectionStage
{
    public static List<DetectorAnnouncement> Run(
        string patientId, RecordedReadings readings, AlarmSettings settings, DetectionOptions options, VitalCatalogue catalogue, CancellationToken ct)
    {
        var monitor = new PatientMonitor(patientId, options);
        monitor.Personalise(settings);
        var announced = new List<DetectorAnnouncement>();
        for (var i = 0; i < readings.Count; i++)
        {
            if ((i & 0xFFF) == 0)
            {
                ct.ThrowIfCancellationRequested();
            }
            var sign = readings.Signs[i];
            var value = readings.Values[i];
            var observedAt = new DateTimeOffset(readings.Ticks[i], TimeSpan.Zero);
            var outcome = monitor.Observe(sign, value, observedAt, deviceFlaggedArtifact: false);
            if (outcome.Deterioration is { } deterioration)
            {
                // AnomalyMapping's deterioration contract, as AlertConsumer reads it back.
                var (drifting, level, usual) = deterioration.Deviations[0];
                announced.Add(new DetectorAnnouncement(i, new SpikeObservation(
                    patientId, drifting, level, catalogue[drifting].CanonicalUnit, usual, 0, level > usual, observedAt,
                    Explanation: DeteriorationWatch.Explain(deterioration, catalogue), PersonalBaseline: usual, Deterioration: true)));
            }
            if (outcome.IsArtifact)
            {
                continue;
            }
            foreach (var finding in outcome.Findings)
            {
                announced.Add(new DetectorAnnouncement(i, new SpikeObservation(
                    patientId, sign, value, catalogue[sign].CanonicalUnit, finding.WindowMean, double.IsNaN(finding.PValue) ? 0 : finding.PValue, finding.Upward, observedAt,
                    LastingChange: finding.Kind == AnomalyDetection.Core.AnomalyKind.ChangePoint,
                    Explanation: finding.Explain(catalogue[sign]),
                    PersonalBaseline: finding.BaselineLevel)));
            }
        }
        return announced;
    }

    /// <summary>Whether detection replays alike under both settings: only the vitals' sensitivities reach it.</summary>
    public static bool Alike(AlarmSettings a, AlarmSettings b) =>
        Enum.GetValues<VitalSign>().All(sign => Sensitivity(a, sign) == Sensitivity(b, sign));

    private static DetectorSensitivity Sensitivity(AlarmSettings settings, VitalSign sign) => settings.For(sign)?.Sensitivity ?? DetectorSensitivity.Standard;
}

/// <summary>The event-time grid the services tick on: the multiples, since the Unix epoch, of a tick.</summary>
internal static class EventTime
{
    public static DateTimeOffset FirstTickAfter(DateTimeOffset start, TimeSpan tick)
    {
        var sinceEpoch = (start - DateTimeOffset.UnixEpoch).Ticks;
        var floor = start.UtcTicks - (((sinceEpoch % tick.Ticks) + tick.Ticks) % tick.Ticks);
        return new DateTimeOffset(floor, TimeSpan.Zero) + tick;
    }
}
