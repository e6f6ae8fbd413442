using Microsoft.Extensions.Options;
using VitalTwin.Clinical;
using VitalTwin.TwinState.History;
using VitalTwin.TwinState.WhatIf;

namespace VitalTwin.TwinState.WhatIf;

/// <summary>
/// Reads a patient's raw readings of a window for a replay. A store answers at most <see cref="HistoryOptions.MaxPointsPerQuery"/>
/// points per query (100,000 by default, while 72 h at 1 Hz of 5 vitals is 1.3 M), so the window is first counted per hour
/// (one small aggregate query), then read in slices of whole hours that each stay under that bound, a few at once.
/// </summary>
internal sealed class SettingsSimulationHistory(IVitalsStore history, IOptions<HistoryOptions> options, VitalCatalogue catalogue)
{
    private static readonly TimeSpan CountedPer = TimeSpan.FromHours(1);
    private const int SlicesAtOnce = 4;

    /// <exception cref="InvalidHistoryQueryException">An hour holds more readings than one query may return.</exception>
    public async Task<RecordedReadings> ReadAsync(string patientId, DateTimeOffset from, DateTimeOffset to, CancellationToken ct)
    {
        var counts = await history.QueryAsync(new HistoryQuery(patientId, [], from, to, CountedPer), ct);
        var slices = Slices(counts, from, to, options.Value.MaxPointsPerQuery);
        var read = new IReadOnlyList<VitalSeries>[slices.Count];
        await Parallel.ForEachAsync(
            Enumerable.Range(0, slices.Count),
            new ParallelOptions { MaxDegreeOfParallelism = SlicesAtOnce, CancellationToken = ct },
            async (index, token) => read[index] = await history.QueryAsync(new HistoryQuery(patientId, [], slices[index].From, slices[index].To, null), token));

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
            inSlice += count;
        }
        if (inSlice > 0)
        {
            slices.Add((sliceFrom, to));
        }
        return slices;
    }
}
