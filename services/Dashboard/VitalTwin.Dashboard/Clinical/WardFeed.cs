using System.Collections.Concurrent;
using Grpc.Core;
using Microsoft.Extensions.Options;
using VitalTwin.Contracts.Alerting.V1;
using VitalTwin.Contracts.Twin.V1;

namespace VitalTwin.Dashboard.Clinical;

/// <summary>
/// A ward as it is now, kept live for one browser tab: its twins (WatchTwins), their open alerts (WatchAlerts) and
/// a short sparkline per vital. The watches are kept open by <see cref="LiveWatch"/>; a watch opened again takes
/// its initial twins as the ward anew.
/// </summary>
public sealed partial class WardFeed(ClinicalApi api, LiveWatch live, TimeProvider clock, IOptions<DashboardOptions> options, ILogger<WardFeed> logger) : IAsyncDisposable
{
    private static readonly TimeSpan SparklineSeed = TimeSpan.FromMinutes(30);

    private readonly ConcurrentDictionary<string, PatientTwin> _twins = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, AlertView> _alerts = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Sparklines> _sparklines = new(StringComparer.Ordinal);

    /// <summary>Something the ward shows changed; raised on a timer thread.</summary>
    public event Func<Task>? Changed
    {
        add => live.Changed += value;
        remove => live.Changed -= value;
    }

    public string Ward { get; private set; } = string.Empty;

    /// <summary>Why the ward is not live right now (reconnecting, access refused); null while it is.</summary>
    public string? Problem => live.Problem;

    /// <summary>Whether the first twins have arrived.</summary>
    public bool Loaded { get; private set; }

    public IReadOnlyCollection<PatientTwin> Twins => [.. _twins.Values];

    /// <summary>The open alerts of <paramref name="patientId"/>, highest priority first.</summary>
    public IReadOnlyList<AlertView> OpenAlertsOf(string patientId) =>
        [.. _alerts.Values.Where(a => a.PatientId == patientId).OrderByDescending(a => a.Raised?.Priority).ThenByDescending(a => a.Raised?.RaisedAt)];

    /// <summary>Every open alert on the ward, highest priority first, newest first within it.</summary>
    public IReadOnlyList<AlertView> OpenAlerts =>
        [.. _alerts.Values.OrderByDescending(a => a.Raised?.Priority).ThenByDescending(a => a.Raised?.RaisedAt)];

    public Sparklines SparklinesOf(string patientId) => _sparklines.GetOrAdd(patientId, _ => new Sparklines(options.Value.SparklinePoints));

    /// <summary>Starts watching <paramref name="ward"/> (every ward the user may see when empty).</summary>
    public void Start(string ward)
    {
        Ward = ward;
        live.Start(WatchTwinsAsync, WatchAlertsAsync);
    }

    private async Task WatchTwinsAsync(CancellationToken cancellationToken)
    {
        using var call = await api.WatchTwinsAsync(new WatchTwinsRequest { Ward = Ward }, cancellationToken);
        var first = true;
        await foreach (var change in call.ResponseStream.ReadAllAsync(cancellationToken))
        {
            if (first)
            {
                // The initial twins of a new watch are the whole ward: what the last watch left is forgotten.
                _twins.Clear();
                live.Problem = null;
                first = false;
            }
            var id = change.Twin.PatientId;
            if (change.Reason is TwinChangeReason.LeftFilter or TwinChangeReason.Removed)
            {
                _twins.TryRemove(id, out _);
                _sparklines.TryRemove(id, out _);
            }
            else
            {
                var isNew = !_twins.ContainsKey(id);
                _twins[id] = change.Twin;
                SparklinesOf(id).Add(change.Twin.Vitals);
                if (isNew)
                {
                    _ = SeedSparklinesAsync(id, cancellationToken);
                }
            }
            Loaded = true;
            MarkChanged();
        }
    }

    private async Task WatchAlertsAsync(CancellationToken cancellationToken)
    {
        using var call = await api.WatchAlertsAsync(cancellationToken);
        var first = true;
        await foreach (var alert in call.ResponseStream.ReadAllAsync(cancellationToken))
        {
            if (first)
            {
                _alerts.Clear();
                first = false;
            }
            if (alert.State == AlertState.Resolved || (Ward.Length > 0 && alert.Ward != Ward))
            {
                _alerts.TryRemove(alert.AlertId, out _);
            }
            else
            {
                _alerts[alert.AlertId] = alert;
            }
            MarkChanged();
        }
    }

    // A tile's sparkline starts from the last half hour, so a ward opened mid-shift shows where each vital came from.
    private async Task SeedSparklinesAsync(string patientId, CancellationToken cancellationToken)
    {
        try
        {
            var now = clock.GetUtcNow();
            var history = await api.GetHistoryAsync(patientId, now - SparklineSeed, now, SparklineSeed / options.Value.SparklinePoints, cancellationToken);
            SparklinesOf(patientId).Seed(history);
            MarkChanged();
        }
        catch (RpcException ex) when (ex.StatusCode != StatusCode.Cancelled)
        {
            // The sparkline fills from live readings instead.
            Log.SparklineSeedFailed(logger, ex.StatusCode);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private void MarkChanged() => live.MarkChanged();

    public ValueTask DisposeAsync() => live.DisposeAsync();

    private static partial class Log
    {
        [LoggerMessage(2, LogLevel.Debug, "A sparkline's history could not be read ({Status}); it fills from live readings")]
        public static partial void SparklineSeedFailed(ILogger logger, StatusCode status);
    }
}

/// <summary>The recent values of each vital of one patient, oldest first, for a tile's sparklines.</summary>
public sealed class Sparklines(int capacity)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, List<(long Time, double Value)>> _series = new(StringComparer.Ordinal);

    /// <summary>Adds each vital's latest value, once per reading (the same observation twice is one point).</summary>
    public void Add(IEnumerable<LatestVital> vitals)
    {
        lock (_gate)
        {
            foreach (var vital in vitals)
            {
                if (vital.ObservedAt is null)
                {
                    continue;
                }
                var points = PointsOf(vital.Code.Loinc);
                var time = vital.ObservedAt.ToDateTimeOffset().ToUnixTimeMilliseconds();
                if (points.Count > 0 && points[^1].Time >= time)
                {
                    continue;
                }
                points.Add((time, vital.Value));
                if (points.Count > capacity)
                {
                    points.RemoveRange(0, points.Count - capacity);
                }
            }
        }
    }

    /// <summary>Puts the history's means before the live points that arrived meanwhile.</summary>
    public void Seed(VitalHistory history)
    {
        lock (_gate)
        {
            foreach (var series in history.Series)
            {
                var points = PointsOf(series.Code.Loinc);
                var firstLive = points.Count > 0 ? points[0].Time : long.MaxValue;
                var seeded = series.Points
                    .Select(p => (Time: p.Time.ToDateTimeOffset().ToUnixTimeMilliseconds(), Value: p.Mean))
                    .Where(p => p.Time < firstLive);
                points.InsertRange(0, seeded);
                if (points.Count > capacity)
                {
                    points.RemoveRange(0, points.Count - capacity);
                }
            }
        }
    }

    /// <summary>The values of the vital with LOINC code <paramref name="loinc"/>, oldest first.</summary>
    public double[] ValuesOf(string loinc)
    {
        lock (_gate)
        {
            return _series.TryGetValue(loinc, out var points) ? [.. points.Select(p => p.Value)] : [];
        }
    }

    private List<(long Time, double Value)> PointsOf(string loinc)
    {
        if (!_series.TryGetValue(loinc, out var points))
        {
            _series[loinc] = points = [];
        }
        return points;
    }
}
