using System.Diagnostics;
using System.Text;
using Headers = Confluent.Kafka.Headers;
using Grpc.Core;
using VitalTwin.Contracts.Alerting.V1;
using VitalTwin.Contracts.Telemetry.V1;
using VitalTwin.Contracts.Twin.V1;

namespace VitalTwin.EndToEnd.Tests;

/// <summary>
/// One trace from a device's call to the Gateway to the alert on the alerts topic, across every Kafka hop and the
/// Notification's in-process bus, as a tracing backend would stitch it from the W3C context each record carries.
/// </summary>
[Collection(SystemCollection.Name)]
public sealed class TracingTests(SystemFixture system)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task The_trace_of_the_call_that_sent_a_deteriorated_reading_runs_through_telemetry_and_twin_events_to_its_alert()
    {
        var kafka = system.Cluster.Kafka.BootstrapServers;
        using var telemetry = new TopicWatcher(kafka, system.Cluster.Topics.Telemetry);
        using var twinEvents = new TopicWatcher(kafka, system.Cluster.Topics.TwinEvents);
        using var alerts = new TopicWatcher(kafka, system.Cluster.Topics.Alerts);
        var ingestion = new VitalSignIngestion.VitalSignIngestionClient(system.Channel("Gateway"));
        var patient = Readings.ForNewPatient("trace");
        await patient.RegisterAsync(new DeviceRegistry.DeviceRegistryClient(system.Channel("Gateway")));
        // Two calls, two traces: the alert must belong to the call whose readings caused it, not just to any.
        var (steady, deteriorated) = (ActivityTraceId.CreateRandom(), ActivityTraceId.CreateRandom());
        var sentSpan = ActivitySpanId.CreateRandom();

        await ingestion.IngestAsync(patient.Vitals(heartRate: 78, spo2: 97, respiratoryRate: 15, systolic: 124, temperature: 36.9), TraceContext(patient, steady, ActivitySpanId.CreateRandom()));
        await ingestion.IngestAsync(patient.Vitals(heartRate: 128, spo2: 90, respiratoryRate: 27, systolic: 92, temperature: 39.2), TraceContext(patient, deteriorated, sentSpan));

        var (alert, alertHeaders) = await alerts.WaitForAsync(patient.PatientId, AlertRaised.Parser, a => a.Condition == AlertCondition.News2High, Timeout);
        var (news2, twinHeaders) = await twinEvents.WaitForAsync(patient.PatientId, TwinNews2Changed.Parser, e => e.EventId == alert.SourceEventId, Timeout);
        // TwinState names a NEWS2 change after the reading that made it: "<reading event id>/news2".
        var readingEventId = news2.EventId[..news2.EventId.LastIndexOf('/')];
        var (_, readingHeaders) = await telemetry.WaitForAsync(patient.PatientId, VitalSignsRecorded.Parser, r => r.EventId == readingEventId, Timeout);
        var (_, steadyHeaders) = await telemetry.WaitForAsync(patient.PatientId, VitalSignsRecorded.Parser, r => r.Reading.Value == 78, Timeout);

        var (readingTrace, readingParent) = TraceParent(readingHeaders);
        var (twinTrace, twinParent) = TraceParent(twinHeaders);
        var (alertTrace, alertParent) = TraceParent(alertHeaders);
        Assert.Equal(deteriorated, readingTrace);
        Assert.Equal(deteriorated, twinTrace);
        Assert.Equal(deteriorated, alertTrace);
        Assert.Equal(steady, TraceParent(steadyHeaders).TraceId);
        // Every hop added spans of its own: each record's parent is a span of the service that published it.
        Assert.Equal(4, new[] { sentSpan, readingParent, twinParent, alertParent }.Distinct().Count());
    }

    /// <summary>The device's credential and the trace context it sends with.</summary>
    private static Metadata TraceContext(Readings device, ActivityTraceId traceId, ActivitySpanId spanId) =>
        [.. device.Credential, new Metadata.Entry("traceparent", $"00-{traceId.ToHexString()}-{spanId.ToHexString()}-01")];

    private static (ActivityTraceId TraceId, ActivitySpanId ParentId) TraceParent(Headers headers)
    {
        Assert.True(headers.TryGetLastBytes("traceparent", out var bytes), "the record carries no traceparent header");
        var parsed = ActivityContext.Parse(Encoding.UTF8.GetString(bytes), traceState: null);
        return (parsed.TraceId, parsed.SpanId);
    }
}
