using VitalTwin.Clinical;

namespace VitalTwin.TwinState.WhatIf;

/// <summary>
/// One patient's recorded readings of every vital, merged into the order the services met them (time, then vital), held
/// column by column so that a replay of a million readings walks three arrays and allocates nothing per reading.
/// </summary>
public sealed class RecordedReadings
{
    private RecordedReadings(VitalSign[] signs, long[] ticks, double[] values)
    {
        Signs = signs;
        Ticks = ticks;
        Values = values;
    }

    public static RecordedReadings Empty { get; } = new([], [], []);

    public int Count => Ticks.Length;

    internal VitalSign[] Signs { get; }

    /// <summary>UTC ticks of each reading's observed time.</summary>
    internal long[] Ticks { get; }

    internal double[] Values { get; }

    public DateTimeOffset TimeOf(int index) => new(Ticks[index], TimeSpan.Zero);

    public VitalSign SignOf(int index) => Signs[index];

    public double ValueOf(int index) => Values[index];

    /// <summary>The first reading observed at or after <paramref name="ticks"/> (UTC), or <see cref="Count"/>.</summary>
    public int FirstAtOrAfter(long ticks)
    {
        var index = Array.BinarySearch(Ticks, ticks);
        if (index < 0)
        {
            return ~index;
        }
        while (index > 0 && Ticks[index - 1] == ticks)
        {
            index--;
        }
        return index;
    }

    /// <summary>Collects each vital's readings in time order (as the history store returns a series), then merges them.</summary>
    public sealed class Builder
    {
        private readonly List<(long Ticks, double Value)>[] _series =
            [.. Enumerable.Range(0, Enum.GetValues<VitalSign>().Max(s => (int)s) + 1).Select(_ => new List<(long, double)>())];

        public int Count { get; private set; }

        /// <summary>Adds a reading of <paramref name="sign"/>; a vital's readings come in time order.</summary>
        public Builder Add(VitalSign sign, DateTimeOffset observedAt, double value)
        {
            var series = _series[(int)sign];
            var ticks = observedAt.UtcTicks;
            if (series.Count > 0 && series[^1].Ticks > ticks)
            {
                throw new ArgumentException("A vital's readings must be added in time order.", nameof(observedAt));
            }
            series.Add((ticks, value));
            Count++;
            return this;
        }

        /// <summary>Every vital's readings in one time line; readings at the same time in vital order.</summary>
        public RecordedReadings Build()
        {
            var signs = new VitalSign[Count];
            var ticks = new long[Count];
            var values = new double[Count];
            var next = new int[_series.Length];
            for (var i = 0; i < Count; i++)
            {
                var best = -1;
                for (var s = 0; s < _series.Length; s++)
                {
                    if (next[s] < _series[s].Count && (best < 0 || _series[s][next[s]].Ticks < _series[best][next[best]].Ticks))
                    {
                        best = s;
                    }
                }
                var (at, value) = _series[best][next[best]++];
                (signs[i], ticks[i], values[i]) = ((VitalSign)best, at, value);
            }
            return new RecordedReadings(signs, ticks, values);
        }
    }
}
