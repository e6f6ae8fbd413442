using VitalTwin.Clinical;
using VitalTwin.Contracts.Alerting.V1;
using VitalTwin.Contracts.Twin.V1;
using VitalTwin.Contracts.Anomaly.V1;

namespace VitalTwin.Dashboard.Clinical;

/// <summary>One vital's trend chart: the history's windows and what the twin makes of the vital, drawn over them.</summary>
/// <param name="From">Where the chart's range starts, in Unix seconds (uPlot's time scale), as every time here.</param>
/// <param name="Times">Each window's start.</param>
public sealed record TrendChart(
    double From,
    double To,
    string Loinc,
    string Name,
    string Unit,
    double[] Times,
    double[] Means,
    double[] Mins,
    double[] Maxes,
    UsualRange? Baseline,
    ForecastLine? Forecast,
    IReadOnlyList<TrendMarker> Markers,
    IReadOnlyList<ArtifactSpan> Episodes);

/// <summary>The patient's usual range of a vital now: its learnt level ± 2 × spread.</summary>
public sealed record UsualRange(double Low, double High);

/// <summary>The forecast from the latest value to <see cref="At"/>, with its 80 % interval where the twin has one.</summary>
public sealed record ForecastLine(double From, double FromValue, double At, double Value, double? Lower, double? Upper);

/// <summary>An anomaly on the chart: open on the twin now, or a past one an alert's reason names with its detector.</summary>
public sealed record TrendMarker(double At, double Value, string Text, bool Open);

/// <summary>An artifact episode; <see cref="End"/> null while it lasts.</summary>
public sealed record ArtifactSpan(string Kind, double Start, double? End);

/// <summary>Shapes the history and the twin into one chart per vital.</summary>
public static class TrendCharts
{
    /// <summary>
    /// One chart per vital the twin or the history knows, in the twin's order, each with the markers and episodes
    /// that fall in <paramref name="from"/>..<paramref name="to"/>.
    /// </summary>
    public static IReadOnlyList<TrendChart> Build(VitalHistory history, PatientTwin twin, IReadOnlyList<AlertView> alerts, DateTimeOffset from, DateTimeOffset to)
    {
        ArgumentNullException.ThrowIfNull(history);
        ArgumentNullException.ThrowIfNull(twin);
        ArgumentNullException.ThrowIfNull(alerts);
        var (start, end) = (Seconds(from), Seconds(to));
        var charts = new List<TrendChart>();
        var vitals = twin.Vitals.Select(v => (v.Code.Loinc, v.Name, v.Unit))
            .Concat(history.Series.Select(s => (s.Code.Loinc, s.Name, s.Unit)))
            .DistinctBy(v => SignOf(v.Loinc)?.ToString() ?? v.Loinc);
        foreach (var (loinc, name, unit) in vitals)
        {
            var series = history.Series.FirstOrDefault(s => SameVital(s.Code.Loinc, loinc));
            var index = IndexOf(twin, loinc);
            var latest = index >= 0 ? twin.Vitals[index] : null;
            var status = index >= 0 && index < twin.VitalStatuses.Count ? twin.VitalStatuses[index] : null;
            var points = series?.Points ?? [];
            var markers = Markers(twin, alerts, loinc).Where(m => m.At >= start && m.At <= end).ToList();
            var episodes = status is null ? [] : Episodes(status, latest).Where(e => e.Start <= end && (e.End ?? end) >= start).ToList();
            charts.Add(new TrendChart(
                start,
                end,
                loinc,
                name,
                series?.Unit ?? unit,
                [.. points.Select(p => Seconds(p.Time.ToDateTimeOffset()))],
                [.. points.Select(p => p.Mean)],
                [.. points.Select(p => p.Min)],
                [.. points.Select(p => p.Max)],
                status is null ? null : Baseline(status),
                status is null ? null : Forecast(status, latest),
                markers,
                episodes));
        }
        return charts;
    }

    public static UsualRange? Baseline(VitalStatus status) =>
        status.Baseline is { Established: true } baseline
            ? new UsualRange(baseline.Level - (2 * baseline.Spread), baseline.Level + (2 * baseline.Spread))
            : null;

    /// <summary>Dashed from the newest value NEWS2 would score (the latest reading where none is clean) to the forecast.</summary>
    public static ForecastLine? Forecast(VitalStatus status, LatestVital? latest)
    {
        var start = status.Scored ?? latest;
        if (status.Forecast is not { At: not null } forecast || start?.ObservedAt is null)
        {
            return null;
        }
        return new ForecastLine(
            Seconds(start.ObservedAt.ToDateTimeOffset()),
            start.Value,
            Seconds(forecast.At.ToDateTimeOffset()),
            forecast.Value,
            forecast.HasLower ? forecast.Lower : null,
            forecast.HasUpper ? forecast.Upper : null);
    }

    /// <summary>
    /// The twin's open anomalies on the vital, then the past ones its alerts name: each reason with a detector, at
    /// the reading behind the alert. An alert raised from an anomaly still open is that anomaly, shown once.
    /// </summary>
    public static IReadOnlyList<TrendMarker> Markers(PatientTwin twin, IReadOnlyList<AlertView> alerts, string loinc)
    {
        ArgumentNullException.ThrowIfNull(twin);
        ArgumentNullException.ThrowIfNull(alerts);
        var open = twin.OpenAnomalies.Where(a => SameVital(a.Code?.Loinc, loinc) && a.ObservedAt is not null).ToList();
        var openIds = open.Select(a => a.AnomalyId).ToHashSet(StringComparer.Ordinal);
        var markers = open.Select(a => new TrendMarker(
            Seconds(a.ObservedAt.ToDateTimeOffset()),
            a.Value,
            $"{Kind(a.Kind)} ({DetectorName(a.Detector)}): {a.Explanation}",
            Open: true));
        var past = alerts
            .Where(a => a.Raised is not null && !openIds.Contains(a.Raised.SourceEventId))
            .SelectMany(a => a.Raised.Reasons
                .Where(r => r.Detector != Detector.Unspecified && SameVital(r.Code?.Loinc, loinc))
                .Select(r => new TrendMarker(
                    Seconds((a.Raised.ObservedAt ?? a.Raised.RaisedAt).ToDateTimeOffset()),
                    r.Value,
                    $"{r.Text} ({DetectorName(r.Detector)})",
                    Open: false)));
        return [.. markers.Concat(past).DistinctBy(m => (m.At, m.Text)).OrderBy(m => m.At)];
    }

    /// <summary>
    /// The vital's recent artifact episodes, and the current artifact where none of them is open: it began after
    /// the newest clean reading (or, with none, at the latest one) and lasts.
    /// </summary>
    public static IReadOnlyList<ArtifactSpan> Episodes(VitalStatus status, LatestVital? latest)
    {
        ArgumentNullException.ThrowIfNull(status);
        var episodes = status.RecentArtifacts
            .Where(e => e.StartedAt is not null)
            .Select(e => new ArtifactSpan(Display.Artifact(e.Kind), Seconds(e.StartedAt.ToDateTimeOffset()), e.EndedAt is null ? null : Seconds(e.EndedAt.ToDateTimeOffset())))
            .ToList();
        var since = status.Scored?.ObservedAt ?? latest?.ObservedAt;
        if (status.Artifact != SignalArtifact.None && episodes.All(e => e.End is not null) && since is not null)
        {
            episodes.Add(new ArtifactSpan(Display.Artifact(status.Artifact), Seconds(since.ToDateTimeOffset()), null));
        }
        return episodes;
    }

    public static string DetectorName(Detector detector) => detector switch
    {
        Detector.IidSpike => "spike detector",
        Detector.IidChangePoint => "change-point detector",
        Detector.SsaSpike => "SSA spike detector",
        Detector.SsaChangePoint => "SSA change-point detector",
        Detector.SpectralResidual => "spectral residual detector",
        Detector.DeteriorationCusum => "deterioration watch",
        _ => "detector",
    };

    public static string Kind(AnomalyKind kind) => kind switch
    {
        AnomalyKind.Spike => "Spike",
        AnomalyKind.ChangePoint => "Lasting change",
        AnomalyKind.Deterioration => "Deterioration",
        _ => "Anomaly",
    };

    public static double Seconds(DateTimeOffset at) => at.ToUnixTimeMilliseconds() / 1000.0;

    private static int IndexOf(PatientTwin twin, string loinc)
    {
        for (var i = 0; i < twin.Vitals.Count; i++)
        {
            if (SameVital(twin.Vitals[i].Code.Loinc, loinc))
            {
                return i;
            }
        }
        return -1;
    }

    /// <summary>The catalogue's vital for a LOINC code, aliases included (SpO₂ has two codes).</summary>
    internal static VitalSign? SignOf(string? loinc) =>
        VitalCatalogue.Default.TryFind(loinc, null, out var definition) ? definition.Sign : null;

    private static bool SameVital(string? a, string? b) =>
        string.Equals(a, b, StringComparison.Ordinal) || (SignOf(a) is { } sign && sign == SignOf(b));
}
