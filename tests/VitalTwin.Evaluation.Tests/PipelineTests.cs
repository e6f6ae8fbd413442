using VitalTwin.Clinical;
using VitalTwin.Evaluation.Pipeline;
using VitalTwin.Simulator.Core.Generation;

namespace VitalTwin.Evaluation.Tests;

/// <summary>The in-process service path on a hand-written stream: what each system raises, and when the alert ends.</summary>
public sealed class PipelineTests
{
    private static readonly DateTimeOffset Start = new(2025, 1, 6, 8, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_desaturation_raises_one_single_parameter_alert_that_clears_after_the_shipped_clear_time()
    {
        var shipped = ShippedConfiguration.Load();
        var pipeline = new WardPipeline(
            [new DeviceBinding("d1", "p1", Start, null)],
            shipped,
            [new PolicyVariant("VitalTwin", shipped.Detection, shipped.Policy)],
            VitalCatalogue.Default);
        var desaturated = (From: Start.AddMinutes(10), To: Start.AddMinutes(12));

        for (var second = 0; second <= 30 * 60; second++)
        {
            var now = Start.AddSeconds(second);
            if (second > 0 && now - Start >= shipped.StalenessCheckInterval && (now - Start).Ticks % shipped.StalenessCheckInterval.Ticks == 0)
            {
                pipeline.RefreshStaleness(now);
            }
            if (second > 0)
            {
                pipeline.Advance(now);
            }
            if (second % 5 != 0)
            {
                continue;
            }
            var wobble = second / 5 % 3;
            var desaturating = now >= desaturated.From && now < desaturated.To;
            var saturation = desaturating ? 85 : 96 + wobble;
            // A real desaturation quickens the pulse; one that nothing else follows would be screened as an artifact.
            pipeline.Observe(Reading(now, VitalSign.HeartRate, (desaturating ? 84 : 70) + wobble, "/min"));
            pipeline.Observe(Reading(now, VitalSign.OxygenSaturation, saturation, "%"));
            pipeline.Observe(Reading(now, VitalSign.RespiratoryRate, 15 + wobble, "/min"));
            if (second == 0)
            {
                pipeline.Observe(Reading(now, VitalSign.SystolicBloodPressure, 120, "mm[Hg]"));
                pipeline.Observe(Reading(now, VitalSign.BodyTemperature, 37, "Cel"));
            }
        }

        var alerts = pipeline.Runs[0].Alarms();
        var single = Assert.Single(alerts, a => a.Cause == "News2SingleParameter/OxygenSaturation/Down");
        // The twin scores the minute's median and counts the new band once it has held: half a window, then the hold.
        var lag = (shipped.Twin.News2Window / 2) + shipped.Twin.News2Hold;
        Assert.InRange(single.At, desaturated.From + shipped.Twin.News2Hold, desaturated.From + lag);
        Assert.InRange(single.OpenUntil!.Value, desaturated.To + shipped.Twin.News2Hold + shipped.Policy.ClearAfter, desaturated.To + lag + shipped.Policy.ClearAfter);
        Assert.DoesNotContain(alerts, a => a.At < desaturated.From);
        Assert.DoesNotContain(alerts, a => a.Technical);

        var monitor = Assert.Single(pipeline.Monitor.Alarms);
        Assert.Equal(("OxygenSaturation<90", desaturated.From, desaturated.To), (monitor.Cause, monitor.At, monitor.OpenUntil));
        var news2 = Assert.Single(pipeline.News2Alone.Alarms);
        Assert.Equal(("News2Parameter3/OxygenSaturation", desaturated.From), (news2.Cause, news2.At));
        Assert.Equal((3 * 361) + 2, pipeline.Accepted);
    }

    [Fact]
    public void A_reading_from_a_device_bound_to_another_patient_is_refused_like_the_Gateway_refuses_it()
    {
        var shipped = ShippedConfiguration.Load();
        var pipeline = new WardPipeline(
            [new DeviceBinding("d1", "p1", Start, null)],
            shipped,
            [new PolicyVariant("VitalTwin", shipped.Detection, shipped.Policy)],
            VitalCatalogue.Default);

        pipeline.Observe(new SimulatedReading(Start, "p2", "d1", VitalSign.HeartRate, 70, "/min", ReadingQuality.None));
        pipeline.Observe(new SimulatedReading(Start.AddSeconds(-1), "p1", "d1", VitalSign.HeartRate, 70, "/min", ReadingQuality.None));
        pipeline.Observe(new SimulatedReading(Start, "p1", "d1", VitalSign.HeartRate, 400, "/min", ReadingQuality.None));
        pipeline.Observe(new SimulatedReading(Start, "p1", "d1", VitalSign.HeartRate, 70, "/min", ReadingQuality.MotionArtifact));

        Assert.Equal(2, pipeline.RejectedUnbound);
        Assert.Equal(1, pipeline.RejectedByCatalogue);
        Assert.Equal(1, pipeline.Accepted);
        Assert.Equal(1, pipeline.FlaggedReadings);
        Assert.Equal(1, pipeline.ShippedDetection.ArtifactReadings[AnomalyDetection.Core.ArtifactReason.DeviceFlagged]);
    }

    private static SimulatedReading Reading(DateTimeOffset at, VitalSign sign, double value, string unit) =>
        new(at, "p1", "d1", sign, value, unit, ReadingQuality.None);
}
