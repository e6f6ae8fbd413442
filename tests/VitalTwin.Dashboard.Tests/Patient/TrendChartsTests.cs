using VitalTwin.Contracts.Alerting.V1;
using VitalTwin.Contracts.Anomaly.V1;
using VitalTwin.Contracts.Telemetry.V1;
using VitalTwin.Contracts.Twin.V1;
using VitalTwin.Dashboard.Clinical;
using static VitalTwin.Dashboard.Tests.Patient.Twins;

namespace VitalTwin.Dashboard.Tests.Patient;

public sealed class TrendChartsTests
{
    private static readonly DateTimeOffset From = Now.AddHours(-1);

    [Fact]
    public void Every_range_asks_for_windows_that_keep_a_chart_between_500_and_2000_points()
    {
        Assert.Equal(["1h", "8h", "24h", "7d"], TrendRange.All.Select(r => r.Key));
        Assert.All(TrendRange.All, r => Assert.InRange(r.MostPoints, 500, 2000));
    }

    [Fact]
    public void A_chart_carries_the_window_means_with_their_band_and_the_usual_range_only_once_established()
    {
        var window = TimeSpan.FromSeconds(3);
        var history = History(Series(HeartRate, window, (From.AddMinutes(1), 80), (From.AddMinutes(2), 84)), Series(Respiration, window, (From.AddMinutes(1), 16)));
        var twin = Twin(
            (HeartRate, 84, new VitalStatus { Baseline = new VitalBaseline { Level = 78, Spread = 3, Established = true } }),
            (Respiration, 16, new VitalStatus { Baseline = new VitalBaseline { Level = 15, Spread = 1, Established = false } }));

        var charts = TrendCharts.Build(history, twin, [], From, Now);

        var heart = charts.Single(c => c.Loinc == HeartRate);
        Assert.Equal([TrendCharts.Seconds(From.AddMinutes(1)), TrendCharts.Seconds(From.AddMinutes(2))], heart.Times);
        Assert.Equal([80.0, 84], heart.Means);
        Assert.Equal([79.0, 83], heart.Mins);
        Assert.Equal([81.0, 85], heart.Maxes);
        Assert.Equal(new UsualRange(72, 84), heart.Baseline);
        Assert.Null(charts.Single(c => c.Loinc == Respiration).Baseline);
    }

    [Fact]
    public void The_forecast_runs_from_the_newest_scored_value_and_carries_its_interval_only_when_set()
    {
        var scoredAt = Now.AddSeconds(-5);
        var status = new VitalStatus
        {
            Scored = new LatestVital { Value = 90, ObservedAt = At(scoredAt) },
            Forecast = new VitalForecast { Value = 96, At = At(Now.AddMinutes(10)) },
        };
        var latest = new LatestVital { Value = 0, ObservedAt = At(Now) };

        var withoutInterval = TrendCharts.Forecast(status, latest);
        status.Forecast.Lower = 91;
        status.Forecast.Upper = 101;
        var withInterval = TrendCharts.Forecast(status, latest);

        Assert.Equal(new ForecastLine(TrendCharts.Seconds(scoredAt), 90, TrendCharts.Seconds(Now.AddMinutes(10)), 96, null, null), withoutInterval);
        Assert.Equal(91, withInterval!.Lower);
        Assert.Equal(101, withInterval.Upper);
        Assert.Null(TrendCharts.Forecast(new VitalStatus(), latest));
    }

    [Fact]
    public void Markers_are_the_open_anomalies_and_past_detector_reasons_of_the_vital_each_once_in_time_order()
    {
        var twin = Twin((HeartRate, 130, new VitalStatus()), (Saturation, 97, new VitalStatus()));
        twin.OpenAnomalies.Add(new OpenAnomaly
        {
            AnomalyId = "anomaly-open", Code = new VitalCode { Loinc = HeartRate }, ObservedAt = At(Now.AddMinutes(-5)), Value = 130,
            Kind = AnomalyKind.Spike, Detector = Detector.IidSpike, Explanation = "130 /min against a usual 78",
        });
        var detectorReason = new AlertReason { Text = "Pulse jumped to 122 /min", Code = new VitalCode { Loinc = HeartRate }, Value = 122, Detector = Detector.SsaChangePoint };
        AlertView[] alerts =
        [
            // Raised from the anomaly still open: the same marker, not a second one.
            Alert("a-open", Now.AddMinutes(-5), "anomaly-open", new AlertReason { Text = "Pulse 130", Code = new VitalCode { Loinc = HeartRate }, Value = 130, Detector = Detector.IidSpike }),
            Alert("a-past", Now.AddMinutes(-40), "anomaly-past", detectorReason),
            // NEWS2 reasons carry no detector; another vital's reason is another chart's.
            Alert("a-news2", Now.AddMinutes(-30), "news2", new AlertReason { Text = "Pulse 128 scores 2", Code = new VitalCode { Loinc = HeartRate }, Value = 128 }),
            Alert("a-spo2", Now.AddMinutes(-20), "anomaly-spo2", new AlertReason { Text = "SpO2 fell", Code = new VitalCode { Loinc = "2708-6" }, Value = 88, Detector = Detector.IidSpike }),
            // Before the chart's range.
            Alert("a-old", Now.AddHours(-3), "anomaly-old", detectorReason),
        ];

        var heart = TrendCharts.Build(History(), twin, alerts, From, Now).Single(c => c.Loinc == HeartRate);
        var saturation = TrendCharts.Markers(twin, alerts, Saturation);

        Assert.Equal(
            [
                new TrendMarker(TrendCharts.Seconds(Now.AddMinutes(-40)), 122, "Pulse jumped to 122 /min (SSA change-point detector)", Open: false),
                new TrendMarker(TrendCharts.Seconds(Now.AddMinutes(-5)), 130, "Spike (spike detector): 130 /min against a usual 78", Open: true),
            ],
            heart.Markers);
        // SpO₂'s alias LOINC code is the same vital.
        Assert.Equal(88, Assert.Single(saturation).Value);
    }

    [Fact]
    public void Artifact_episodes_are_the_recent_ones_and_the_current_artifact_when_none_is_open()
    {
        var clean = Now.AddMinutes(-2);
        var status = new VitalStatus
        {
            Artifact = SignalArtifact.Dropout,
            Scored = new LatestVital { Value = 96, ObservedAt = At(clean) },
        };
        status.RecentArtifacts.Add(new ArtifactEpisode { Kind = SignalArtifact.UncorroboratedDesaturation, StartedAt = At(Now.AddMinutes(-30)), EndedAt = At(Now.AddMinutes(-28)) });

        var fromCurrent = TrendCharts.Episodes(status, null);
        status.RecentArtifacts.Add(new ArtifactEpisode { Kind = SignalArtifact.Dropout, StartedAt = At(Now.AddMinutes(-1)) });
        var withOpen = TrendCharts.Episodes(status, null);

        Assert.Equal(
            [
                new ArtifactSpan("Uncorroborated desaturation", TrendCharts.Seconds(Now.AddMinutes(-30)), TrendCharts.Seconds(Now.AddMinutes(-28))),
                new ArtifactSpan("Signal dropout", TrendCharts.Seconds(clean), null),
            ],
            fromCurrent);
        Assert.Equal(new ArtifactSpan("Signal dropout", TrendCharts.Seconds(Now.AddMinutes(-1)), null), withOpen[^1]);
        Assert.Equal(2, withOpen.Count);
    }
}
