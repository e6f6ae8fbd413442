using VitalTwin.Load.Measurement;
using VitalTwin.Load.Reporting;

namespace VitalTwin.Load.Tests;

public sealed class FindingsTests
{
    [Fact]
    public void Readings_refused_for_back_pressure_and_resent_are_a_back_pressure_finding_not_a_loss()
    {
        var findings = Findings.Of(Report(Throughput() with
        {
            AcceptedPerSecond = 9_000, Unacknowledged = 30_000, RefusedForBackPressure = 30_000, RefusedRounds = 120, Resent = 30_000,
            SampledTwinReadingsApplied = 30_000, SampledTwinReadingsSent = 30_000,
        }));

        Assert.Contains("The Gateway refused 30,000 readings for back-pressure in 120 rounds (its consumers lagged near what the embedded Kafka keeps); the senders resent 30,000 readings after the hinted wait. Refused readings were not lost: the Gateway never took them.", findings);
        Assert.DoesNotContain(findings, f => f.Contains("went missing", StringComparison.Ordinal));
        Assert.Contains(findings, f => f.Contains("0 in failed calls, 30,000 refused for back-pressure", StringComparison.Ordinal));
    }

    [Fact]
    public void Readings_the_senders_dropped_are_reported_as_dropped()
    {
        var findings = Findings.Of(Report(Throughput() with { RefusedForBackPressure = 900, RefusedRounds = 3, Resent = 400, DroppedBySenders = 500 }));

        Assert.Contains(findings, f => f.Contains("the senders resent 400 readings after the hinted wait and dropped 500 they could no longer keep or deliver", StringComparison.Ordinal));
    }

    [Fact]
    public void Without_refusals_there_is_no_back_pressure_finding()
    {
        Assert.DoesNotContain(Findings.Of(Report(Throughput())), f => f.Contains("back-pressure", StringComparison.Ordinal));
    }

    [Fact]
    public void A_shortfall_once_the_twins_caught_up_is_readings_that_went_missing()
    {
        var findings = Findings.Of(Report(Throughput() with { SampledTwinReadingsApplied = 5_500, WindowCompleteness = 0.9 }));

        Assert.Contains(findings, f => f.StartsWith("The watched twins applied 5,500 of the 6,000 readings sent to them and not dropped by the senders (90 % of the window's): readings the Gateway accepted went missing", StringComparison.Ordinal));
    }

    [Fact]
    public void A_shortfall_while_the_twins_are_still_behind_is_not_called_a_loss()
    {
        var findings = Findings.Of(Report(Throughput() with { SampledTwinReadingsApplied = 5_500, TwinsCaughtUpAfterWindowSeconds = null, AppliedFraction = 0.9 }));

        Assert.DoesNotContain(findings, f => f.Contains("went missing", StringComparison.Ordinal));
        Assert.Contains(findings, f => f.StartsWith("Downstream did not keep up", StringComparison.Ordinal));
    }

    [Fact]
    public void A_slow_admission_says_what_TwinState_does_now_and_a_quick_one_says_nothing()
    {
        var slow = Findings.Of(Report(Throughput() with { AdmissionSeconds = 8 }));
        var quick = Findings.Of(Report(Throughput() with { AdmissionSeconds = 5 }));

        var admission = Assert.Single(slow, f => f.StartsWith("Admitting 2,000 new patients", StringComparison.Ordinal));
        Assert.Contains("hands them to the producer in order without waiting for each; its checkpoint awaits their delivery", admission, StringComparison.Ordinal);
        Assert.DoesNotContain("awaits each publish", admission, StringComparison.Ordinal);
        Assert.DoesNotContain(quick, f => f.StartsWith("Admitting", StringComparison.Ordinal));
    }

    [Fact]
    public void The_report_shows_refused_resent_and_dropped_readings()
    {
        var markdown = ReportWriter.Markdown(Report(Throughput() with { RefusedForBackPressure = 900, RefusedRounds = 3, Resent = 400, DroppedBySenders = 500 }));

        Assert.Contains("| Refused for back-pressure / resent / dropped by the senders | 900 in 3 rounds / 400 / 500 |", markdown, StringComparison.Ordinal);
    }

    private static ThroughputResult Throughput() => new(
        60, 600_000, 600_000, 0, 0, 0, 10_000, 10_000, 10_000, 0.5, 1, 6_000, 6_000, 1,
        new Dictionary<string, long>(), new Dictionary<string, long>(), 2, 10, 3, true, 5, true);

    private static LoadReport Report(ThroughputResult throughput)
    {
        var settings = new RunSettings(10_000, 60, 5, 6, 4, 100, 2_000, 200, 100, 1, 60, 2, 1);
        var latency = new LatencyResult(LatencySummary.Empty, LatencySummary.Empty, LatencySummary.Empty, LatencySummary.Empty, LatencySummary.Empty, "", "", "");
        return new LoadReport(
            new DateTimeOffset(2026, 12, 8, 2, 0, 0, TimeSpan.Zero), settings, throughput, latency,
            new AlertResult(200, 200, 0, 0, new Dictionary<string, long>()),
            [], new Dictionary<string, long>(), [], [], []);
    }
}
