using VitalTwin.Clinical;

namespace VitalTwin.TwinState.Core;

/// <summary>A consistent copy of a twin, safe to read while the twin goes on changing.</summary>
public sealed record TwinSnapshot(
    string PatientId,
    IReadOnlyDictionary<VitalSign, VitalObservation> Latest,
    News2Result News2,
    DateTimeOffset UpdatedAt,
    ulong ReadingsApplied,
    uint AnomaliesSeen);

/// <summary>What applying a reading did to the twin.</summary>
public readonly record struct TwinChange(bool Applied, bool News2Changed, News2Result Previous, TwinSnapshot Current);

/// <summary>
/// The live model of one patient: latest value of each vital with its provenance, and NEWS2 over them.
/// A reading is applied at most once (device sequence numbers), so replays after a restart are harmless.
/// Consciousness and supplemental oxygen are not measured by devices; until recorded they are assumed
/// Alert and air, and NEWS2 says so.
/// </summary>
public sealed class PatientTwin(string patientId)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<VitalSign, VitalObservation> _latest = [];
    private readonly Dictionary<string, ulong> _lastSequenceByDevice = new(StringComparer.Ordinal);
    private News2Result _news2 = News2.Score(default);
    private DateTimeOffset _updatedAt;
    private ulong _readingsApplied;
    private uint _anomaliesSeen;

    public string PatientId { get; } = patientId;

    public TwinChange Apply(VitalObservation observation)
    {
        ArgumentNullException.ThrowIfNull(observation);
        lock (_gate)
        {
            if (_lastSequenceByDevice.TryGetValue(observation.DeviceId, out var last) && observation.SequenceNumber <= last)
            {
                return new TwinChange(false, false, _news2, SnapshotLocked());
            }
            _lastSequenceByDevice[observation.DeviceId] = observation.SequenceNumber;
            _readingsApplied++;
            // A late reading still counts as applied but must not replace a newer value.
            if (_latest.TryGetValue(observation.Sign, out var current) && current.ObservedAt > observation.ObservedAt)
            {
                return new TwinChange(true, false, _news2, SnapshotLocked());
            }
            _latest[observation.Sign] = observation;
            if (observation.ObservedAt > _updatedAt)
            {
                _updatedAt = observation.ObservedAt;
            }
            var previous = _news2;
            _news2 = News2.Score(Observations());
            return new TwinChange(true, !SameScore(previous, _news2), previous, SnapshotLocked());
        }
    }

    public void RecordAnomaly()
    {
        lock (_gate)
        {
            _anomaliesSeen++;
        }
    }

    public TwinSnapshot Snapshot()
    {
        lock (_gate)
        {
            return SnapshotLocked();
        }
    }

    private TwinSnapshot SnapshotLocked() =>
        new(PatientId, new Dictionary<VitalSign, VitalObservation>(_latest), _news2, _updatedAt, _readingsApplied, _anomaliesSeen);

    private News2Observations Observations() => new(
        RespirationRate: ValueOf(VitalSign.RespiratoryRate),
        OxygenSaturation: ValueOf(VitalSign.OxygenSaturation),
        OnSupplementalOxygen: null,
        SystolicBloodPressure: ValueOf(VitalSign.SystolicBloodPressure),
        Pulse: ValueOf(VitalSign.HeartRate),
        Consciousness: null,
        Temperature: ValueOf(VitalSign.BodyTemperature));

    private double? ValueOf(VitalSign sign) => _latest.TryGetValue(sign, out var observation) ? observation.Value : null;

    private static bool SameScore(News2Result a, News2Result b) =>
        a.Total == b.Total && a.Risk == b.Risk && a.Complete == b.Complete && a.SubScores.SequenceEqual(b.SubScores);
}
