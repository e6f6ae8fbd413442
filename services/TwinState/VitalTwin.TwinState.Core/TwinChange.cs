using VitalTwin.Clinical;

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
    public bool Applied => Effect != ReadingEffect.Duplicate;
}
