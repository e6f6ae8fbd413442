using Microsoft.Extensions.Time.Testing;
using VitalTwin.Contracts.Telemetry.V1;
using VitalTwin.Kafka;
using VitalTwin.Kafka.Embedded;
using Timestamp = Google.Protobuf.WellKnownTypes.Timestamp;

namespace VitalTwin.Gateway.Tests;

/// <summary>
/// A device that restarts numbers its readings from 1 again under a new boot id, on a running Gateway over real
/// gRPC: its readings are stored, not taken for resends of the previous boot's, and get event ids of their own;
/// a resend within a boot is still recognised.
/// </summary>
public sealed class DeviceRestartTests : IAsyncLifetime
{
    private const string Patient = "patient-a";
    private const string Device = "monitor-a";
    private const ulong FirstBoot = 0x5eed_0000_0000_0001;
    private const ulong SecondBoot = 0x5eed_0000_0000_0002;

    private readonly FakeTimeProvider _clock = new(Readings.Now);
    private readonly KafkaTopics _topics = GatewayServer.NewTopics();
    private EmbeddedKafka _kafka = null!;
    private GatewayServer _gateway = null!;

    private VitalSignIngestion.VitalSignIngestionClient Ingestion => new(_gateway.Channel);

    public async Task InitializeAsync()
    {
        _kafka = EmbeddedKafka.Start([], brokerCount: 1);
        _gateway = await GatewayServer.StartAsync(_kafka, _topics, _clock);
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        _kafka.Dispose();
    }

    [Fact]
    public async Task A_restarted_device_numbering_from_one_under_a_new_boot_id_has_its_readings_stored_with_new_event_ids_while_a_resend_is_still_recognised()
    {
        var device = GatewayServer.Device(await _gateway.RegisterAsync(Device, Patient));
        var firstBoot = Batch(FirstBoot, 70, 71, 72);

        await Ingestion.IngestAsync(firstBoot, device);
        var resent = await Ingestion.IngestAsync(firstBoot, device);
        _clock.Advance(TimeSpan.FromMinutes(1));
        var restarted = await Ingestion.IngestAsync(Batch(SecondBoot, 90, 91, 92), device);

        Assert.Equal((3u, 0u), (resent.Accepted, resent.Rejected));
        Assert.Equal((3u, 0u), (restarted.Accepted, restarted.Rejected));
        var stored = Telemetry();
        Assert.Equal([70, 71, 72, 90, 91, 92], stored.Select(r => r.Reading.Value));
        Assert.Equal(
            ["monitor-a/5eed000000000001/1", "monitor-a/5eed000000000001/2", "monitor-a/5eed000000000001/3",
             "monitor-a/5eed000000000002/1", "monitor-a/5eed000000000002/2", "monitor-a/5eed000000000002/3"],
            stored.Select(r => r.EventId));
    }

    [Fact]
    public async Task A_device_without_a_boot_id_keeps_the_event_ids_it_always_had_and_its_resends_are_recognised()
    {
        var device = GatewayServer.Device(await _gateway.RegisterAsync(Device, Patient));
        var batch = Batch(bootId: 0, 70, 71);

        await Ingestion.IngestAsync(batch, device);
        var resent = await Ingestion.IngestAsync(batch, device);

        Assert.Equal((2u, 0u), (resent.Accepted, resent.Rejected));
        Assert.Equal(["monitor-a/1", "monitor-a/2"], Telemetry().Select(r => r.EventId));
    }

    private VitalSignBatch Batch(ulong bootId, params double[] heartRates)
    {
        var batch = new VitalSignBatch();
        var observedAt = _clock.GetUtcNow().AddSeconds(-heartRates.Length);
        for (var i = 0; i < heartRates.Length; i++)
        {
            batch.Readings.Add(new VitalSignReading
            {
                PatientId = Patient,
                DeviceId = Device,
                BootId = bootId,
                SequenceNumber = (ulong)i + 1,
                ObservedAt = Timestamp.FromDateTimeOffset(observedAt.AddSeconds(i)),
                Code = new VitalCode { Loinc = Readings.HeartRateLoinc },
                Value = heartRates[i],
                Unit = "/min",
            });
        }
        return batch;
    }

    private List<VitalSignsRecorded> Telemetry() =>
        [.. _gateway.ReadAll(_topics.Telemetry).Select(r => VitalSignsRecorded.Parser.ParseFrom(r.Message.Value))];
}
