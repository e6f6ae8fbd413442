namespace VitalTwin.Export.Tests;

/// <summary>Patients, devices and a ward with names no other test uses, and their readings as the history store keeps them.</summary>
internal sealed class Cohort
{
    public const string HeartRate = "8867-4";
    public const string SpO2 = "59408-5";

    /// <summary>A fixed past morning: the readings' real times, which must not appear in the export.</summary>
    public static readonly DateTimeOffset Start = new(2026, 3, 1, 10, 0, 0, TimeSpan.Zero);

    public static readonly DateTimeOffset From = Start.AddHours(-1);
    public static readonly DateTimeOffset To = Start.AddDays(1);

    private int _beds;

    public string Ward { get; } = $"Ward7B{Guid.NewGuid():N}"[..14];

    public string NewPatient() => $"MRN-{Guid.NewGuid():N}";

    public string NewDevice() => $"bedside-{Ward}-bed{++_beds}-{Guid.NewGuid():N}";

    /// <summary>Heart rate at <paramref name="offsets"/> after <see cref="Start"/>, from one bedside monitor of the ward.</summary>
    public List<StoredReading> HeartRates(string patientId, params TimeSpan[] offsets)
    {
        var device = NewDevice();
        return [.. offsets.Select((offset, i) => new StoredReading(patientId, HeartRate, 60 + i + 0.5, "/min", Start + offset, device))];
    }

    public List<StoredReading> Minutely(string patientId, int count) =>
        HeartRates(patientId, [.. Enumerable.Range(0, count).Select(i => TimeSpan.FromMinutes(i))]);
}
