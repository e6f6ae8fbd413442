using System.ComponentModel.DataAnnotations;

namespace VitalTwin.Simulator;

public sealed class SimulatorOptions
{
    public const string SectionName = "Simulator";

    [Required, Url]
    public string GatewayUrl { get; set; } = string.Empty;

    [Range(1, 100_000)]
    public int Patients { get; set; } = 20;

    /// <summary>How many of the patients follow the scripted deterioration.</summary>
    [Range(0, 100_000)]
    public int Deteriorating { get; set; } = 3;

    /// <summary>Readings per second per vital per patient.</summary>
    [Range(0.01, 100)]
    public double RateHz { get; set; } = 1;

    /// <summary>When the deterioration starts, after the simulator starts.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan DeteriorationOnset { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long the deterioration takes to reach its worst.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan DeteriorationRamp { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Ingest calls in flight at once. Each call waits for Kafka's acknowledgement, so with few in flight
    /// a large ward cannot keep its rate.
    /// </summary>
    [Range(1, 10_000)]
    public int MaxConcurrentCalls { get; set; } = 64;

    public int Seed { get; set; } = 42;
}
