namespace VitalTwin.Simulator.Core.Scenarios;

/// <summary>How a clinical event of a kind unfolds when its scenario entry does not say.</summary>
public sealed record EventDefaults(TimeRange Ramp, TimeRange? Duration, SeverityRange Severity)
{
    private static readonly SeverityRange Usual = new(0.6, 1.0);

    public static EventDefaults For(ClinicalEventKind kind) => kind switch
    {
        ClinicalEventKind.Sepsis => new(Hours(3, 8), null, Usual),
        ClinicalEventKind.AcuteDesaturation => new(Minutes(1, 5), Minutes(20, 60), Usual),
        ClinicalEventKind.Tachyarrhythmia => new(new(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(60)), Minutes(30, 180), Usual),
        ClinicalEventKind.Hypotension => new(Minutes(20, 60), Hours(1, 4), Usual),
        ClinicalEventKind.Bradycardia => new(Minutes(1, 5), Minutes(20, 90), Usual),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    internal static TimeRange Minutes(double min, double max) => new(TimeSpan.FromMinutes(min), TimeSpan.FromMinutes(max));

    internal static TimeRange Hours(double min, double max) => new(TimeSpan.FromHours(min), TimeSpan.FromHours(max));
}

/// <summary>How an artifact episode of a kind looks when its scenario entry does not say.</summary>
public sealed record ArtifactDefaults(TimeRange Duration, double Flagged)
{
    public static ArtifactDefaults For(ArtifactKind kind) => kind switch
    {
        ArtifactKind.Motion => new(new(TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(90)), 0.5),
        ArtifactKind.ProbeOff => new(EventDefaults.Minutes(1, 20), 0.8),
        ArtifactKind.Disconnection => new(EventDefaults.Minutes(2, 30), 0),
        ArtifactKind.DeviceMoved => new(EventDefaults.Minutes(10, 60), 0),
        // A spike's window is not chosen: it is one sampling interval of its vital, so that it holds one reading.
        ArtifactKind.Spike => new(TimeRange.Exactly(TimeSpan.FromSeconds(1)), 0),
        ArtifactKind.NoiseBurst => new(EventDefaults.Minutes(0.5, 5), 0),
        ArtifactKind.BadProbe => new(EventDefaults.Minutes(10, 60), 0),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    /// <summary>Whether a device can flag this kind's readings at all.</summary>
    public static bool CanBeFlagged(ArtifactKind kind) => kind is ArtifactKind.Motion or ArtifactKind.ProbeOff;

    /// <summary>Whether an episode's length is the scenario's to choose (a spike lasts one reading).</summary>
    public static bool HasDuration(ArtifactKind kind) => kind != ArtifactKind.Spike;
}
