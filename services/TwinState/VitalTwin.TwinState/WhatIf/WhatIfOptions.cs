using System.ComponentModel.DataAnnotations;

namespace VitalTwin.TwinState.WhatIf;

/// <summary>Bounds on the what-if calls (TwinWhatIf), which compute on request: bound from <c>WhatIf</c>.</summary>
internal sealed class WhatIfOptions
{
    public const string SectionName = "WhatIf";

    /// <summary>SimulateSettings calls one replica runs at once; one more is refused with RESOURCE_EXHAUSTED, so that replays never starve the live twins.</summary>
    [Range(1, 64)]
    public int MaxConcurrentSimulations { get; set; } = 1;

    /// <summary>The longest one SimulateSettings call may compute; past it the call ends with DEADLINE_EXCEEDED.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan SimulationTimeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>The history replayed when the request names no window.</summary>
    [Range(typeof(TimeSpan), "00:05:00", "3.00:00:00")]
    public TimeSpan DefaultWindow { get; set; } = TimeSpan.FromHours(24);

    [Range(typeof(TimeSpan), "00:05:00", "3.00:00:00")]
    public TimeSpan MaxWindow { get; set; } = TimeSpan.FromHours(72);

    /// <summary>How far Project looks ahead when the request does not say.</summary>
    [Range(typeof(TimeSpan), "00:05:00", "04:00:00")]
    public TimeSpan DefaultHorizon { get; set; } = TimeSpan.FromHours(2);

    [Range(typeof(TimeSpan), "00:05:00", "04:00:00")]
    public TimeSpan MaxHorizon { get; set; } = TimeSpan.FromHours(4);

    /// <summary>Between projected points when the request does not say; never less than <see cref="MinStep"/>.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "01:00:00")]
    public TimeSpan DefaultStep { get; set; } = TimeSpan.FromMinutes(5);

    [Range(typeof(TimeSpan), "00:00:10", "01:00:00")]
    public TimeSpan MinStep { get; set; } = TimeSpan.FromMinutes(1);
}
