using VitalTwin.Clinical;
using VitalTwin.Clinical.Settings;

namespace VitalTwin.TwinState.Core;

/// <summary>What became of a reading.</summary>
public enum ReadingEffect
{
    /// <summary>The change did not come from a reading (context was set).</summary>
    None,

    /// <summary>Already applied (device sequence number not above the last one): ignored.</summary>
    Duplicate,

    /// <summary>Became the vital's latest value.</summary>
    Latest,

    /// <summary>Counted, but observed before the vital's latest value, which it does not replace.</summary>
    Late,

    /// <summary>Counted, but another device is the vital's current source and this one did not displace it.</summary>
    Reconciled,
}

/// <summary>What one update did to the twin: its NEWS2 before and after, and whether the projected band moved.</summary>
public readonly record struct TwinChange(
    ReadingEffect Effect,
    bool News2Changed,
    News2Result Previous,
    News2Result Current,
    bool ProjectedRiskChanged)
{
    private readonly IReadOnlyList<StalenessChange>? _staleness;

    public bool Applied => Effect != ReadingEffect.Duplicate;

    /// <summary>The reading moved the value NEWS2 scores for its vital; null when it did not.</summary>
    public ScoredMove? Scored { get; init; }

    /// <summary>
    /// Whether this update is announced as a TwinNews2Changed: NEWS2 changed, or the scored value crossed a personal
    /// limit in force (<paramref name="inForce"/>), which can lie inside a NEWS2 band.
    /// </summary>
    public bool Announces(AlarmSettings inForce)
    {
        ArgumentNullException.ThrowIfNull(inForce);
        return Applied && (News2Changed || (Scored is { } moved && inForce.CrossesLimit(moved.Sign, moved.Before, moved.After)));
    }

    /// <summary>
    /// Vitals that turned stale or fresh again in this update: the reading's own vital when it was stale, and any
    /// vital that turned stale because the reading moved the twin's clock on.
    /// </summary>
    public IReadOnlyList<StalenessChange> Staleness
    {
        get => _staleness ?? [];
        init => _staleness = value;
    }
}

/// <summary>The value NEWS2 scores for a vital moved from <paramref name="Before"/> (NaN: none yet) to <paramref name="After"/>.</summary>
public readonly record struct ScoredMove(VitalSign Sign, double Before, double After);

/// <summary>
/// A vital of a twin turned stale (its newest usable value grew older than the vital's threshold) or fresh again
/// (a usable value within the threshold arrived).
/// </summary>
/// <param name="LastObservedAt">When the newest usable value was observed: the one that grew old, or the one that ended staleness.</param>
/// <param name="AsOf">The twin's clock when the change was seen.</param>
public readonly record struct StalenessChange(VitalSign Sign, bool IsStale, DateTimeOffset LastObservedAt, DateTimeOffset AsOf);

/// <summary>What moving a twin's clock did.</summary>
/// <param name="Changed">Staleness, NEWS2, the projected band or the open anomalies changed.</param>
/// <param name="Staleness">The vitals whose staleness changed, in sign order: as the clock only moves on, they turned stale.</param>
public readonly record struct TwinRefresh(bool Changed, IReadOnlyList<StalenessChange> Staleness)
{
    /// <summary>NEWS2 changed with the clock (a vital left it, or a band change held long enough); null when it did not.</summary>
    public TwinChange? News2Change { get; init; }
}
