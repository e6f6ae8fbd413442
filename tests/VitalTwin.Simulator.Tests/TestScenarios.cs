using VitalTwin.Clinical;
using VitalTwin.Simulator.Core.Generation;
using VitalTwin.Simulator.Core.Labels;
using VitalTwin.Simulator.Core.Scenarios;

namespace VitalTwin.Simulator.Tests;

/// <summary>Small scenarios built in code, and helpers to look at what they generate.</summary>
internal static class TestScenarios
{
    public static readonly DateTimeOffset Start = new(2025, 3, 3, 8, 0, 0, TimeSpan.Zero);

    /// <summary>Every vital once a minute or faster, so that short windows hold enough readings to average.</summary>
    public static readonly SamplingSpec Dense = new()
    {
        Intervals = new Dictionary<VitalSign, TimeSpan>
        {
            [VitalSign.HeartRate] = TimeSpan.FromSeconds(5),
            [VitalSign.OxygenSaturation] = TimeSpan.FromSeconds(5),
            [VitalSign.RespiratoryRate] = TimeSpan.FromSeconds(10),
            [VitalSign.SystolicBloodPressure] = TimeSpan.FromMinutes(1),
            [VitalSign.BodyTemperature] = TimeSpan.FromMinutes(1),
        },
        Jitter = 0.1,
    };

    public static Scenario Ward(int patients, TimeSpan duration, long seed = 1) => new()
    {
        Name = "test",
        Seed = seed,
        Start = Start,
        Duration = duration,
        Cohort = new CohortSpec { Size = patients },
        Sampling = Dense,
    };

    /// <summary>One general-ward patient with one event of full severity at fixed times.</summary>
    public static Scenario WithEvent(ClinicalEventKind kind, TimeSpan onset, TimeSpan ramp, TimeSpan? duration, TimeSpan length, long seed = 1) =>
        Ward(1, length, seed) with
        {
            Events =
            [
                new EventSpec
                {
                    Kind = kind,
                    Patients = 1,
                    Onset = TimeRange.Exactly(onset),
                    Ramp = TimeRange.Exactly(ramp),
                    Duration = duration is { } d ? TimeRange.Exactly(d) : null,
                    Persistent = duration is null,
                    Severity = new SeverityRange(1, 1),
                },
            ],
        };

    /// <summary>A cohort with exactly one episode of one artifact kind at a fixed length.</summary>
    public static Scenario WithArtifact(ArtifactKind kind, TimeSpan length, int patients = 2, double? flagged = null, ProbeOffSelection? mode = null, long seed = 1) =>
        Ward(patients, TimeSpan.FromHours(2), seed) with
        {
            Artifacts = [new ArtifactSpec { Kind = kind, Count = 1, Duration = TimeRange.Exactly(length), Flagged = flagged, Mode = mode }],
        };

    public static double Mean(this IEnumerable<SimulatedReading> readings, VitalSign sign) =>
        readings.Where(r => r.Vital == sign).Select(r => r.Value).DefaultIfEmpty(double.NaN).Average();

    public static double StandardDeviation(this IEnumerable<SimulatedReading> readings, VitalSign sign)
    {
        var values = readings.Where(r => r.Vital == sign).Select(r => r.Value).ToList();
        var mean = values.Average();
        return Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Count - 1));
    }

    public static List<SimulatedReading> Between(this IEnumerable<SimulatedReading> readings, DateTimeOffset from, DateTimeOffset until) =>
        [.. readings.Where(r => r.ObservedAt >= from && r.ObservedAt < until)];

    public static List<SimulatedReading> Of(this IEnumerable<SimulatedReading> readings, string patientId) =>
        [.. readings.Where(r => r.PatientId == patientId)];

    /// <summary>A label as text, so that labels from two runs compare by value (lists inside compare by reference).</summary>
    public static string Describe(ArtifactLabel label) =>
        $"{label.Kind} {label.PatientId} {label.DeviceId} {label.Start:O} {label.End:O} {label.Flagged} {string.Join('/', label.AffectedVitals)} {label.ProbeOffMode} {label.OtherPatientId} {label.OtherPatientFrom:O} {label.ReplacementDeviceId}";

    public static string ScenarioFile(string name) => Path.Combine(AppContext.BaseDirectory, "scenarios", name);
}
