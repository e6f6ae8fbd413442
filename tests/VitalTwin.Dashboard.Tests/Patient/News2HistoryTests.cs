using VitalTwin.Contracts.Twin.V1;
using VitalTwin.Dashboard.Clinical;
using static VitalTwin.Dashboard.Tests.Patient.Twins;
using Scoring = VitalTwin.Clinical;

namespace VitalTwin.Dashboard.Tests.Patient;

public sealed class News2HistoryTests
{
    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);
    private static readonly DateTimeOffset From = Now.AddHours(-2);

    [Fact]
    public void Each_window_is_scored_from_its_means_with_the_context_of_today()
    {
        var history = History(
            Series(Respiration, Minute, (From, 18), (From.AddMinutes(1), 26)),
            Series(Saturation, Minute, (From, 97), (From.AddMinutes(1), 93)),
            Series(Systolic, Minute, (From, 120)),
            Series(HeartRate, Minute, (From, 80), (From.AddMinutes(1), 120)),
            Series(Temperature, Minute, (From, 37)));
        var context = new PatientContext { OnSupplementalOxygen = true, Consciousness = Consciousness.Alert, Spo2Scale = SpO2Scale.Scale1 };

        var scores = News2History.Score(history, context);

        Assert.Equal([TrendCharts.Seconds(From), TrendCharts.Seconds(From.AddMinutes(1))], scores.Select(s => s.Time));
        // Air or oxygen scores 2 from today's context in both windows.
        Assert.Equal(2, scores[0].Score.Total);
        Assert.True(scores[0].Score.Complete);
        // Respiration 26 → 3, SpO₂ 93 → 2, oxygen 2, pulse 120 → 2; blood pressure and temperature carried from before.
        Assert.Equal(9, scores[1].Score.Total);
        Assert.Equal(Scoring.News2Risk.High, scores[1].Score.Risk);
        Assert.True(scores[1].Score.Complete);
    }

    [Fact]
    public void A_vital_counts_with_its_last_mean_only_as_long_as_TwinState_would_score_it()
    {
        var history = History(
            Series(HeartRate, Minute, (From, 80), (From.AddMinutes(4), 80), (From.AddMinutes(10), 80)),
            Series(Respiration, Minute, (From, 8)));

        var scores = News2History.Score(history, null);

        var respiration = scores.Select(s => s.Score.SubScores.Single(p => p.Parameter == Scoring.News2Parameter.RespirationRate)).ToList();
        // Scored 3 at its own window and 4 min later; missing 10 min later (past its 5 min).
        Assert.Equal([(3, false), (3, false), (0, true)], respiration.Select(r => (r.Score, r.Missing)));
        Assert.All(scores, s => Assert.True(s.Score.SubScores.Single(p => p.Parameter == Scoring.News2Parameter.AirOrOxygen).Assumed));
    }

    [Fact]
    public void Changes_keep_only_the_windows_where_a_score_moved_newest_first()
    {
        var history = History(Series(HeartRate, Minute, (From, 80), (From.AddMinutes(1), 85), (From.AddMinutes(2), 95), (From.AddMinutes(3), 96), (From.AddMinutes(4), 70)));

        var scores = News2History.Score(history, null);
        var changes = News2History.Changes(scores, limit: 10);
        var latestTwo = News2History.Changes(scores, limit: 2);

        Assert.Equal([TrendCharts.Seconds(From.AddMinutes(4)), TrendCharts.Seconds(From.AddMinutes(2)), TrendCharts.Seconds(From)], changes.Select(c => c.Time));
        Assert.Equal(changes.Take(2), latestTwo);
    }
}
