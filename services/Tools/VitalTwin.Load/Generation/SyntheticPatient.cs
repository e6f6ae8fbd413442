using Google.Protobuf.WellKnownTypes;
using VitalTwin.Contracts.Telemetry.V1;
using VitalTwin.DeviceTransports;

namespace VitalTwin.Load.Generation;

/// <summary>
/// One monitored patient with one bedside monitor: every tick the monitor sends the five NEWS2 vitals, varying
/// a little around the patient's own levels, all scoring 0. A deteriorating patient switches once, at a
/// known instant, to values that each score 2 or 3 (NEWS2 14), and stays there.
/// Each patient is driven by exactly one stream, so only that stream writes its fields; other threads read
/// <see cref="LastSentTicks"/>, <see cref="ReadingsSent"/> and <see cref="ReadingsDropped"/>.
/// </summary>
internal sealed class SyntheticPatient
{
    public static readonly VitalCode HeartRate = new() { Loinc = "8867-4" };
    public static readonly VitalCode OxygenSaturation = new() { Loinc = "59408-5" };
    public static readonly VitalCode RespiratoryRate = new() { Loinc = "9279-1" };
    public static readonly VitalCode SystolicPressure = new() { Loinc = "8480-6" };
    public static readonly VitalCode Temperature = new() { Loinc = "8310-5" };

    private readonly double _heartRate;
    private readonly double _spo2;
    private readonly double _respiratoryRate;
    private readonly double _systolic;
    private readonly double _temperature;
    private ulong _sequence;
    private long _lastSentTicks;
    private long _readingsSent;
    private long _readingsDropped;

    public SyntheticPatient(int number, TimeSpan? deterioratesAfter, Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        PatientId = $"load-patient-{number:D7}";
        DeviceId = $"load-monitor-{number:D7}";
        Login = new DeviceLogin(DeviceId, string.Empty);
        DeterioratesAfter = deterioratesAfter;
        _heartRate = 64 + (random.NextDouble() * 18);
        _spo2 = 97.5 + random.NextDouble();
        _respiratoryRate = 13 + (random.NextDouble() * 4);
        _systolic = 115 + (random.NextDouble() * 20);
        _temperature = 36.5 + (random.NextDouble() * 0.6);
    }

    public string PatientId { get; }

    public string DeviceId { get; }

    /// <summary>When, after the measured window opens, this patient deteriorates; null for one who stays well.</summary>
    public TimeSpan? DeterioratesAfter { get; }

    public bool Deteriorated { get; private set; }

    /// <summary>UTC ticks of the newest tick sent (its observed_at); 0 before the first.</summary>
    public long LastSentTicks => Volatile.Read(ref _lastSentTicks);

    public long ReadingsSent => Volatile.Read(ref _readingsSent);

    /// <summary>Readings of this monitor refused for back-pressure that its sender gave up resending: never delivered, not lost.</summary>
    public long ReadingsDropped => Volatile.Read(ref _readingsDropped);

    public void Dropped(int readings) => Volatile.Write(ref _readingsDropped, _readingsDropped + readings);

    /// <summary>What the monitor signs in with at any door: its id and the credential its registration issued (none before it).</summary>
    public DeviceLogin Login { get; private set; }

    public void Registered(string deviceCredential) => Login = new DeviceLogin(DeviceId, deviceCredential);

    /// <param name="ingestSystem">The system the monitor sends through, when it does not send for itself.</param>
    public RegisterDeviceRequest Registration(DateTimeOffset boundFrom, string? ingestSystem = null) => new()
    {
        DeviceId = DeviceId,
        PatientId = PatientId,
        BoundFrom = Timestamp.FromDateTimeOffset(boundFrom),
        IngestSystem = ingestSystem ?? string.Empty,
    };

    /// <summary>True when this tick is the one that deteriorates: the window opened at <paramref name="windowStart"/> and the instant has come.</summary>
    public bool DeterioratesNow(DateTimeOffset now, DateTimeOffset? windowStart) =>
        !Deteriorated && DeterioratesAfter is { } after && windowStart is { } start && now >= start + after;

    /// <summary>Adds one tick of five readings observed at <paramref name="now"/>; <paramref name="deteriorate"/> makes this and every later tick critical.</summary>
    public void AppendTick(VitalSignBatch batch, DateTimeOffset now, bool deteriorate, Random random)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(random);
        Deteriorated |= deteriorate;
        // Stamped to the millisecond, as monitors stamp: FHIR and HL7 v2 carry no finer time, and a twin is caught up
        // when it reflects the tick's time as sent.
        now = new DateTimeOffset(now.UtcTicks - (now.UtcTicks % TimeSpan.TicksPerMillisecond), TimeSpan.Zero);
        var observedAt = Timestamp.FromDateTimeOffset(now);
        // One decimal and real noise: a monitor repeating one value for long is a flat-line artifact to the detectors.
        if (Deteriorated)
        {
            // NEWS2: pulse >= 131 (3), SpO2 <= 91 (3), respiration >= 25 (3), systolic <= 90 (3), temperature >= 39.1 (2).
            Add(batch, HeartRate, Noisy(random, 136, 2, 131.5, 160), "/min", observedAt);
            Add(batch, OxygenSaturation, Noisy(random, 89, 0.5, 85, 90.9), "%", observedAt);
            Add(batch, RespiratoryRate, Noisy(random, 28, 1, 25.5, 32), "/min", observedAt);
            Add(batch, SystolicPressure, Noisy(random, 86, 1.5, 80, 89.9), "mm[Hg]", observedAt);
            Add(batch, Temperature, Noisy(random, 39.4, 0.1, 39.2, 39.8), "Cel", observedAt);
        }
        else
        {
            // Every value inside NEWS2's 0-scoring range.
            Add(batch, HeartRate, Noisy(random, _heartRate, 2, 52, 90), "/min", observedAt);
            Add(batch, OxygenSaturation, Noisy(random, _spo2, 0.4, 96.1, 100), "%", observedAt);
            Add(batch, RespiratoryRate, Noisy(random, _respiratoryRate, 0.8, 12.1, 19.9), "/min", observedAt);
            Add(batch, SystolicPressure, Noisy(random, _systolic, 3, 111.5, 200), "mm[Hg]", observedAt);
            Add(batch, Temperature, Noisy(random, _temperature, 0.1, 36.2, 37.9), "Cel", observedAt);
        }
        Volatile.Write(ref _readingsSent, _readingsSent + LoadOptions.VitalsPerPatient);
        Volatile.Write(ref _lastSentTicks, now.UtcTicks);
    }

    private void Add(VitalSignBatch batch, VitalCode code, double value, string unit, Timestamp observedAt) =>
        batch.Readings.Add(new VitalSignReading
        {
            PatientId = PatientId,
            DeviceId = DeviceId,
            SequenceNumber = ++_sequence,
            ObservedAt = observedAt,
            Code = code,
            Value = value,
            Unit = unit,
        });

    private static double Noisy(Random random, double level, double spread, double min, double max)
    {
        // Sum of two uniforms: a cheap bell shape, bounded so a value never leaves its NEWS2 band.
        var noise = (random.NextDouble() + random.NextDouble() - 1) * spread * 2;
        return Math.Round(Math.Clamp(level + noise, min, max), 1);
    }
}
