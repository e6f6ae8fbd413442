namespace VitalTwin.Clinical;

/// <summary>NEWS2 clinical risk band (RCP 2017, chart 2).</summary>
public enum News2Risk
{
    /// <summary>Aggregate 0–4 with no single parameter scoring 3.</summary>
    Low,

    /// <summary>Aggregate 0–4 with a single parameter scoring 3: urgent ward-based review.</summary>
    LowMedium,

    /// <summary>Aggregate 5–6: the key threshold for urgent response.</summary>
    Medium,

    /// <summary>Aggregate 7 or more: emergency response.</summary>
    High,
}
