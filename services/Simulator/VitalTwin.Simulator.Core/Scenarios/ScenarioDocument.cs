namespace VitalTwin.Simulator.Core.Scenarios;

// The scenario file as written: every field optional here, so that what is missing is reported by name
// instead of failing the parse. ScenarioLoader turns it into a Scenario.

internal sealed class ScenarioDocument
{
    public string? Name { get; set; }
    public string? Description { get; set; }
    public long? Seed { get; set; }
    public DateTimeOffset? Start { get; set; }
    public TimeSpan? Duration { get; set; }
    public CohortDocument? Cohort { get; set; }
    public SamplingDocument? Sampling { get; set; }
    public NoiseDocument? Noise { get; set; }
    public List<EventDocument?>? Events { get; set; }
    public List<ArtifactDocument?>? Artifacts { get; set; }
}

internal sealed class CohortDocument
{
    public int? Size { get; set; }
    public AgeDocument? Age { get; set; }
    public Dictionary<string, double>? Conditions { get; set; }
    public string? IdPrefix { get; set; }
}

internal sealed class AgeDocument
{
    public int? Min { get; set; }
    public int? Max { get; set; }
    public double? Mean { get; set; }
    public double? Sd { get; set; }
}

internal sealed class SamplingDocument
{
    public Dictionary<string, TimeSpan>? Intervals { get; set; }
    public double? Jitter { get; set; }
    public double? Missing { get; set; }
}

internal sealed class NoiseDocument
{
    public double? Scale { get; set; }
    public string? Distribution { get; set; }
    public int? DegreesOfFreedom { get; set; }
}

internal sealed class EventDocument
{
    public string? Kind { get; set; }
    public int? Patients { get; set; }
    public double? Share { get; set; }
    public TimeRange? Onset { get; set; }
    public TimeRange? Ramp { get; set; }
    public TimeRange? Duration { get; set; }
    public bool? Persistent { get; set; }
    public SeverityRange? Severity { get; set; }
}

internal sealed class ArtifactDocument
{
    public string? Kind { get; set; }
    public double? PerPatientDay { get; set; }
    public int? Count { get; set; }
    public TimeRange? Duration { get; set; }
    public double? Flagged { get; set; }
    public string? Mode { get; set; }
}
