using VitalTwin.Contracts.Telemetry.V1;

namespace VitalTwin.Load.Generation;

/// <summary>
/// One sender's ticks the Gateway refused for back-pressure, kept to be sent again as they were (same readings,
/// observed_at and sequence numbers), oldest first, as a monitor keeps what it could not deliver. It holds at most
/// <paramref name="capacity"/> readings: beyond that the oldest ticks are dropped, as a monitor's buffer overwrites its
/// oldest entries, and their patients learn it (<see cref="SyntheticPatient.Dropped"/>). Used by one sender only.
/// </summary>
internal sealed class ResendBacklog(long capacity)
{
    private readonly LinkedList<(SyntheticPatient Patient, VitalSignBatch Tick)> _ticks = new();

    public long Readings { get; private set; }

    public bool IsEmpty => _ticks.Count == 0;

    /// <summary>Keeps refused ticks in the order they were sent; returns the readings dropped to stay within the capacity.</summary>
    public long Keep(IEnumerable<(SyntheticPatient Patient, VitalSignBatch Tick)> refused)
    {
        ArgumentNullException.ThrowIfNull(refused);
        foreach (var entry in refused)
        {
            _ticks.AddLast(entry);
            Readings += entry.Tick.Readings.Count;
        }
        long dropped = 0;
        while (Readings > capacity && _ticks.First is { } oldest)
        {
            var readings = Drop(oldest.Value);
            dropped += readings;
            Readings -= readings;
            _ticks.RemoveFirst();
        }
        return dropped;
    }

    /// <summary>Every tick kept, oldest first, and the backlog emptied: they are being sent again.</summary>
    public List<(SyntheticPatient Patient, VitalSignBatch Tick)> TakeAll()
    {
        var all = _ticks.ToList();
        _ticks.Clear();
        Readings = 0;
        return all;
    }

    /// <summary>Gives up on every tick kept (the run ended before they could be delivered); returns the readings dropped.</summary>
    public long DropAll()
    {
        long dropped = 0;
        foreach (var entry in _ticks)
        {
            dropped += Drop(entry);
        }
        _ticks.Clear();
        Readings = 0;
        return dropped;
    }

    private static int Drop((SyntheticPatient Patient, VitalSignBatch Tick) entry)
    {
        entry.Patient.Dropped(entry.Tick.Readings.Count);
        return entry.Tick.Readings.Count;
    }
}
