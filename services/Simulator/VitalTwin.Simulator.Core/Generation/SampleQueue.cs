namespace VitalTwin.Simulator.Core.Generation;

/// <summary>
/// A binary min-heap of (time, stream) pairs: which patient's vital is sampled next. Ties go to the lower stream
/// number, so the order is fully defined. Arrays instead of PriorityQueue for the tie rule and for speed.
/// </summary>
internal sealed class SampleQueue(int capacity)
{
    private readonly long[] _times = new long[capacity];
    private readonly int[] _streams = new int[capacity];

    public int Count { get; private set; }

    public (long Time, int Stream) Peek() => (_times[0], _streams[0]);

    public void Push(long time, int stream)
    {
        var i = Count++;
        while (i > 0)
        {
            var parent = (i - 1) >> 1;
            if (!Before(time, stream, _times[parent], _streams[parent]))
            {
                break;
            }
            _times[i] = _times[parent];
            _streams[i] = _streams[parent];
            i = parent;
        }
        _times[i] = time;
        _streams[i] = stream;
    }

    public void Pop()
    {
        Count--;
        if (Count > 0)
        {
            SiftDown(_times[Count], _streams[Count]);
        }
    }

    /// <summary>Replaces the earliest entry; cheaper than a pop and a push.</summary>
    public void ReplaceTop(long time, int stream) => SiftDown(time, stream);

    private void SiftDown(long time, int stream)
    {
        var i = 0;
        while (true)
        {
            var child = (2 * i) + 1;
            if (child >= Count)
            {
                break;
            }
            if (child + 1 < Count && Before(_times[child + 1], _streams[child + 1], _times[child], _streams[child]))
            {
                child++;
            }
            if (!Before(_times[child], _streams[child], time, stream))
            {
                break;
            }
            _times[i] = _times[child];
            _streams[i] = _streams[child];
            i = child;
        }
        _times[i] = time;
        _streams[i] = stream;
    }

    private static bool Before(long time, int stream, long otherTime, int otherStream) =>
        time < otherTime || (time == otherTime && stream < otherStream);
}
