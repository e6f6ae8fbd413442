using VitalTwin.Clinical;

namespace VitalTwin.Simulator.Core.Scenarios;

/// <summary>
/// Everything that decides a simulated ward: who the patients are, what happens to them and when, how often
/// their devices measure. The same scenario and seed always yield the same readings and labels.
/// </summary>
public sealed record Scenario
{
    /// <summary>A Monday midnight, so that a scenario without a start begins its night at once.</summary>
    public static readonly DateTimeOffset DefaultStart = new(2025, 1, 6, 0, 0, 0, TimeSpan.Zero);

    public required string Name { get; init; }

    public string? Description { get; init; }

    public required long Seed { get; init; }

    /// <summary>Simulated clock at the start; its time of day and offset place the circadian rhythm.</summary>
    public DateTimeOffset Start { get; init; } = DefaultStart;

    public required TimeSpan Duration { get; init; }

    public required CohortSpec Cohort { get; init; }

    public SamplingSpec Sampling { get; init; } = new();

    public NoiseSpec Noise { get; init; } = new();

    public IReadOnlyList<EventSpec> Events { get; init; } = [];

    public IReadOnlyList<ArtifactSpec> Artifacts { get; init; } = [];

    public DateTimeOffset End => Start + Duration;
}

public sealed record CohortSpec
{
    public required int Size { get; init; }

    public AgeSpec Age { get; init; } = new(18, 95, 62, 18);

    /// <summary>Relative weights; a patient's condition is drawn from them.</summary>
    public IReadOnlyDictionary<PatientCondition, double> Conditions { get; init; } =
        new Dictionary<PatientCondition, double> { [PatientCondition.General] = 1 };

    /// <summary>Patient ids are <c>{prefix}-p0001</c>, device ids <c>{prefix}-d0001</c>; default the scenario name.</summary>
    public string? IdPrefix { get; init; }
}

/// <summary>Ages in years: a normal distribution cut to [<paramref name="Min"/>, <paramref name="Max"/>].</summary>
public sealed record AgeSpec(int Min, int Max, double Mean, double StandardDeviation);

public sealed record SamplingSpec
{
    public static IReadOnlyDictionary<VitalSign, TimeSpan> DefaultIntervals { get; } = new Dictionary<VitalSign, TimeSpan>
    {
        [VitalSign.HeartRate] = TimeSpan.FromSeconds(5),
        [VitalSign.OxygenSaturation] = TimeSpan.FromSeconds(5),
        [VitalSign.RespiratoryRate] = TimeSpan.FromSeconds(15),
        // Non-invasive cuff pressure is intermittent on a ward; a wearable patch reports temperature every few minutes.
        [VitalSign.SystolicBloodPressure] = TimeSpan.FromMinutes(15),
        [VitalSign.BodyTemperature] = TimeSpan.FromMinutes(5),
    };

    /// <summary>Mean time between two readings of each vital; every vital of the catalogue has one.</summary>
    public IReadOnlyDictionary<VitalSign, TimeSpan> Intervals { get; init; } = DefaultIntervals;

    /// <summary>Each interval varies uniformly by ± this fraction.</summary>
    public double Jitter { get; init; } = 0.1;

    /// <summary>Fraction of readings lost at random (a dropped packet, a skipped cuff cycle), each independently.</summary>
    public double Missing { get; init; }
}

/// <summary>
/// Per-reading measurement error: each vital's own noise times <see cref="Scale"/>, drawn from a standard normal or
/// from a Student-t with <see cref="DegreesOfFreedom"/> (few degrees: rare readings far off, as real sensors give).
/// </summary>
public sealed record NoiseSpec
{
    public const int DefaultDegreesOfFreedom = 3;

    public double Scale { get; init; } = 1;

    public NoiseDistribution Distribution { get; init; } = NoiseDistribution.Gaussian;

    /// <summary>Student-t only; <see cref="DefaultDegreesOfFreedom"/> when not given.</summary>
    public int? DegreesOfFreedom { get; init; }
}

/// <summary>A closed range a value is drawn from uniformly.</summary>
public sealed record TimeRange(TimeSpan Min, TimeSpan Max)
{
    public static TimeRange Exactly(TimeSpan value) => new(value, value);
}

/// <summary>Event severity in (0, 1]: 1 is the full effect the event model describes.</summary>
public sealed record SeverityRange(double Min, double Max);

/// <summary>One kind of clinical event given to <see cref="Patients"/> distinct patients (or a <see cref="Share"/> of the cohort).</summary>
public sealed record EventSpec
{
    public required ClinicalEventKind Kind { get; init; }

    public int? Patients { get; init; }

    public double? Share { get; init; }

    /// <summary>Onset, as time after the scenario start.</summary>
    public required TimeRange Onset { get; init; }

    /// <summary>Time from onset to the full effect; default per kind.</summary>
    public TimeRange? Ramp { get; init; }

    /// <summary>Time from onset until the effect has gone again; default per kind. Lengthened to at least two ramps.</summary>
    public TimeRange? Duration { get; init; }

    /// <summary>True when the event does not resolve; default per kind (sepsis does not).</summary>
    public bool? Persistent { get; init; }

    public SeverityRange? Severity { get; init; }
}

/// <summary>
/// One kind of sensor artifact: <see cref="PerPatientDay"/> episodes on average per patient and day (a Poisson
/// process), or <see cref="Count"/> episodes spread over the cohort.
/// </summary>
public sealed record ArtifactSpec
{
    public required ArtifactKind Kind { get; init; }

    public double? PerPatientDay { get; init; }

    public int? Count { get; init; }

    /// <summary>How long an episode lasts (for a device move: how long the first patient is without a monitor).</summary>
    public TimeRange? Duration { get; init; }

    /// <summary>Probability that the device flags the episode's readings (motion and probe-off only; spikes, noise bursts and bad probes are never flagged).</summary>
    public double? Flagged { get; init; }

    /// <summary>Probe-off only: what the oximeter reports while the probe is off.</summary>
    public ProbeOffSelection? Mode { get; init; }
}
