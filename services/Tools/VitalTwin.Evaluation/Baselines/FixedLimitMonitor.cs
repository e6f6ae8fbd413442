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
/// excursion alarms again). No averaging, no personal limits. A sample the device flagged (motion, probe off,
/// calibrating) is not compared with the limits; the first of a run of them raises a technical alarm (an "INOP"
/// notice) instead.
/// <para>
/// With an alarm delay, as bedside monitors are set up on wards (IEC 60601-1-8's alarm condition delay): a
/// continuously measured vital (pulse, SpO2, breathing) alarms only once it has been beyond the same limit, sample
/// after sample, for that long; a return within the limits or a flagged sample starts the wait again. Cuff
/// pressure and temperature are single measurements, alarmed as they come, as monitors do.
/// </para>
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

    /// <summary>A common ward setting of the alarm condition delay.</summary>
    public static readonly TimeSpan DefaultAlarmDelay = TimeSpan.FromSeconds(10);

    /// <summary>The vitals a monitor measures continuously, to which the alarm delay applies.</summary>
    public static IReadOnlyList<VitalSign> ContinuousVitals { get; } = [VitalSign.HeartRate, VitalSign.OxygenSaturation, VitalSign.RespiratoryRate];

    private readonly Dictionary<VitalSign, VitalLimits> _limits;
    private readonly Dictionary<(string PatientId, VitalSign Sign), Excursion> _state = [];
    private readonly List<Alarm> _alarms = [];

    /// <param name="alarmDelay">How long a continuously measured vital must stay beyond a limit before it alarms; zero for at once.</param>
    public FixedLimitMonitor(IReadOnlyList<VitalLimits>? limits = null, TimeSpan alarmDelay = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(alarmDelay, TimeSpan.Zero);
        _limits = (limits ?? DefaultLimits).ToDictionary(l => l.Sign);
        AlarmDelay = alarmDelay;
    }

    public TimeSpan AlarmDelay { get; }

    public IReadOnlyList<Alarm> Alarms => _alarms;

    /// <summary>Takes one sample; returns the alarm it raised, if any. An alarm's condition ends (<see cref="Alarm.OpenUntil"/>) with the first sample back within the limits.</summary>
    public Alarm? Observe(string patientId, VitalSign sign, double value, DateTimeOffset observedAt, bool artifactFlagged)
    {
        var key = (patientId, sign);
        var previous = _state.GetValueOrDefault(key);
        if (artifactFlagged)
        {
            // An excursion still waiting out the delay was not seen continuously: it starts again after the notice.
            _state[key] = previous.Side != 0 && previous.Alarm < 0 ? default(Excursion) with { Inoperative = true } : previous with { Inoperative = true };
            return previous.Inoperative ? null : Raise(new Alarm(patientId, observedAt, $"Inop/{sign}", Technical: true));
        }

        var side = Side(sign, value);
        if (side == previous.Side)
        {
            var waited = side != 0 && previous.Alarm < 0 && observedAt - previous.Since >= DelayOf(sign);
            _state[key] = previous with { Inoperative = false, Alarm = waited ? _alarms.Count : previous.Alarm };
            return waited ? Raise(Beyond(patientId, sign, side, observedAt)) : null;
        }
        if (previous.Side != 0 && previous.Alarm >= 0)
        {
            _alarms[previous.Alarm] = _alarms[previous.Alarm] with { OpenUntil = observedAt };
        }
        if (side == 0)
        {
            _state[key] = new Excursion(0, Inoperative: false, Alarm: -1, observedAt);
            return null;
        }
        var now = DelayOf(sign) == TimeSpan.Zero;
        _state[key] = new Excursion(side, Inoperative: false, now ? _alarms.Count : -1, observedAt);
        return now ? Raise(Beyond(patientId, sign, side, observedAt)) : null;
    }

    private TimeSpan DelayOf(VitalSign sign) => ContinuousVitals.Contains(sign) ? AlarmDelay : TimeSpan.Zero;

    private Alarm Beyond(string patientId, VitalSign sign, int side, DateTimeOffset observedAt)
    {
        var limits = _limits[sign];
        var cause = side < 0
            ? string.Create(CultureInfo.InvariantCulture, $"{sign}<{limits.Low}")
            : string.Create(CultureInfo.InvariantCulture, $"{sign}>{limits.High}");
        return new Alarm(patientId, observedAt, cause) { OpenUntil = DateTimeOffset.MaxValue };
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
    /// Which limit a vital is beyond (−1 low, 1 high, 0 none) since when, the index of the alarm that excursion
    /// raised (−1 while it waits out the delay), and whether its samples are flagged as unusable.
    /// </summary>
    private readonly record struct Excursion(int Side, bool Inoperative, int Alarm, DateTimeOffset Since);
}
