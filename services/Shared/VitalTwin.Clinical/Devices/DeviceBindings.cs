using System.Diagnostics.CodeAnalysis;

namespace VitalTwin.Clinical;

/// <summary>
/// Which patient each device measured when: a time line of bindings per device, so a reading is attributed to the
/// patient its device was bound to at the reading's observed time, however late it arrives. A newer statement
/// wins over the interval it covers: binding a device elsewhere from a time ends its previous binding there.
/// Thread-safe.
/// </summary>
public sealed class DeviceBindings
{
    private const byte FormatVersion = 1;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, List<Interval>> _byDevice = new(StringComparer.Ordinal);

    public int DeviceCount
    {
        get
        {
            lock (_gate)
            {
                return _byDevice.Count;
            }
        }
    }

    /// <summary>Binds the device to the patient over [from, until), replacing whatever it was bound to then.</summary>
    public void Bind(string deviceId, string patientId, DateTimeOffset from, DateTimeOffset? until = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(deviceId);
        ArgumentException.ThrowIfNullOrEmpty(patientId);
        if (until is { } end && end <= from)
        {
            throw new ArgumentOutOfRangeException(nameof(until), until, "A binding must end after it starts.");
        }

        lock (_gate)
        {
            var intervals = Cut(deviceId, from.UtcTicks, until?.UtcTicks ?? long.MaxValue, create: true)!;
            intervals.Add(new Interval(from.UtcTicks, until?.UtcTicks ?? long.MaxValue, patientId));
            intervals.Sort(static (a, b) => a.From.CompareTo(b.From));
        }
    }

    /// <summary>Ends whatever binding the device has at <paramref name="at"/> or later.</summary>
    public void Unbind(string deviceId, DateTimeOffset at)
    {
        ArgumentException.ThrowIfNullOrEmpty(deviceId);
        lock (_gate)
        {
            if (Cut(deviceId, at.UtcTicks, long.MaxValue, create: false) is { Count: 0 })
            {
                _byDevice.Remove(deviceId);
            }
        }
    }

    /// <summary>The patient the device was bound to at <paramref name="observedAt"/>; false when it was bound to nobody.</summary>
    public bool TryResolve(string deviceId, DateTimeOffset observedAt, [NotNullWhen(true)] out string? patientId)
    {
        ArgumentNullException.ThrowIfNull(deviceId);
        long at = observedAt.UtcTicks;
        lock (_gate)
        {
            if (_byDevice.TryGetValue(deviceId, out var intervals))
            {
                foreach (var interval in intervals)
                {
                    if (at >= interval.From && at < interval.Until)
                    {
                        patientId = interval.PatientId;
                        return true;
                    }
                }
            }
        }

        patientId = null;
        return false;
    }

    /// <summary>The device's bindings, oldest first.</summary>
    public IReadOnlyList<DeviceBinding> BindingsOf(string deviceId)
    {
        ArgumentNullException.ThrowIfNull(deviceId);
        lock (_gate)
        {
            return _byDevice.TryGetValue(deviceId, out var intervals) ? [.. intervals.Select(i => i.ToBinding(deviceId))] : [];
        }
    }

    /// <summary>Every device's binding that has no end: the one its latest registration made.</summary>
    public IReadOnlyList<DeviceBinding> OpenBindings()
    {
        lock (_gate)
        {
            return [.. _byDevice.SelectMany(d => d.Value.Where(i => i.Until == long.MaxValue).Select(i => i.ToBinding(d.Key)))];
        }
    }

    /// <summary>Forgets bindings that ended at or before <paramref name="endedBy"/>; returns how many.</summary>
    public int Prune(DateTimeOffset endedBy)
    {
        long limit = endedBy.UtcTicks;
        int removed = 0;
        lock (_gate)
        {
            foreach (var (device, intervals) in _byDevice.ToList())
            {
                removed += intervals.RemoveAll(i => i.Until <= limit);
                if (intervals.Count == 0)
                {
                    _byDevice.Remove(device);
                }
            }
        }

        return removed;
    }

    public void Write(BinaryWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        lock (_gate)
        {
            writer.Write(FormatVersion);
            writer.Write7BitEncodedInt(_byDevice.Count);
            foreach (var (device, intervals) in _byDevice.OrderBy(d => d.Key, StringComparer.Ordinal))
            {
                writer.Write(device);
                writer.Write7BitEncodedInt(intervals.Count);
                foreach (var interval in intervals)
                {
                    writer.Write(interval.From);
                    writer.Write(interval.Until);
                    writer.Write(interval.PatientId);
                }
            }
        }
    }

    /// <exception cref="InvalidDataException">The data was not written by <see cref="Write"/> of a known version.</exception>
    public static DeviceBindings Read(BinaryReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var version = reader.ReadByte();
        if (version != FormatVersion)
        {
            throw new InvalidDataException($"Device bindings format {version} is not one this version reads.");
        }

        var bindings = new DeviceBindings();
        int devices = reader.Read7BitEncodedInt();
        for (int d = 0; d < devices; d++)
        {
            var device = reader.ReadString();
            int count = reader.Read7BitEncodedInt();
            var intervals = new List<Interval>(count);
            for (int i = 0; i < count; i++)
            {
                intervals.Add(new Interval(reader.ReadInt64(), reader.ReadInt64(), reader.ReadString()));
            }

            bindings._byDevice[device] = intervals;
        }

        return bindings;
    }

    // Removes [from, until) from the device's time line, trimming or splitting what overlaps it.
    private List<Interval>? Cut(string deviceId, long from, long until, bool create)
    {
        if (!_byDevice.TryGetValue(deviceId, out var intervals))
        {
            if (!create)
            {
                return null;
            }

            intervals = [];
            _byDevice[deviceId] = intervals;
            return intervals;
        }

        for (int i = intervals.Count - 1; i >= 0; i--)
        {
            var current = intervals[i];
            if (current.Until <= from || current.From >= until)
            {
                continue;
            }

            intervals.RemoveAt(i);
            if (current.From < from)
            {
                intervals.Add(current with { Until = from });
            }

            if (current.Until > until)
            {
                intervals.Add(current with { From = until });
            }
        }

        intervals.Sort(static (a, b) => a.From.CompareTo(b.From));
        return intervals;
    }

    private readonly record struct Interval(long From, long Until, string PatientId)
    {
        public DeviceBinding ToBinding(string deviceId) => new(
            deviceId,
            PatientId,
            new DateTimeOffset(From, TimeSpan.Zero),
            Until == long.MaxValue ? null : new DateTimeOffset(Until, TimeSpan.Zero));
    }
}
