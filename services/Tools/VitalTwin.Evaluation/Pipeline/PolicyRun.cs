using VitalTwin.Clinical;
using VitalTwin.Evaluation.Metrics;
using VitalTwin.Notification.Core;

namespace VitalTwin.Evaluation.Pipeline;

/// <summary>
/// Notification's alert policy for one variant, with what its AlertDispatcher adds: at most one open alert per
/// patient and key (a decision for a key already open raises nothing), alerts a combined one folds in resolved as
/// superseded, and cleared conditions resolving their alerts. No clinician acknowledges or silences here.
/// </summary>
public sealed class PolicyRun(PolicyVariant variant, DetectionStage detection, VitalCatalogue catalogue)
{
    // Open alerts by patient and key, to the index of their decision in _raised.
    private readonly Dictionary<(string PatientId, AlertKey Key), int> _open = [];
    private readonly List<AlertDecision> _raised = [];
    private readonly List<DateTimeOffset?> _resolvedAt = [];

    public PolicyVariant Variant { get; } = variant;

    public DetectionStage Detection { get; } = detection;

    public AlertPolicy Policy { get; } = new(variant.Policy, catalogue);

    /// <summary>Every alert raised, in the order raised.</summary>
    public IReadOnlyList<AlertDecision> Raised => _raised;

    /// <summary>Decisions the dispatcher would not raise because an alert of that key was still open.</summary>
    public long AlreadyOpen { get; private set; }

    /// <summary>Carries one outcome into the (modelled) lifecycle, in the dispatcher's order: raises, then clearances.</summary>
    public void Apply(AlertOutcome outcome)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        if (outcome.IsEmpty)
        {
            return;
        }
        foreach (var decision in outcome.Raised)
        {
            if (!_open.TryAdd((decision.PatientId, decision.Key), _raised.Count))
            {
                AlreadyOpen++;
                continue;
            }
            _raised.Add(decision);
            _resolvedAt.Add(null);
            foreach (var superseded in decision.Supersedes)
            {
                Resolve(decision.PatientId, superseded, decision.ObservedAt);
            }
        }
        foreach (var cleared in outcome.Cleared)
        {
            Resolve(cleared.PatientId, cleared.Key, cleared.ClearedAt);
        }
    }

    /// <summary>The raised alerts as the metrics see them; stale-vital alerts are technical, and one never resolved is open to the end.</summary>
    public IReadOnlyList<Alarm> Alarms(AlertPriority lowest = AlertPriority.Low) =>
        [.. _raised.Select((d, i) => (Decision: d, Index: i))
            .Where(r => r.Decision.Priority >= lowest)
            .Select(r => ToAlarm(r.Decision) with { OpenUntil = _resolvedAt[r.Index] ?? DateTimeOffset.MaxValue })];

    private void Resolve(string patientId, AlertKey key, DateTimeOffset at)
    {
        if (_open.Remove((patientId, key), out var index))
        {
            _resolvedAt[index] = at;
        }
    }

    public static Alarm ToAlarm(AlertDecision decision)
    {
        ArgumentNullException.ThrowIfNull(decision);
        return new Alarm(decision.PatientId, decision.ObservedAt, decision.Key.ToString(), Technical: decision.Condition == AlertCondition.VitalStale);
    }
}
