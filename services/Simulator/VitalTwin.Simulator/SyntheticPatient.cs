using VitalTwin.Clinical;

namespace VitalTwin.Simulator;

/// <summary>
/// One simulated patient: a personal baseline per vital, measurement noise, and optionally a scripted
/// deterioration (a sepsis-like picture: pulse and breathing up, saturation and pressure down, fever)
/// that ramps in linearly after its onset. Deterministic for a given seed.
/// </summary>
public sealed class SyntheticPatient
{
    private static readonly (VitalSign Sign, double Low, double High, double Noise, double Worsening, int Decimals)[] Profile =
    [
        (VitalSign.HeartRate, 62, 88, 1.5, +45, 0),
        (VitalSign.OxygenSaturation, 96, 99, 0.4, -8, 0),
        (VitalSign.RespiratoryRate, 13, 18, 0.7, +12, 0),
        (VitalSign.SystolicBloodPressure, 112, 135, 2.5, -30, 0),
        (VitalSign.BodyTemperature, 36.5, 37.2, 0.04, +1.6, 1),
    ];

    private readonly Random _random;
    private readonly double[] _baseline;
    private readonly TimeSpan? _onset;
    private readonly TimeSpan _ramp;

    public SyntheticPatient(string patientId, string deviceId, int seed, TimeSpan? deteriorationOnset, TimeSpan ramp)
    {
        PatientId = patientId;
        DeviceId = deviceId;
        _random = new Random(seed);
        _baseline = Profile.Select(p => p.Low + (_random.NextDouble() * (p.High - p.Low))).ToArray();
        _onset = deteriorationOnset;
        _ramp = ramp;
    }

    public string PatientId { get; }
    public string DeviceId { get; }
    public bool Deteriorates => _onset is not null;

    /// <summary>The five vitals at <paramref name="elapsed"/> since the start, in canonical units.</summary>
    public IEnumerable<(VitalSign Sign, double Value)> Sample(TimeSpan elapsed)
    {
        var severity = _onset is { } onset ? Math.Clamp((elapsed - onset) / _ramp, 0, 1) : 0;
        for (var i = 0; i < Profile.Length; i++)
        {
            var (sign, _, _, noise, worsening, decimals) = Profile[i];
            var value = _baseline[i] + (severity * worsening) + (noise * Gaussian());
            if (sign == VitalSign.OxygenSaturation)
            {
                value = Math.Min(value, 100);
            }
            yield return (sign, Math.Round(value, decimals));
        }
    }

    private double Gaussian()
    {
        // Box-Muller: two uniforms to one standard normal.
        var u1 = 1.0 - _random.NextDouble();
        var u2 = _random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }
}
