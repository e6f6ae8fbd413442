using VitalTwin.Clinical;
using VitalTwin.Contracts.Twin.V1;
using Scoring = VitalTwin.Clinical;

namespace VitalTwin.Dashboard.Clinical;

/// <summary>NEWS2 at one window of the history.</summary>
/// <param name="Time">The window's start, in Unix seconds.</param>
public sealed record News2HistoryPoint(double Time, News2Result Score);

/// <summary>
/// NEWS2 over a history: each window scored from the vitals' window means with the patient's context as it is
/// now (the twin keeps no record of past context). A vital without a mean in a window counts with its last one
/// for as long as TwinState would still score it (its staleness threshold), and as missing after that.
/// </summary>
public static class News2History
{
    // TwinState's default staleness thresholds (TwinSettings.StaleAfter).
    private static readonly Dictionary<VitalSign, TimeSpan> ScoredFor = new()
    {
        [VitalSign.HeartRate] = TimeSpan.FromMinutes(5),
        [VitalSign.OxygenSaturation] = TimeSpan.FromMinutes(5),
        [VitalSign.RespiratoryRate] = TimeSpan.FromMinutes(5),
        [VitalSign.SystolicBloodPressure] = TimeSpan.FromHours(1),
        [VitalSign.BodyTemperature] = TimeSpan.FromHours(4),
    };

    /// <summary>One score per window that has a mean of any vital, oldest first.</summary>
    public static IReadOnlyList<News2HistoryPoint> Score(VitalHistory history, PatientContext? context)
    {
        ArgumentNullException.ThrowIfNull(history);
        var means = history.Series
            .Select(s => (Sign: TrendCharts.SignOf(s.Code.Loinc), s.Points))
            .Where(s => s.Sign is not null)
            .SelectMany(s => s.Points.Select(p => (Sign: s.Sign!.Value, Time: TrendCharts.Seconds(p.Time.ToDateTimeOffset()), p.Mean)))
            .GroupBy(p => p.Time)
            .OrderBy(g => g.Key);
        var last = new Dictionary<VitalSign, (double Time, double Mean)>();
        var scores = new List<News2HistoryPoint>();
        foreach (var window in means)
        {
            foreach (var (sign, time, mean) in window)
            {
                last[sign] = (time, mean);
            }
            double? Value(VitalSign sign) =>
                last.TryGetValue(sign, out var seen) && window.Key - seen.Time <= ScoredFor[sign].TotalSeconds ? seen.Mean : null;
            var observations = new News2Observations(
                Value(VitalSign.RespiratoryRate),
                Value(VitalSign.OxygenSaturation),
                context is { HasOnSupplementalOxygen: true } ? context.OnSupplementalOxygen : null,
                Value(VitalSign.SystolicBloodPressure),
                Value(VitalSign.HeartRate),
                ConsciousnessOf(context),
                Value(VitalSign.BodyTemperature),
                context?.Spo2Scale == Contracts.Twin.V1.SpO2Scale.Scale2 ? Scoring.SpO2Scale.Scale2 : Scoring.SpO2Scale.Scale1);
            scores.Add(new News2HistoryPoint(window.Key, News2.Score(observations)));
        }
        return scores;
    }

    /// <summary>The windows where the total or a sub-score differs from the window before, newest first, at most <paramref name="limit"/>.</summary>
    public static IReadOnlyList<News2HistoryPoint> Changes(IReadOnlyList<News2HistoryPoint> scores, int limit)
    {
        ArgumentNullException.ThrowIfNull(scores);
        var changes = new List<News2HistoryPoint>();
        for (var i = scores.Count - 1; i >= 0 && changes.Count < limit; i--)
        {
            if (i == 0 || !SameScores(scores[i].Score, scores[i - 1].Score))
            {
                changes.Add(scores[i]);
            }
        }
        return changes;
    }

    private static bool SameScores(News2Result a, News2Result b) =>
        a.Total == b.Total && a.SubScores.SequenceEqual(b.SubScores);

    private static Scoring.Consciousness? ConsciousnessOf(PatientContext? context) => context?.Consciousness switch
    {
        Contracts.Twin.V1.Consciousness.Alert => Scoring.Consciousness.Alert,
        Contracts.Twin.V1.Consciousness.NewConfusion => Scoring.Consciousness.NewConfusion,
        Contracts.Twin.V1.Consciousness.Voice => Scoring.Consciousness.Voice,
        Contracts.Twin.V1.Consciousness.Pain => Scoring.Consciousness.Pain,
        Contracts.Twin.V1.Consciousness.Unresponsive => Scoring.Consciousness.Unresponsive,
        _ => null,
    };
}
