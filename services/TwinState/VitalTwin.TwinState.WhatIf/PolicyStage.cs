using VitalTwin.Clinical;
using VitalTwin.Clinical.Settings;
using VitalTwin.Notification.Core;

namespace VitalTwin.TwinState.WhatIf;

/// <summary>
/// Notification's path for one patient (AlertConsumer, AlertClocks, AlertDispatcher): the policy takes the twin's and the
/// detectors' announcements in the order the services meet them, its clock ticks on event time, and the dispatcher keeps
/// one open alert per key, resolving those a combined one folds in and those whose condition cleared.
/// </summary>
internal sealed class PolicyStage
{
    private readonly string _patientId;
    private readonly AlertPolicy _policy;
    private readonly AlarmSettings _settings;
    private readonly Dictionary<AlertKey, int> _open = [];
    private readonly List<AlertDecision> _raised = [];
    private readonly List<DateTimeOffset?> _resolvedAt = [];

    private PolicyStage(string patientId, AlertPolicy policy, AlarmSettings settings) => (_patientId, _policy, _settings) = (patientId, policy, settings);

    public static IReadOnlyList<(AlertDecision Decision, DateTimeOffset? ResolvedAt)> Run(
        string patientId, RecordedReadings readings, IReadOnlyList<TwinAnnouncement> twin, IReadOnlyList<DetectorAnnouncement> detectors,
        AlarmSettings settings, ReplayConfiguration configuration, VitalCatalogue catalogue, DateTimeOffset from, DateTimeOffset to, CancellationToken ct)
    {
        var stage = new PolicyStage(patientId, NewPolicy(configuration.Policy, catalogue, settings), settings);
        var nextRefresh = EventTime.FirstTickAfter(from, configuration.StalenessCheckInterval);
        var nextAdvance = EventTime.FirstTickAfter(from, configuration.PolicyTick);
        int t = 0, d = 0;
        for (var i = 0; i <= readings.Count; i++)
        {
            if ((i & 0xFFF) == 0)
            {
                ct.ThrowIfCancellationRequested();
            }
            var until = i < readings.Count ? readings.Ticks[i] : to.UtcTicks;
            // PipelineClocks: every tick up to the reading, in time order, TwinState's first at equal times.
            while (true)
            {
                var refreshFirst = nextRefresh <= nextAdvance;
                var next = refreshFirst ? nextRefresh : nextAdvance;
                if (next.UtcTicks > until)
                {
                    break;
                }
                if (refreshFirst)
                {
                    for (; t < twin.Count && twin[t].Reading == i && twin[t].AtTick && twin[t].At == next; t++)
                    {
                        stage.Take(twin[t]);
                    }
                    nextRefresh += configuration.StalenessCheckInterval;
                }
                else
                {
                    stage.Apply(stage._policy.Advance(next));
                    nextAdvance += configuration.PolicyTick;
                }
            }
            if (i == readings.Count)
            {
                break;
            }
            for (; t < twin.Count && twin[t].Reading == i; t++)
            {
                stage.Take(twin[t]);
            }
            for (; d < detectors.Count && detectors[d].Reading == i; d++)
            {
                stage.Apply(stage._policy.OnAnomaly(detectors[d].Observation));
            }
        }
        return [.. stage._raised.Select((decision, index) => (decision, stage._resolvedAt[index]))];
    }

    private static AlertPolicy NewPolicy(AlertPolicyOptions options, VitalCatalogue catalogue, AlarmSettings settings) =>
        new(options, catalogue, _ => settings);

    private void Take(TwinAnnouncement announcement)
    {
        if (announcement.Staleness is { } staleness)
        {
            Apply(_policy.OnVitalStale(_patientId, staleness.Sign, staleness.IsStale, staleness.LastObservedAt, staleness.AsOf));
        }
        else if (announcement.News2 is { } news2
            && (announcement.News2Changed || (announcement.Move is { } moved && _settings.CrossesLimit(moved.Sign, moved.Before, moved.After))))
        {
            Apply(_policy.OnNews2Changed(_patientId, news2, announcement.Vitals!, announcement.At));
        }
    }

    /// <summary>PolicyRun's model of the dispatcher: raises first, then clearances.</summary>
    private void Apply(AlertOutcome outcome)
    {
        if (outcome.IsEmpty)
        {
            return;
        }
        foreach (var decision in outcome.Raised)
        {
            if (!_open.TryAdd(decision.Key, _raised.Count))
            {
                continue;
            }
            _raised.Add(decision);
            _resolvedAt.Add(null);
            foreach (var superseded in decision.Supersedes)
            {
                Resolve(superseded, decision.ObservedAt);
            }
        }
        foreach (var cleared in outcome.Cleared)
        {
            Resolve(cleared.Key, cleared.ClearedAt);
        }
    }

    private void Resolve(AlertKey key, DateTimeOffset at)
    {
        if (_open.Remove(key, out var index))
        {
            _resolvedAt[index] = at;
        }
    }
}
