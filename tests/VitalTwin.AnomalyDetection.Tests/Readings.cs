using VitalTwin.AnomalyDetection.Core;
using VitalTwin.Clinical;

namespace VitalTwin.AnomalyDetection.Tests;

/// <summary>Deterministic vital series, one reading a second.</summary>
internal static class Readings
{
    public static readonly DateTimeOffset Start = new(2025, 3, 1, 8, 0, 0, TimeSpan.FromHours(1));

    // Uniform noise of ±amplitude around the level, to one decimal as a monitor shows it. Seeded, so every run
    // sees the same series; the one-decimal grid means a value like 72.05 never occurs by chance.
    public static double[] Noisy(double level, double amplitude, int count, int seed)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, count).Select(_ => Math.Round(level + (amplitude * ((2 * random.NextDouble()) - 1)), 1))];
    }

    public static VitalMonitor Monitor(VitalSign sign = VitalSign.HeartRate, IReadOnlyList<DetectorSpec>? bank = null, ArtifactRules? rules = null) =>
        new(sign, bank ?? DetectionOptions.DefaultBank, rules ?? new ArtifactRules());

    public static DetectorSpec Spike(double confidence = 99.9, int windowSize = 120) =>
        new() { Type = DetectorType.IidSpike, Confidence = confidence, WindowSize = windowSize };

    // The Power martingale at these settings does not react to a level shift in noisy data; the Mixture one does.
    public static DetectorSpec ChangePoint(double confidence = 95, int windowSize = 20) =>
        new() { Type = DetectorType.IidChangePoint, Confidence = confidence, WindowSize = windowSize, Martingale = Detection.MartingaleType.Mixture };
}

/// <summary>Feeds one monitor a reading a second from <see cref="Readings.Start"/>.</summary>
internal sealed class Feed(VitalMonitor monitor)
{
    private static readonly TimeSpan Second = TimeSpan.FromSeconds(1);
    private DateTimeOffset _next = Readings.Start;

    public VitalMonitor Monitor => monitor;

    public DateTimeOffset LastAt { get; private set; }

    public MonitorOutcome Observe(double value, bool deviceFlagged = false)
    {
        LastAt = _next;
        _next += Second;
        return monitor.Observe(value, LastAt, deviceFlagged);
    }

    public List<MonitorOutcome> ObserveAll(IEnumerable<double> values) => [.. values.Select(v => Observe(v))];

    /// <summary>The next reading arrives <paramref name="gap"/> after the last one.</summary>
    public void FallSilent(TimeSpan gap) => _next = LastAt + gap;
}
