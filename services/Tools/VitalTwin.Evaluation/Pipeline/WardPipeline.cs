using VitalTwin.AnomalyDetection.Core;
using VitalTwin.Clinical;
using VitalTwin.Evaluation.Baselines;
using VitalTwin.Evaluation.Metrics;
using VitalTwin.Notification.Core;
using VitalTwin.Simulator.Core.Generation;
using VitalTwin.TwinState.Core;
using AnomalyKind = VitalTwin.AnomalyDetection.Core.AnomalyKind;

namespace VitalTwin.Evaluation.Pipeline;

/// <summary>
/// The services' path from a device reading to an alert, in process and in reading order, calling each service's
/// Core where the service host calls it:
/// <list type="number">
/// <item>Gateway: the reading is attributed by the device binding in force when it was observed, and checked and
/// normalised against the vital catalogue; a refused reading goes no further.</item>
/// <item>TwinState (TwinConsumer): the twin applies it; each change of staleness becomes a TwinVitalStaleChanged and a
/// change of NEWS2 a TwinNews2Changed, which Notification's policy takes (AlertConsumer).</item>
/// <item>AnomalyDetection (TelemetryConsumer): the patient's monitor observes it, an artifact flag of the device
/// (motion, probe off, calibrating) passed on; each finding becomes an AnomalyDetected, which the twin records and
/// the policy takes.</item>
/// <item>Time: TwinState's staleness monitor and Notification's alert clock, on the simulated clock.</item>
/// </list>
/// The baselines see the same readings: the fixed-limit monitors (without and with an alarm delay) every accepted sample, NEWS2 alone every change
/// of the twin's NEWS2 that TwinState announces.
/// </summary>
public sealed class WardPipeline
{
    private readonly VitalCatalogue _catalogue;
    private readonly DeviceBindings _bindings = new();
    private readonly Dictionary<string, ulong> _sequences = new(StringComparer.Ordinal);
    private readonly TwinRegistry _twins;
    private readonly DetectionStage _shippedDetection;
    private readonly DetectionStage[] _detection;
    private readonly PolicyRun[] _runs;
    private readonly Dictionary<string, PatientContext> _contexts;
    private readonly Dictionary<string, DateTimeOffset> _news2HighSince = new(StringComparer.Ordinal);
    private readonly List<ScorePeriod> _news2High = [];
    private readonly Dictionary<string, PatientTrace> _traces;

    /// <param name="variants">The shipped variant first, then any sweep variants.</param>
    /// <param name="contexts">Clinical context recorded for patients before their first reading (e.g. SpO2 scale 2); none by default.</param>
    /// <param name="traced">Patients whose readings, NEWS2 and alerts are kept for plotting.</param>
    public WardPipeline(
        IReadOnlyList<DeviceBinding> bindings,
        ShippedConfiguration shipped,
        IReadOnlyList<PolicyVariant> variants,
        VitalCatalogue catalogue,
        IReadOnlyDictionary<string, PatientContext>? contexts = null,
        IEnumerable<string>? traced = null)
    {
        ArgumentNullException.ThrowIfNull(bindings);
        ArgumentNullException.ThrowIfNull(shipped);
        ArgumentNullException.ThrowIfNull(variants);
        if (variants.Count == 0 || !variants[0].IsShipped)
        {
            throw new ArgumentException("The shipped variant comes first.", nameof(variants));
        }
        _catalogue = catalogue;
        // The simulator registers every binding with its bound-from time; a newer binding ends the older one.
        foreach (var binding in bindings.OrderBy(b => b.From))
        {
            _bindings.Bind(binding.DeviceId, binding.PatientId, binding.From);
        }
        _twins = new TwinRegistry(shipped.Twin);
        News2Alone = new News2Threshold(shipped.Twin);
        var stages = new Dictionary<DetectionOptions, DetectionStage>(ReferenceEqualityComparer.Instance);
        _runs = [.. variants.Select(v => new PolicyRun(v, Stage(v.Detection), catalogue))];
        _shippedDetection = _runs[0].Detection;
        _detection = [.. stages.Values];
        _contexts = contexts is null ? new(StringComparer.Ordinal) : new(contexts, StringComparer.Ordinal);
        _traces = (traced ?? []).ToDictionary(p => p, p => new PatientTrace(p), StringComparer.Ordinal);

        DetectionStage Stage(DetectionOptions options) =>
            stages.TryGetValue(options, out var stage) ? stage : stages[options] = new DetectionStage(options, keepScreened: stages.Count == 0);
    }

    public IReadOnlyList<PolicyRun> Runs => _runs;

    /// <summary>Every patient's twin as TwinState holds it, for questions asked of the twins along the way.</summary>
    public TwinRegistry Twins => _twins;

    public DetectionStage ShippedDetection => _shippedDetection;

    public FixedLimitMonitor Monitor { get; } = new();

    /// <summary>The same limits with a bedside monitor's alarm delay; the default delay unless set.</summary>
    public FixedLimitMonitor HeldMonitor { get; init; } = new(alarmDelay: FixedLimitMonitor.DefaultAlarmDelay);

    public News2Threshold News2Alone { get; }

    public long Accepted { get; private set; }

    public long RejectedUnbound { get; private set; }

    public long RejectedByCatalogue { get; private set; }

    /// <summary>Accepted readings a device flagged as artifacts (motion, probe off, calibrating).</summary>
    public long FlaggedReadings { get; private set; }

    /// <summary>Vitals that turned stale and were announced (by a reading or the staleness monitor).</summary>
    public long StaleAnnouncements { get; private set; }

    public long News2Announcements { get; private set; }

    public IReadOnlyDictionary<string, PatientTrace> Traces => _traces;

    public void Observe(in SimulatedReading reading)
    {
        var definition = _catalogue[reading.Vital];
        var patientId = reading.PatientId;
        var observedAt = reading.ObservedAt;

        // Gateway: ReadingValidator.
        if (!_bindings.TryResolve(reading.DeviceId, observedAt, out var bound) || !string.Equals(bound, patientId, StringComparison.Ordinal))
        {
            RejectedUnbound++;
            return;
        }
        var check = _catalogue.Check(definition.Loinc, definition.Mdc, reading.Value, reading.Unit);
        if (!check.IsAccepted)
        {
            RejectedByCatalogue++;
            return;
        }
        Accepted++;
        var sign = check.Definition!.Sign;
        var value = check.CanonicalValue;
        var unit = check.Definition.CanonicalUnit;
        var flagged = reading.Quality.IsArtifact();
        if (flagged)
        {
            FlaggedReadings++;
        }
        var traced = _traces.GetValueOrDefault(patientId);
        traced?.Readings.Add(new TracedReading(observedAt, sign, value, flagged));

        if (Monitor.Observe(patientId, sign, value, observedAt, flagged) is { } monitorAlarm)
        {
            traced?.Alarms.Add(("monitor", monitorAlarm));
        }
        if (HeldMonitor.Observe(patientId, sign, value, observedAt, flagged) is { } heldAlarm)
        {
            traced?.Alarms.Add(("monitor-held", heldAlarm));
        }
        if (News2Alone.Observe(patientId, sign, value, observedAt, flagged) > 0 && traced is not null)
        {
            traced.Alarms.Add(("news2", News2Alone.Alarms[^1]));
        }

        // TwinState: TwinConsumer.ApplyReadingAsync.
        var twin = Twin(patientId);
        var sequence = _sequences.GetValueOrDefault(reading.DeviceId) + 1;
        _sequences[reading.DeviceId] = sequence;
        var change = twin.Apply(new VitalObservation(sign, value, unit, observedAt, reading.DeviceId, sequence, reading.Quality));
        foreach (var staleness in change.Staleness)
        {
            AnnounceStaleness(patientId, staleness);
        }
        if (change.Applied)
        {
            TrackNews2High(patientId, change.Current.Total, observedAt);
            if (change.News2Changed)
            {
                AnnounceNews2(twin, change, observedAt, traced);
            }
        }

        // AnomalyDetection: TelemetryConsumer.ObserveAsync, then the AnomalyDetected on to TwinState and Notification.
        foreach (var stage in _detection)
        {
            var outcome = stage.Observe(patientId, sign, value, observedAt, flagged);
            if (outcome.Deterioration is { } deterioration)
            {
                Deteriorate(stage, twin, reading, sequence, deterioration, traced);
            }
            if (outcome.IsArtifact || outcome.Findings.Count == 0)
            {
                continue;
            }
            foreach (var finding in outcome.Findings)
            {
                var explanation = finding.Explain(definition);
                if (ReferenceEquals(stage, _shippedDetection))
                {
                    twin.RecordAnomaly(new TwinAnomaly(
                        $"{reading.DeviceId}/{sequence}/{finding.Detector}", ToTwin(finding.Kind), sign, observedAt, value, reading.DeviceId, ContractName(finding.Detector), explanation));
                }
                // AnomalyMapping.ToContract, then AlertConsumer's SpikeObservation.
                var observation = new SpikeObservation(
                    patientId, sign, value, unit, finding.WindowMean, double.IsNaN(finding.PValue) ? 0 : finding.PValue, finding.Upward, observedAt,
                    LastingChange: finding.Kind == AnomalyKind.ChangePoint,
                    Explanation: explanation,
                    PersonalBaseline: finding.BaselineLevel);
                foreach (var run in _runs)
                {
                    if (ReferenceEquals(run.Detection, stage))
                    {
                        Apply(run, run.Policy.OnAnomaly(observation), traced);
                    }
                }
            }
        }
    }

    /// <summary>AnomalyMapping's deterioration contract, then the twin records it and the policy takes it.</summary>
    private void Deteriorate(DetectionStage stage, PatientTwin twin, in SimulatedReading reading, ulong sequence, DeteriorationFinding finding, PatientTrace? traced)
    {
        var (sign, level, usual) = finding.Deviations[0];
        var explanation = DeteriorationWatch.Explain(finding, _catalogue);
        if (ReferenceEquals(stage, _shippedDetection))
        {
            twin.RecordAnomaly(new TwinAnomaly(
                $"{reading.DeviceId}/{sequence}/deterioration", TwinState.Core.AnomalyKind.Deterioration, sign, reading.ObservedAt, level, reading.DeviceId, "DeteriorationCusum", explanation));
        }
        var observation = new SpikeObservation(
            reading.PatientId, sign, level, _catalogue[sign].CanonicalUnit, usual, 0, level > usual, reading.ObservedAt,
            Explanation: explanation, PersonalBaseline: usual, Deterioration: true);
        foreach (var run in _runs)
        {
            if (ReferenceEquals(run.Detection, stage))
            {
                Apply(run, run.Policy.OnAnomaly(observation), traced);
            }
        }
    }

    /// <summary>TwinState's staleness monitor: every twin's clock moves to <paramref name="now"/>, and vitals that turned stale are announced.</summary>
    public void RefreshStaleness(DateTimeOffset now)
    {
        foreach (var refreshed in _twins.RefreshStaleness(now))
        {
            foreach (var staleness in refreshed.Staleness)
            {
                AnnounceStaleness(refreshed.PatientId, staleness);
            }
            if (refreshed.News2Change is { } change && _twins.TryGet(refreshed.PatientId, out var twin))
            {
                TrackNews2High(refreshed.PatientId, change.Current.Total, now);
                AnnounceNews2(twin!, change, now, _traces.GetValueOrDefault(refreshed.PatientId));
            }
        }
    }

    /// <summary>Notification's alert clock: conditions that stayed clear long enough clear now.</summary>
    public void Advance(DateTimeOffset now)
    {
        foreach (var run in _runs)
        {
            var outcome = run.Policy.Advance(now);
            if (!outcome.IsEmpty)
            {
                Apply(run, outcome, traced: null);
            }
        }
    }

    /// <summary>The spans in which each patient's NEWS2 stood at 7 or more, those still open at the end left open.</summary>
    public IReadOnlyList<ScorePeriod> News2HighPeriods() =>
        [.. _news2High, .. _news2HighSince.Select(open => new ScorePeriod(open.Key, open.Value, null))];

    private PatientTwin Twin(string patientId)
    {
        if (_twins.TryGet(patientId, out var existing))
        {
            return existing!;
        }
        var twin = _twins.GetOrCreate(patientId);
        if (_contexts.TryGetValue(patientId, out var context))
        {
            twin.SetContext(context);
        }
        return twin;
    }

    /// <summary>TwinState's TwinNews2Changed, which Notification's policy takes.</summary>
    private void AnnounceNews2(PatientTwin twin, TwinChange change, DateTimeOffset at, PatientTrace? traced)
    {
        News2Announcements++;
        var vitals = twin.Snapshot().AsScored.Select(v => new VitalValue(v.Sign, v.Value, v.Unit)).ToList();
        foreach (var run in _runs)
        {
            Apply(run, run.Policy.OnNews2Changed(twin.PatientId, change.Current, vitals, at), traced);
        }
        traced?.News2.Add((at, change.Current.Total));
    }

    private void AnnounceStaleness(string patientId, StalenessChange staleness)
    {
        StaleAnnouncements += staleness.IsStale ? 1 : 0;
        var traced = _traces.GetValueOrDefault(patientId);
        foreach (var run in _runs)
        {
            Apply(run, run.Policy.OnVitalStale(patientId, staleness.Sign, staleness.IsStale, staleness.LastObservedAt, staleness.AsOf), traced);
        }
    }

    private void Apply(PolicyRun run, AlertOutcome outcome, PatientTrace? traced)
    {
        var before = run.Raised.Count;
        run.Apply(outcome);
        if (run.Variant.IsShipped)
        {
            for (var i = before; i < run.Raised.Count; i++)
            {
                var decision = run.Raised[i];
                (traced ?? _traces.GetValueOrDefault(decision.PatientId))?.Alarms.Add(("vitaltwin", PolicyRun.ToAlarm(decision)));
            }
        }
    }

    private void TrackNews2High(string patientId, int total, DateTimeOffset at)
    {
        var high = total >= 7;
        if (high && !_news2HighSince.ContainsKey(patientId))
        {
            _news2HighSince[patientId] = at;
        }
        else if (!high && _news2HighSince.Remove(patientId, out var since))
        {
            _news2High.Add(new ScorePeriod(patientId, since, at));
        }
    }

    private static TwinState.Core.AnomalyKind ToTwin(AnomalyKind kind) =>
        kind == AnomalyKind.ChangePoint ? TwinState.Core.AnomalyKind.ChangePoint : TwinState.Core.AnomalyKind.Spike;

    // The contract's Detector names, which the twin keeps (AnomalyMapping, TwinMapping).
    private static string ContractName(DetectorType detector) => detector switch
    {
        DetectorType.SrCnn => "SpectralResidual",
        _ => detector.ToString(),
    };
}

/// <summary>One reading of a traced patient, for the plots.</summary>
public readonly record struct TracedReading(DateTimeOffset At, VitalSign Sign, double Value, bool Flagged);

/// <summary>A patient's readings, NEWS2 and the alarms of each system ("vitaltwin", "news2", "monitor", "monitor-held"), for the plots.</summary>
public sealed class PatientTrace(string patientId)
{
    public string PatientId { get; } = patientId;

    public List<TracedReading> Readings { get; } = [];

    public List<(DateTimeOffset At, int Total)> News2 { get; } = [];

    public List<(string System, Alarm Alarm)> Alarms { get; } = [];
}
