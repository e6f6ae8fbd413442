using Microsoft.Extensions.Options;
using VitalTwin.Clinical;
using VitalTwin.TwinState.History;

namespace VitalTwin.TwinState.WhatIf;

/// <summary>
/// Reads a patient's raw readings of a window for a replay. A store answers at most <see cref="HistoryOptions.MaxPointsPerQuery"/>
/// points per query (100,000 by default, while 72 h at 1 Hz of 5 vitals is 1.3 M), so the window is first counted per hour
/// (one small aggregate query), then read in slices of whole hours that each stay under that bound, a few at once; an
/// hour holding more is cut into equal parts, and a slice the store still refuses is halved.
/// </summary>
internal sealed class SettingsSimulationHistory(IVitalsStore history, IOptions<HistoryOptions> options, VitalCatalogue catalogue)
{
    private static readonly TimeSpan CountedPer = TimeSpan.FromHours(1);
    private const int SlicesAtOnce = 4;
    private static readonly TimeSpan MinimumSlice = TimeSpan.FromSeconds(1);

    /// <exception cref="InvalidHistoryQueryException">An hour holds more readings than one query may return.</exception>
    public async Task<RecordedReadings> ReadAsync(string patientId, DateTimeOffset from, DateTimeOffset to, CancellationToken ct)
    {
        var counts = await history.QueryAsync(new HistoryQuery(patientId, [], from, to, CountedPer), ct);
        var slices = Slices(counts, from, to, options.Value.MaxPointsPerQuery);
        var read = new IReadOnlyList<VitalSeries>[slices.Count];
        await Parallel.ForEachAsync(
            Enumerable.Range(0, slices.Count),
            new ParallelOptions { MaxDegreeOfParallelism = SlicesAtOnce, CancellationToken = ct },
            async (index, token) => read[index] = await ReadSliceAsync(patientId, slices[index].From, slices[index].To, token));

        var readings = new RecordedReadings.Builder();
        foreach (var slice in read)
        {
            foreach (var series in slice)
            {
                if (!catalogue.TryFind(series.Loinc, null, out var definition))
                {
                    continue;
                }
                foreach (var point in series.Points)
                {
                    readings.Add(definition.Sign, point.Time, point.Mean);
                }
            }
        }
        return readings.Build();
    }

    private async Task<IReadOnlyList<VitalSeries>> ReadSliceAsync(string patientId, DateTimeOffset from, DateTimeOffset to, CancellationToken ct)
    {
        try
        {
            return await history.QueryAsync(new HistoryQuery(patientId, [], from, to, null), ct);
        }
        catch (InvalidHistoryQueryException) when (to - from > MinimumSlice)
        {
            // Readings are not spread evenly within the hour: halve the slice and read each half.
            var middle = from + ((to - from) / 2);
            var halves = await Task.WhenAll(ReadSliceAsync(patientId, from, middle, ct), ReadSliceAsync(patientId, middle, to, ct));
            return [.. halves[0], .. halves[1]];
        }
    }

    /// <summary>Consecutive hours grouped while their readings, all vitals together, stay within <paramref name="maxPoints"/>.</summary>
    private static List<(DateTimeOffset From, DateTimeOffset To)> Slices(IReadOnlyList<VitalSeries> counts, DateTimeOffset from, DateTimeOffset to, int maxPoints)
    {
        var perHour = counts.SelectMany(series => series.Points)
            .GroupBy(point => point.Time)
            .Select(hour => (Start: hour.Key, Count: hour.Sum(point => point.Count)))
            .OrderBy(hour => hour.Start)
            .ToList();
        var slices = new List<(DateTimeOffset, DateTimeOffset)>();
        var sliceFrom = from;
        long inSlice = 0;
        foreach (var (start, count) in perHour)
        {
            if (inSlice > 0 && inSlice + count > maxPoints)
            {
                slices.Add((sliceFrom, start));
                (sliceFrom, inSlice) = (start, 0);
            }
            if (count > maxPoints)
            {
                // One hour holds more than a query may return: equal parts of it, each about half the bound.
                var end = Min(start + CountedPer, to);
                var parts = (int)Math.Ceiling(2.0 * count / maxPoints);
                var width = (end - sliceFrom) / parts;
                for (var part = 0; part < parts - 1; part++)
                {
                    slices.Add((sliceFrom, sliceFrom + width));
                    sliceFrom += width;
                }
                slices.Add((sliceFrom, end));
                (sliceFrom, inSlice) = (end, 0);
                continue;
            }
            inSlice += count;
        }
        if (inSlice > 0)
        {
            slices.Add((sliceFrom, to));
        }
        return slices;
    }

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;
}
