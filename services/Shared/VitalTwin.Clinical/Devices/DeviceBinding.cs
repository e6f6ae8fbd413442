namespace VitalTwin.Clinical;

/// <summary>A device measured a patient from <paramref name="From"/> (inclusive) until <paramref name="Until"/> (exclusive; null while it still does).</summary>
public sealed record DeviceBinding(string DeviceId, string PatientId, DateTimeOffset From, DateTimeOffset? Until)
{
    public bool Covers(DateTimeOffset at) => at >= From && (Until is not { } until || at < until);
}
