namespace VitalTwin.TwinState.History;

/// <summary>
/// The readings of one patient's vital, ordered by (time, device), holding at most <c>capacity</c> of them.
/// Appending in time order is O(1); a late reading is inserted in place. Not thread-safe: the store locks it.
/// </summary>
internal sealed class SeriesRing(int capacity)
{
    private Reading[] _items = new Reading[Math.Min(capacity, 64)];
    private int _head;

    public int Count { get; private set; }

    /// <summary>Adds a reading or, when one with the same time and device is there, replaces its value (last write wins, as in InfluxDB).</summary>
    public void Upsert(long ticks, string device, double value)
    {
        var reading = new Reading(ticks, device, value);
        if (Count == 0 || Compare(reading, At(Count - 1)) > 0)
        {
            Append(reading);
            return;
        }

        var index = LowerBound(ticks, device);
        if (index < Count && Compare(reading, At(index)) == 0)
        {
            _items[Physical(index)] = reading;
            return;
        }

        if (Count == capacity)
        {
            if (index == 0)
            {
                // Older than everything kept: it would be the next one evicted.
                return;
            }

            DropOldest();
            index--;
        }

        EnsureRoom();
        for (var i = Count; i > index; i--)
        {
            _items[Physical(i)] = _items[Physical(i - 1)];
        }

        _items[Physical(index)] = reading;
        Count++;
    }

    /// <summary>Readings with <paramref name="fromTicks"/> ≤ time &lt; <paramref name="toTicks"/>, in order.</summary>
    public void CopyRange(long fromTicks, long toTicks, List<Reading> into)
    {
        for (var i = LowerBound(fromTicks, device: null); i < Count; i++)
        {
            var reading = At(i);
            if (reading.Ticks >= toTicks)
            {
                break;
            }

            into.Add(reading);
        }
    }

    private void Append(Reading reading)
    {
        if (Count == capacity)
        {
            DropOldest();
        }

        EnsureRoom();
        _items[Physical(Count)] = reading;
        Count++;
    }

    private void DropOldest()
    {
        _items[_head] = default;
        _head = (_head + 1) % _items.Length;
        Count--;
    }

    private void EnsureRoom()
    {
        if (Count < _items.Length)
        {
            return;
        }

        var grown = new Reading[Math.Min(capacity, _items.Length * 2)];
        for (var i = 0; i < Count; i++)
        {
            grown[i] = At(i);
        }

        _items = grown;
        _head = 0;
    }

    // First index whose reading is not before (ticks, device); a null device sorts before every device.
    private int LowerBound(long ticks, string? device)
    {
        int low = 0, high = Count;
        while (low < high)
        {
            var mid = (low + high) >>> 1;
            var item = At(mid);
            var before = item.Ticks < ticks || (item.Ticks == ticks && device is not null && string.CompareOrdinal(item.Device, device) < 0);
            if (before)
            {
                low = mid + 1;
            }
            else
            {
                high = mid;
            }
        }

        return low;
    }

    private Reading At(int index) => _items[Physical(index)];

    private int Physical(int index) => (_head + index) % _items.Length;

    private static int Compare(Reading a, Reading b)
    {
        var byTime = a.Ticks.CompareTo(b.Ticks);
        return byTime != 0 ? byTime : string.CompareOrdinal(a.Device, b.Device);
    }

    internal readonly record struct Reading(long Ticks, string Device, double Value);
}
