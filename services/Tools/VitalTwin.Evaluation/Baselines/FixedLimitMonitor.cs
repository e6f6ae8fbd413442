using System.Globalization;
using VitalTwin.Clinical;
using VitalTwin.Evaluation.Metrics;

namespace VitalTwin.Evaluation.Baselines;

/// <summary>Alarm limits of one vital; a null side has no limit.</summary>
public sealed record VitalLimits(VitalSign Sign, double? Low, double? High);

/// <summary>
/// A bedside monitor with fixed alarm limits, as shipped: every sample is compared with the limits, and a
/// physiological alarm sounds each time a vital goes beyond a limit (non-latching, as IEC 60601-1-8 allows and
/// monitors default to: the alarm condition ends with the first sample back within the limits, and the next
/// excursion alarms again). No alarm delay, no averaging, no personal limits. A sample the device flagged
/// (motion, probe off, calibrating) is not compared with the limits; the first of a run of them raises a
/// technical alarm (an "INOP" notice) instead.
/// </summary>
public sealed class FixedLimitMonitor
{
    /// <summary>
    /// Typical factory defaults for adult patients: pulse below 50 or above 120 /min, SpO2 below 90 %, breathing
    /// below 8 or above 30 /min, systolic pressure below 90 or above 180 mmHg, temperature below 35 or above 38.5 °C.
    /// </summary>
    public static IReadOnlyList<VitalLimits> DefaultLimits { get; } =
    [
        new(VitalSign.HeartRate, 50, 120),
        new(VitalSign.OxygenSaturation, 90, null),
        new(VitalSign.RespiratoryRate, 8, 30),
        new(VitalSign.SystolicBloodPressure, 90, 180),
        new(VitalSign.BodyTemperature, 35, 38.5),
    ];

    private readonly Dictionary<VitalSign, VitalLimits> _limits;
    private readonly Dictionary<(string PatientId, VitalSign Sign), Excursion> _state = [];
    private readonly List<Alarm> _alarms = [];

    public FixedLimitMonitor(IReadOnlyList<VitalLimits>? limits = null) =>
        _limits = (limits ?? DefaultLimits).ToDictionary(l => l.Sign);

    public IReadOnlyList<Alarm> Alarms => _alarms;

    /// <summary>Takes one sample; returns the alarm it raised, if any. An alarm's condition ends (<see cref="Alarm.OpenUntil"/>) with the first sample back within the limits.</summary>
    public Alarm? Observe(string patientId, VitalSign sign, double value, DateTimeOffset observedAt, bool artifactFlagged)
    {
        var key = (patientId, sign);
        var previous = _state.GetValueOrDefault(key);
        if (artifactFlagged)
        {
            _state[key] = previous with { Inoperative = true };
            return previous.Inoperative ? null : Raise(new Alarm(patientId, observedAt, $"Inop/{sign}", Technical: true));
        }

        var side = Side(sign, value);
        if (side == previous.Side)
        {
            _state[key] = previous with { Inoperative = false };
            return null;
        }
        if (previous.Side != 0)
        {
            _alarms[previous.Alarm] = _alarms[previous.Alarm] with { OpenUntil = observedAt };
        }
        _state[key] = new Excursion(side, Inoperative: false, side == 0 ? -1 : _alarms.Count);
        if (side == 0)
        {
            return null;
        }
        var limits = _limits[sign];
        var cause = side < 0
            ? string.Create(CultureInfo.InvariantCulture, $"{sign}<{limits.Low}")
            : string.Create(CultureInfo.InvariantCulture, $"{sign}>{limits.High}");
        return Raise(new Alarm(patientId, observedAt, cause) { OpenUntil = DateTimeOffset.MaxValue });
    }

    private int Side(VitalSign sign, double value) =>
        !_limits.TryGetValue(sign, out var limits) ? 0
        : value < limits.Low ? -1
        : value > limits.High ? 1
        : 0;

    private Alarm Raise(Alarm alarm)
    {
        _alarms.Add(alarm);
        return alarm;
    }

    /// <summary>
    /// Which limit a vital is beyond (−1 low, 1 high, 0 none) and the index of the alarm that excursion raised, and
    /// whether its samples are flagged as unusable.
    /// </summary>
    private readonly record struct Excursion(int Side, bool Inoperative, int Alarm = -1);
}
