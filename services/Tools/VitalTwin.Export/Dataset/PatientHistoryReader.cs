using System.Runtime.CompilerServices;
using Microsoft.Extensions.Options;
using VitalTwin.TwinState.History;

namespace VitalTwin.Export.Dataset;

/// <summary>One reading as it leaves the history store: no patient, no device.</summary>
internal readonly record struct Reading(DateTimeOffset Time, string Loinc, double Value);

/// <summary>
/// One patient's raw readings over a range, through the history store's own query path, slice by slice so that no
/// query exceeds the store's limits and no patient's whole history is held in memory.
/// </summary>
internal sealed class PatientHistoryReader(IVitalsStore store, IOptions<ExportOptions> options, IOptions<HistoryOptions> history)
{
    private static readonly TimeSpan ShortestSlice = TimeSpan.FromSeconds(1);

    // Patients are read one after another and tend to have similar reading rates, so each starts with the slice that
    // last worked rather than relearning it with refused queries.
    private TimeSpan? _learntSlice;

    /// <summary>Slices of readings in time order (ties by LOINC code); empty slices are skipped.</summary>
    public async IAsyncEnumerable<IReadOnlyList<Reading>> ReadAsync(string patientId, DateTimeOffset from, DateTimeOffset to, [EnumeratorCancellation] CancellationToken ct)
    {
        var widest = Min(options.Value.SliceLength, history.Value.MaxQueryRange);
        var maxPoints = history.Value.MaxPointsPerQuery;
        var slice = _learntSlice is { } learnt && learnt < widest ? learnt : widest;
        var overflowed = TimeSpan.MaxValue;
        var start = from;
        while (start < to)
        {
            var end = to - start > slice ? start + slice : to;
            IReadOnlyList<VitalSeries> series;
            try
            {
                series = await store.QueryAsync(new HistoryQuery(patientId, [], start, end, Window: null), ct);
            }
            catch (InvalidHistoryQueryException e) when (e.ParamName is null && end - start > ShortestSlice)
            {
                // The store's only complaint without a parameter name: more points than one query may return, or an
                // answer InfluxDB marked partial (influxd 1.x marks every series of more than 10,000 points so).
                overflowed = Min(overflowed, end - start);
                slice = Max((end - start) / 2, ShortestSlice);
                continue;
            }
            catch (InvalidHistoryQueryException e) when (e.ParamName == nameof(HistoryQuery.PatientId))
            {
                // A consent key the store refuses as a patient id (control characters, say) is one it never stored.
                yield break;
            }

            var readings = Flatten(series);
            if (readings.Count * 4L < maxPoints && slice < widest && slice * 2 < overflowed)
            {
                slice = Min(slice * 2, widest);
            }

            _learntSlice = slice;
            if (readings.Count > 0)
            {
                yield return readings;
            }

            start = end;
        }
    }

    private static List<Reading> Flatten(IReadOnlyList<VitalSeries> series)
    {
        var readings = new List<Reading>(series.Sum(s => s.Points.Count));
        foreach (var vital in series)
        {
            readings.AddRange(vital.Points.Select(point => new Reading(point.Time, vital.Loinc, point.Mean)));
        }

        readings.Sort(static (a, b) => a.Time != b.Time ? a.Time.CompareTo(b.Time) : string.CompareOrdinal(a.Loinc, b.Loinc));
        return readings;
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;
}
