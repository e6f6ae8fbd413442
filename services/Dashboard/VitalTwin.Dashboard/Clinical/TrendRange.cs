namespace VitalTwin.Dashboard.Clinical;

/// <summary>
/// How far back a patient's trend charts look, and the history's aggregation window for it: wide enough that a
/// chart holds at most about 1,500 points (fewer where windows had no reading), however often a vital is read.
/// </summary>
public sealed record TrendRange(string Key, string Label, TimeSpan Span, TimeSpan Window)
{
    public static TrendRange OneHour { get; } = new("1h", "1 h", TimeSpan.FromHours(1), TimeSpan.FromSeconds(3));

    public static TrendRange EightHours { get; } = new("8h", "8 h", TimeSpan.FromHours(8), TimeSpan.FromSeconds(20));

    public static TrendRange OneDay { get; } = new("24h", "24 h", TimeSpan.FromHours(24), TimeSpan.FromMinutes(1));

    public static TrendRange SevenDays { get; } = new("7d", "7 d", TimeSpan.FromDays(7), TimeSpan.FromMinutes(7));

    public static IReadOnlyList<TrendRange> All { get; } = [OneHour, EightHours, OneDay, SevenDays];

    /// <summary>The most points one vital's chart can hold: one per window.</summary>
    public int MostPoints => (int)Math.Ceiling(Span / Window);
}
