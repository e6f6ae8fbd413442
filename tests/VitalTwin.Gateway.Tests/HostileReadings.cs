using Google.Protobuf;
using VitalTwin.Clinical;
using VitalTwin.Contracts.Telemetry.V1;
using Timestamp = Google.Protobuf.WellKnownTypes.Timestamp;

namespace VitalTwin.Gateway.Tests;

/// <summary>What a hostile reading does wrong; <see cref="Valid"/> and <see cref="Duplicate"/> are the ones the Gateway must take.</summary>
internal enum HostileKind
{
    Valid,
    Duplicate,
    MissingPatient,
    MissingDevice,
    BlankIds,
    MissingTime,
    MissingCode,
    BlankCode,
    LongId,
    HugeString,
    OddCharacters,
    NotFinite,
    OutOfRange,
    YearOne,
    Year9999,
    Unrepresentable,
    Future,
    Stale,
    UnknownVital,
    CodesDisagree,
    UnknownUnit,
    UnknownDevice,
    ClaimsControlPatient,
    ControlDeviceOtherPatient,
    ControlDeviceBadValue,
    FlagFlood,
    UnknownFields,
    RandomFields,
}

/// <summary>A reading the fuzz sent, what it does wrong, and what the Gateway may answer.</summary>
internal sealed record HostileReading(HostileKind Kind, VitalSignReading Reading)
{
    /// <summary>Reasons the Gateway may give; empty = it must accept; null = anything goes (random fields).</summary>
    public IReadOnlySet<RejectionReason>? Refusals => Kind switch
    {
        HostileKind.Valid or HostileKind.Duplicate => new HashSet<RejectionReason>(),
        HostileKind.RandomFields => null,
        HostileKind.MissingPatient or HostileKind.MissingDevice or HostileKind.BlankIds or HostileKind.MissingTime or HostileKind.MissingCode
            or HostileKind.BlankCode or HostileKind.LongId or HostileKind.HugeString or HostileKind.NotFinite or HostileKind.Unrepresentable
            or HostileKind.FlagFlood or HostileKind.UnknownFields => Set(RejectionReason.Malformed),
        HostileKind.OddCharacters => Set(RejectionReason.Malformed, RejectionReason.UnknownDevice),
        HostileKind.OutOfRange => Set(RejectionReason.OutOfRange),
        HostileKind.YearOne or HostileKind.Year9999 or HostileKind.Future or HostileKind.Stale =>
            Set(RejectionReason.TimestampOutOfBounds, RejectionReason.DevicePatientMismatch, RejectionReason.DeviceNotBound),
        HostileKind.UnknownVital or HostileKind.CodesDisagree => Set(RejectionReason.UnknownVital),
        HostileKind.UnknownUnit => Set(RejectionReason.UnknownUnit),
        HostileKind.UnknownDevice => Set(RejectionReason.UnknownDevice),
        HostileKind.ClaimsControlPatient or HostileKind.ControlDeviceOtherPatient => Set(RejectionReason.DevicePatientMismatch),
        HostileKind.ControlDeviceBadValue => Set(RejectionReason.Malformed, RejectionReason.OutOfRange),
        _ => throw new ArgumentOutOfRangeException(nameof(Kind), Kind, null),
    };

    /// <summary>
    /// The reasons on a call authenticated as <paramref name="caller"/>: a reading naming another device is refused
    /// for that before anything else is looked at.
    /// </summary>
    public IReadOnlySet<RejectionReason>? RefusalsOn(string caller) =>
        string.Equals(Reading.DeviceId, caller, StringComparison.Ordinal) ? Refusals : Set(RejectionReason.DeviceMismatch);

    private static HashSet<RejectionReason> Set(params RejectionReason[] reasons) => [.. reasons];
}

/// <summary>
/// Seeded, deterministic hostile readings for a Gateway whose clock reads <see cref="Readings.Now"/>: the same seed
/// gives the same readings. Valid readings come from the registered fuzz device the call authenticates as
/// (<see cref="Caller"/>), with sequence numbers of their own; duplicates resend, with another value, a reading that
/// device had accepted recently enough for the Gateway to recognise it.
/// </summary>
internal sealed class HostileReadings(int seed, string controlPatient, string controlDevice)
{
    private const int KindCount = (int)HostileKind.RandomFields + 1;

    private static readonly string[] OddIds = ["\0", "dev\nice", "\u202eecived", "🩺🩺", "\ud800", " \t ", "dévice-é", "<script>", "device;DROP TABLE", "%00%0a"];
    private static readonly string[] Units = ["/min", "%", "mm[Hg]", "Cel", "[degF]", "K", "kPa", "{beats}/min", "mmHg", "bpm", "", "°C", "/s"];

    private readonly List<(string Device, string Patient)> _devices = [];
    private readonly Dictionary<string, List<VitalSignReading>> _delivered = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ulong> _sequences = new(StringComparer.Ordinal);

    public Random Random { get; } = new(seed);

    public int Seed => seed;

    /// <summary>The fuzz device the next call is authenticated as; a random one for each reading until set.</summary>
    public string? Caller { get; set; }

    public IReadOnlyList<(string Device, string Patient)> Devices => _devices;

    /// <summary>A device the Gateway has bound (from an hour before <see cref="Readings.Now"/>) to its patient.</summary>
    public void AddDevice(string device, string patient) => _devices.Add((device, patient));

    /// <summary>The Gateway accepted and stored <paramref name="reading"/>; a later duplicate may resend it.</summary>
    public void Delivered(VitalSignReading reading)
    {
        if (!_delivered.TryGetValue(reading.DeviceId, out var readings))
        {
            _delivered[reading.DeviceId] = readings = [];
        }
        readings.Add(reading);
        if (readings.Count > 64)
        {
            readings.RemoveAt(0);
        }
    }

    public HostileReading Next()
    {
        var kind = (HostileKind)Random.Next(KindCount);
        if (kind == HostileKind.Duplicate && Recent().Count == 0)
        {
            kind = HostileKind.Valid;
        }
        return new HostileReading(kind, Build(kind));
    }

    /// <summary>A well-formed reading from one of the fuzz devices, with its next sequence number.</summary>
    public VitalSignReading Valid()
    {
        var (device, patient) = Caller is null ? _devices[Random.Next(_devices.Count)] : _devices.Single(d => d.Device == Caller);
        var definition = VitalCatalogue.Default.All[Random.Next(VitalCatalogue.Default.All.Count)];
        var sequence = _sequences[device] = _sequences.GetValueOrDefault(device) + 1;
        var reading = new VitalSignReading
        {
            PatientId = patient,
            DeviceId = device,
            SequenceNumber = sequence,
            ObservedAt = Timestamp.FromDateTimeOffset(Readings.Now.AddSeconds(-Random.Next(0, 3_000))),
            Code = Random.Next(2) == 0 ? new VitalCode { Loinc = definition.Loinc } : new VitalCode { Mdc = definition.Mdc },
            Value = definition.PhysiologicalMin + (Random.NextDouble() * (definition.PhysiologicalMax - definition.PhysiologicalMin)),
            Unit = definition.CanonicalUnit,
        };
        if (Random.Next(4) == 0)
        {
            reading.QualityFlags.Add((QualityFlag)Random.Next(0, 7));
        }
        return reading;
    }

    /// <summary>
    /// The caller's delivered readings the Gateway is certain to recognise: within its window below the highest
    /// sequence number the device may have had stored by then, which counts the readings still to come in the call
    /// (refused ones use up numbers too).
    /// </summary>
    private List<VitalSignReading> Recent()
    {
        if (Caller is null || !_delivered.TryGetValue(Caller, out var delivered))
        {
            return [];
        }
        const int ReadingsAfterInOneCall = 100;
        var highest = _sequences[Caller] + ReadingsAfterInOneCall;
        return delivered.Where(r => highest - r.SequenceNumber < Ingestion.DeliveredReadings.Window).ToList();
    }

    private VitalSignReading Build(HostileKind kind)
    {
        var reading = Valid();
        switch (kind)
        {
            case HostileKind.Valid:
                break;
            case HostileKind.Duplicate:
                var recent = Recent();
                reading = recent[Random.Next(recent.Count)].Clone();
                var resentVital = VitalCatalogue.Default.All.First(d => d.HasLoinc(reading.Code.Loinc) || d.HasMdc(reading.Code.Mdc));
                reading.Value = (resentVital.PhysiologicalMin + resentVital.PhysiologicalMax) / 2;
                break;
            case HostileKind.MissingPatient:
                reading.PatientId = string.Empty;
                break;
            case HostileKind.MissingDevice:
                reading.DeviceId = string.Empty;
                break;
            case HostileKind.BlankIds:
                reading.PatientId = new string(' ', Random.Next(1, 10));
                reading.DeviceId = "\t";
                break;
            case HostileKind.MissingTime:
                reading.ObservedAt = null;
                break;
            case HostileKind.MissingCode:
                reading.Code = null;
                break;
            case HostileKind.BlankCode:
                reading.Code = new VitalCode { Loinc = " ", Mdc = "\t" };
                break;
            case HostileKind.LongId:
                if (Random.Next(2) == 0)
                {
                    reading.PatientId += new string('p', 65 - reading.PatientId.Length + Random.Next(0, 200));
                }
                else
                {
                    reading.DeviceId += new string('d', 65 - reading.DeviceId.Length + Random.Next(0, 200));
                }
                break;
            case HostileKind.HugeString:
                var huge = new string((char)Random.Next('a', 'z'), Random.Next(2_000, 60_000));
                switch (Random.Next(5))
                {
                    case 0: reading.PatientId = huge; break;
                    case 1: reading.DeviceId = huge; break;
                    case 2: reading.Unit = huge; break;
                    case 3: reading.Code.Loinc = huge; break;
                    default: reading.Code.Mdc = huge; break;
                }
                break;
            case HostileKind.OddCharacters:
                reading.DeviceId = OddIds[Random.Next(OddIds.Length)];
                break;
            case HostileKind.NotFinite:
                reading.Value = Random.Next(3) switch { 0 => double.NaN, 1 => double.PositiveInfinity, _ => double.NegativeInfinity };
                break;
            case HostileKind.OutOfRange:
                reading.Value = Random.Next(4) switch { 0 => double.MaxValue, 1 => -double.MaxValue, 2 => -1, _ => 1e6 };
                break;
            case HostileKind.YearOne:
                reading.ObservedAt = new Timestamp { Seconds = -62_135_596_800, Nanos = Random.Next(0, 1_000_000_000) };
                break;
            case HostileKind.Year9999:
                reading.ObservedAt = new Timestamp { Seconds = 253_402_300_799 - Random.Next(0, 86_400), Nanos = 999_999_999 };
                break;
            case HostileKind.Unrepresentable:
                reading.ObservedAt = Random.Next(4) switch
                {
                    0 => new Timestamp { Seconds = long.MaxValue },
                    1 => new Timestamp { Seconds = long.MinValue },
                    2 => new Timestamp { Seconds = reading.ObservedAt.Seconds, Nanos = -1 },
                    _ => new Timestamp { Seconds = reading.ObservedAt.Seconds, Nanos = 1_000_000_000 },
                };
                break;
            case HostileKind.Future:
                reading.ObservedAt = Timestamp.FromDateTimeOffset(Readings.Now.AddMinutes(5).AddSeconds(Random.Next(1, 1_000_000)));
                break;
            case HostileKind.Stale:
                reading.ObservedAt = Timestamp.FromDateTimeOffset(Readings.Now.AddHours(-24).AddSeconds(-Random.Next(1, 1_000_000)));
                break;
            case HostileKind.UnknownVital:
                reading.Code = new VitalCode { Loinc = $"{Random.Next(10_000, 99_999)}-{Random.Next(10)}" };
                break;
            case HostileKind.CodesDisagree:
                reading.Code = new VitalCode { Loinc = "8867-4", Mdc = "MDC_TEMP_BODY" };
                break;
            case HostileKind.UnknownUnit:
                var definition = VitalCatalogue.Default.All.First(d => d.HasLoinc(reading.Code.Loinc) || d.HasMdc(reading.Code.Mdc));
                var refused = Units.Where(u => !definition.AcceptedUnits.Contains(u)).ToArray();
                reading.Unit = refused[Random.Next(refused.Length)];
                break;
            case HostileKind.UnknownDevice:
                reading.DeviceId = $"unknown-device-{Random.Next():x8}";
                break;
            case HostileKind.ClaimsControlPatient:
                reading.PatientId = controlPatient;
                break;
            case HostileKind.ControlDeviceOtherPatient:
                reading.DeviceId = controlDevice;
                break;
            case HostileKind.ControlDeviceBadValue:
                reading.DeviceId = controlDevice;
                reading.PatientId = controlPatient;
                reading.SequenceNumber = (ulong)Random.NextInt64();
                reading.Code = new VitalCode { Loinc = "8867-4" };
                reading.Unit = "/min";
                reading.Value = Random.Next(3) switch { 0 => double.NaN, 1 => 301, _ => -0.5 };
                break;
            case HostileKind.FlagFlood:
                for (var i = Random.Next(600, 5_000); i > 0; i--)
                {
                    reading.QualityFlags.Add((QualityFlag)Random.Next(-5, 1_000));
                }
                break;
            case HostileKind.UnknownFields:
                // Field 99 (length-delimited) and field 100 (varint), which this version of the contract does not know.
                var bytes = reading.ToByteArray().Concat(new byte[] { 0x9a, 0x06, 0xe8, 0x07 }).Concat(new byte[1_000].Select(_ => (byte)Random.Next(256)))
                    .Concat(new byte[] { 0xa0, 0x06, 0x01 }).ToArray();
                reading = VitalSignReading.Parser.ParseFrom(bytes);
                break;
            case HostileKind.RandomFields:
                reading = RandomReading();
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, null);
        }
        return reading;
    }

    private VitalSignReading RandomReading()
    {
        string Text() => Random.Next(6) switch
        {
            0 => string.Empty,
            1 => OddIds[Random.Next(OddIds.Length)],
            2 => Units[Random.Next(Units.Length)],
            3 => new string((char)Random.Next(32, 0xd7ff), Random.Next(1, 80)),
            4 => _devices[Random.Next(_devices.Count)].Device,
            _ => _devices[Random.Next(_devices.Count)].Patient,
        };
        var reading = new VitalSignReading
        {
            PatientId = Text(),
            DeviceId = Text(),
            SequenceNumber = (ulong)Random.NextInt64(),
            ObservedAt = Random.Next(5) == 0 ? null : new Timestamp { Seconds = Random.NextInt64(-70_000_000_000, 260_000_000_000), Nanos = Random.Next(-2, 1_000_000_002) },
            Code = Random.Next(5) == 0 ? null : new VitalCode { Loinc = Text(), Mdc = Text() },
            Value = BitConverter.Int64BitsToDouble(Random.NextInt64(long.MinValue, long.MaxValue)),
            Unit = Text(),
        };
        return reading;
    }
}
