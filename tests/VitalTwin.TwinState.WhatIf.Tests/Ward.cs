using VitalTwin.Clinical;
using VitalTwin.Clinical.Settings;
using VitalTwin.TwinState.WhatIf;

namespace VitalTwin.TwinState.WhatIf.Tests;

/// <summary>
/// A patient's recorded hours as a bedside monitor gives them: five vitals at 1 Hz around a normal, with small noise
/// of a fixed seed, and episodes in which one vital moves to a level of the test's choosing.
/// </summary>
internal sealed class Ward
{
    public static readonly DateTimeOffset Start = new(2025, 5, 12, 6, 0, 0, TimeSpan.Zero);

    private static readonly Dictionary<VitalSign, double> Normal = new()
    {
        [VitalSign.HeartRate] = 76,
        [VitalSign.OxygenSaturation] = 97,
        [VitalSign.RespiratoryRate] = 15,
        [VitalSign.SystolicBloodPressure] = 122,
        [VitalSign.BodyTemperature] = 36.8,
    };

    private readonly List<(VitalSign Sign, DateTimeOffset From, DateTimeOffset To, double Level)> _episodes = [];
    private readonly List<(VitalSign Sign, DateTimeOffset From, DateTimeOffset To)> _silences = [];

    public Ward(TimeSpan length, int seed = 7)
    {
        Length = length;
        Seed = seed;
    }

    public TimeSpan Length { get; }

    public int Seed { get; }

    public DateTimeOffset End => Start + Length;

    /// <summary><paramref name="sign"/> stands around <paramref name="level"/> from <paramref name="from"/> for <paramref name="lasting"/>.</summary>
    public Ward Episode(VitalSign sign, TimeSpan from, TimeSpan lasting, double level)
    {
        _episodes.Add((sign, Start + from, Start + from + lasting, level));
        return this;
    }

    /// <summary>No reading of <paramref name="sign"/> from <paramref name="from"/> for <paramref name="lasting"/> (a probe taken off).</summary>
    public Ward Silence(VitalSign sign, TimeSpan from, TimeSpan lasting)
    {
        _silences.Add((sign, Start + from, Start + from + lasting));
        return this;
    }

    public IEnumerable<(VitalSign Sign, DateTimeOffset At, double Value)> Readings()
    {
        var random = new Random(Seed);
        for (var second = 0; second < (int)Length.TotalSeconds; second++)
        {
            var at = Start.AddSeconds(second);
            foreach (var (sign, normal) in Normal)
            {
                var noise = random.NextDouble() - 0.5;
                if (_silences.Any(s => s.Sign == sign && at >= s.From && at < s.To))
                {
                    continue;
                }
                var level = _episodes.Where(e => e.Sign == sign && at >= e.From && at < e.To).Select(e => e.Level).DefaultIfEmpty(normal).First();
                yield return (sign, at, sign == VitalSign.BodyTemperature ? Math.Round(level + (0.1 * noise), 1) : Math.Round(level + (2 * noise)));
            }
        }
    }

    public RecordedReadings Recorded()
    {
        var builder = new RecordedReadings.Builder();
        foreach (var (sign, at, value) in Readings())
        {
            builder.Add(sign, at, value);
        }
        return builder.Build();
    }

    public SettingsSimulationInput Input(AlarmSettings current, AlarmSettings proposed, params ConfirmedAnomaly[] confirmed) =>
        new("whatif-patient", Recorded(), Start, End, Core.PatientContext.Unrecorded, current, proposed, confirmed);

    public static SettingProvenance Provenance { get; } = new("tested", "dr-test", Start, Start.AddHours(24));

    public static AlarmSettings Limits(VitalSign sign, double? low, double? high, TimeSpan? holdTime = null) =>
        new([new VitalAlarmSetting(sign, low, high, holdTime ?? TimeSpan.Zero, DetectorSensitivity.Standard, Provenance)]);
}
