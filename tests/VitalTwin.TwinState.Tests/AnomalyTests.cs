using VitalTwin.Clinical;
using VitalTwin.TwinState.Core;

namespace VitalTwin.TwinState.Tests;

public class AnomalyTests
{
    private readonly PatientTwin _twin = new("patient-1");
    private readonly Devices _devices = new();

    [Fact]
    public void An_anomaly_stays_open_with_its_explanation_until_acknowledged()
    {
        var anomaly = Readings.Anomaly("anomaly-1", VitalSign.HeartRate, 150, atSecond: 10);

        Assert.True(_twin.RecordAnomaly(anomaly));

        Assert.Equal(anomaly, Assert.Single(_twin.Snapshot().OpenAnomalies));
        Assert.True(_twin.AcknowledgeAnomaly("anomaly-1"));
        Assert.False(_twin.AcknowledgeAnomaly("anomaly-1"));
        Assert.Empty(_twin.Snapshot().OpenAnomalies);
        Assert.Equal(1u, _twin.Snapshot().AnomaliesSeen);
    }

    [Fact]
    public void A_replayed_anomaly_is_recognised_by_its_id()
    {
        var anomaly = Readings.Anomaly("anomaly-1", VitalSign.HeartRate, 150, atSecond: 10);
        _twin.RecordAnomaly(anomaly);

        Assert.False(_twin.RecordAnomaly(anomaly));

        Assert.Single(_twin.Snapshot().OpenAnomalies);
        Assert.Equal(1u, _twin.Snapshot().AnomaliesSeen);
    }

    [Fact]
    public void An_unacknowledged_anomaly_closes_after_the_configured_time()
    {
        var openFor = TwinSettings.Default.AnomalyOpenFor;
        _twin.RecordAnomaly(Readings.Anomaly("anomaly-1", VitalSign.HeartRate, 150, atSecond: 0));
        _twin.RecordAnomaly(Readings.Anomaly("anomaly-2", VitalSign.OxygenSaturation, 85, atSecond: 60));

        Assert.False(_twin.RefreshStaleness(Readings.Start + openFor - TimeSpan.FromTicks(1)).Changed);
        Assert.True(_twin.RefreshStaleness(Readings.Start + openFor).Changed);

        Assert.Equal("anomaly-2", Assert.Single(_twin.Snapshot().OpenAnomalies).Id);
    }

    [Fact]
    public void An_anomaly_already_past_its_time_is_counted_but_not_opened()
    {
        _twin.Apply(_devices.Reading(VitalSign.HeartRate, 72, atSecond: 3600));

        Assert.True(_twin.RecordAnomaly(Readings.Anomaly("anomaly-1", VitalSign.HeartRate, 150, atSecond: 0)));

        Assert.Empty(_twin.Snapshot().OpenAnomalies);
        Assert.Equal(1u, _twin.Snapshot().AnomaliesSeen);
    }

    [Fact]
    public void Beyond_the_limit_the_oldest_open_anomaly_closes()
    {
        var twin = new PatientTwin("patient-1", TwinSettings.Default with { MaxOpenAnomalies = 2 });

        foreach (var second in new[] { 20, 10, 30 })
        {
            twin.RecordAnomaly(Readings.Anomaly($"anomaly-{second}", VitalSign.HeartRate, 150, atSecond: second));
        }

        Assert.Equal(["anomaly-20", "anomaly-30"], twin.Snapshot().OpenAnomalies.Select(a => a.Id));
    }
}
