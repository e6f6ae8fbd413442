using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace VitalTwin.TwinState.History;

/// <summary>
/// Vitals history in bounded memory, for one machine and for tests: at most
/// <see cref="MemoryHistoryOptions.MaxPointsPerSeries"/> readings per patient and LOINC code, the oldest
/// dropped first. Same identity and query semantics as <c>InfluxVitalsStore</c>. Thread-safe.
/// </summary>
public sealed class InMemoryVitalsStore(IOptions<HistoryOptions> options) : IVitalsStore
{
    private readonly HistoryOptions _options = options.Value;
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, SeriesRing>> _patients = new(StringComparer.Ordinal);

    public Task WriteAsync(IReadOnlyList<VitalPoint> points, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        HistoryRules.ValidatePoints(points);
        foreach (var point in points)
        {
            var vitals = _patients.GetOrAdd(point.PatientId, static _ => new(StringComparer.Ordinal));
            var ring = vitals.GetOrAdd(point.Loinc, static (_, capacity) => new SeriesRing(capacity), _options.Memory.MaxPointsPerSeries);
            lock (ring)
            {
                ring.Upsert((point.ObservedAt - DateTimeOffset.UnixEpoch).Ticks, point.DeviceId, point.Value);
            }
        }

        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<VitalSeries>> QueryAsync(HistoryQuery query, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        var loincs = HistoryRules.ValidateQuery(query, _options);
        if (!_patients.TryGetValue(query.PatientId, out var vitals))
        {
            return Task.FromResult<IReadOnlyList<VitalSeries>>([]);
        }

        // Series come back sorted by code, as InfluxDB orders GROUP BY tag series.
        var codes = loincs.Count == 0 ? [.. vitals.Keys] : loincs.ToArray();
        Array.Sort(codes, StringComparer.Ordinal);

        var fromTicks = (query.From - DateTimeOffset.UnixEpoch).Ticks;
        var toTicks = (query.To - DateTimeOffset.UnixEpoch).Ticks;
        var readings = new List<SeriesRing.Reading>();
        var result = new List<VitalSeries>();
        var total = 0;
        foreach (var code in codes)
        {
            if (!vitals.TryGetValue(code, out var ring))
            {
                continue;
            }

            readings.Clear();
            lock (ring)
            {
                ring.CopyRange(fromTicks, toTicks, readings);
            }

            if (readings.Count == 0)
            {
                continue;
            }

            var points = query.Window is { } window ? Aggregate(readings, window) : Raw(readings);
            total += points.Count;
            if (total > _options.MaxPointsPerQuery)
            {
                throw HistoryRules.TooManyPoints(_options.MaxPointsPerQuery);
            }

            result.Add(new VitalSeries(code, points));
        }

        return Task.FromResult<IReadOnlyList<VitalSeries>>(result);
    }

    public Task DeleteAsync(string patientId, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        HistoryRules.ValidatePatientId(patientId);
        _patients.TryRemove(patientId, out _);
        return Task.CompletedTask;
    }

    private static List<HistoryPoint> Raw(List<SeriesRing.Reading> readings) =>
        readings.ConvertAll(r => new HistoryPoint(ToTime(r.Ticks), r.Value, r.Value, r.Value, 1));

    private static List<HistoryPoint> Aggregate(List<SeriesRing.Reading> readings, TimeSpan window)
    {
        var points = new List<HistoryPoint>();
        var start = HistoryRules.WindowStart(ToTime(readings[0].Ticks), window);
        double sum = 0, min = double.PositiveInfinity, max = double.NegativeInfinity;
        long count = 0;
        foreach (var reading in readings)
        {
            var time = ToTime(reading.Ticks);
            if (time >= start + window)
            {
                points.Add(new HistoryPoint(start, sum / count, min, max, count));
                start = HistoryRules.WindowStart(time, window);
                (sum, min, max, count) = (0, double.PositiveInfinity, double.NegativeInfinity, 0);
            }

            sum += reading.Value;
            min = Math.Min(min, reading.Value);
            max = Math.Max(max, reading.Value);
            count++;
        }

        points.Add(new HistoryPoint(start, sum / count, min, max, count));
        return points;
    }

    private static DateTimeOffset ToTime(long ticks) => DateTimeOffset.UnixEpoch.AddTicks(ticks);
}
