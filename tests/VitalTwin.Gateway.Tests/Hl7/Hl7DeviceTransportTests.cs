using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Time.Testing;
using VitalTwin.Contracts.Telemetry.V1;
using VitalTwin.DeviceTransports;
using VitalTwin.Kafka;
using VitalTwin.Kafka.Embedded;
using Xunit.Abstractions;
using KafkaApi = VitalTwin.Kafka.Embedded.KafkaApi;

namespace VitalTwin.Gateway.Tests.Hl7;

/// <summary>The device side of the door (<see cref="Hl7DeviceTransport"/>) against the real door.</summary>
public sealed class Hl7DeviceTransportTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly FakeTimeProvider _clock = new(Readings.Now);
    private readonly KafkaTopics _topics = GatewayServer.NewTopics();
    private readonly DeviceLogin _device = new(Readings.DeviceId, "unused: the sender is the system");
    private EmbeddedKafka _kafka = null!;
    private GatewayServer _gateway = null!;

    public async Task InitializeAsync()
    {
        _kafka = EmbeddedKafka.Start([], brokerCount: 1);
        _gateway = await Hl7Gateway.StartAsync(_kafka, _topics, _clock);
        await _gateway.RegisterAsync(Readings.DeviceId, Readings.PatientId, ingestSystem: Hl7Gateway.Sender);
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        _kafka.Dispose();
    }

    [Fact]
    public async Task Readings_sent_through_the_transport_are_stored_and_its_refusals_come_back_as_the_ingest_ack_tells_them()
    {
        await using var transport = Open(_gateway);
        VitalSignReading[] first =
        [
            Readings.HeartRate(71, Readings.Now.AddSeconds(-30)),
            Readings.Reading(string.Empty, "MDC_PULS_OXIM_SAT_O2", 96, "%", Readings.Now.AddSeconds(-20)),
            Readings.Reading(Readings.HeartRateLoinc, string.Empty, 72, "furlongs", Readings.Now.AddSeconds(-15)),
        ];

        var ack = await transport.SendAsync(_device, first, CancellationToken.None);
        // The same connection, kept for the next message.
        var again = await transport.SendAsync(_device, [Readings.HeartRate(73.25, Readings.Now.AddSeconds(-10))], CancellationToken.None);

        Assert.Equal((DeviceTransportKind.Hl7, Hl7Gateway.Sender), (transport.Kind, transport.IngestSystem));
        Assert.Equal((2u, 1u), (ack.Accepted, ack.Rejected));
        var rejection = Assert.Single(ack.Rejections);
        Assert.Equal((2u, Readings.DeviceId, RejectionReason.UnknownUnit), (rejection.Index, rejection.DeviceId, rejection.Reason));
        Assert.NotEmpty(rejection.Detail);
        Assert.Equal((1u, 0u), (again.Accepted, again.Rejected));
        Assert.Equal([("8867-4", 71.0), ("59408-5", 96.0), ("8867-4", 73.25)], _gateway.Telemetry().Select(r => (r.Code.Loinc, r.Value)));
    }

    [Fact]
    public async Task Devices_sending_at_once_through_one_transport_have_every_reading_stored_once_and_in_their_order()
    {
        const int Devices = 4;
        const int Messages = 50;
        const int PerMessage = 10;
        for (var d = 0; d < Devices; d++)
        {
            await _gateway.RegisterAsync($"monitor-run-{d}", $"patient-run-{d}", ingestSystem: Hl7Gateway.Sender);
        }
        await using var transport = Open(_gateway);
        var started = System.Diagnostics.Stopwatch.GetTimestamp();

        var acks = await Task.WhenAll(Enumerable.Range(0, Devices).Select(async d =>
        {
            var device = new DeviceLogin($"monitor-run-{d}", "unused");
            var accepted = 0u;
            for (var m = 0; m < Messages; m++)
            {
                var readings = Enumerable.Range(m * PerMessage, PerMessage).Select(k =>
                {
                    var reading = Readings.HeartRate(60 + (k % 40), Readings.Now.AddMinutes(-50).AddSeconds(k));
                    (reading.DeviceId, reading.PatientId) = (device.DeviceId, $"patient-run-{d}");
                    return reading;
                }).ToList();
                accepted += (await transport.SendAsync(device, readings, CancellationToken.None)).Accepted;
            }
            return accepted;
        }));

        var elapsed = System.Diagnostics.Stopwatch.GetElapsedTime(started);
        output.WriteLine($"{Devices * Messages} messages of {PerMessage} readings over MLLP in {elapsed.TotalSeconds:F2} s: " +
            $"{Devices * Messages / elapsed.TotalSeconds:F0} messages/s, {Devices * Messages * PerMessage / elapsed.TotalSeconds:F0} readings/s");
        Assert.All(acks, accepted => Assert.Equal((uint)(Messages * PerMessage), accepted));
        var telemetry = _gateway.Telemetry();
        Assert.Equal(Devices * Messages * PerMessage, telemetry.Count);
        Assert.All(telemetry.GroupBy(r => r.DeviceId), device => Assert.Equal(device.Select(r => r.SequenceNumber).Order(), device.Select(r => r.SequenceNumber)));
    }

    [Fact]
    public async Task Readings_Kafka_did_not_store_make_the_transport_say_the_gateway_is_unavailable()
    {
        await using var transport = Open(_gateway);
        _kafka.PushRequestErrors(KafkaApi.Produce, Confluent.Kafka.ErrorCode.InvalidRequest);

        var failure = await Assert.ThrowsAsync<GatewayUnavailableException>(() => transport.SendAsync(_device, [Readings.HeartRate(72, Readings.Now.AddSeconds(-5))], CancellationToken.None));

        Assert.Contains("send the message again", failure.Message);
    }

    [Fact]
    public async Task A_gateway_that_does_not_listen_makes_the_transport_say_it_is_unavailable()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        await using var transport = DeviceTransports.DeviceTransports.Open(DeviceTransportKind.Hl7, new GatewayAddresses(new Uri("http://127.0.0.1:1"), Hl7: new Uri($"mllp://{Hl7Gateway.Sender}@127.0.0.1:{port}")));

        await Assert.ThrowsAsync<GatewayUnavailableException>(() => transport.SendAsync(_device, [Readings.HeartRate()], CancellationToken.None));
    }

    [Fact]
    public async Task A_sender_the_gateway_does_not_know_is_refused()
    {
        await using var gateway = await Hl7Gateway.StartAsync(_kafka, GatewayServer.NewTopics(), _clock, listSenders: false);
        await using var transport = Open(gateway);

        var refused = await Assert.ThrowsAsync<DeviceRefusedException>(() => transport.SendAsync(_device, [Readings.HeartRate()], CancellationToken.None));

        Assert.Contains("SENDER_UNKNOWN", refused.Message);
    }

    private static IDeviceTransport Open(GatewayServer gateway) => DeviceTransports.DeviceTransports.Open(
        DeviceTransportKind.Hl7,
        new GatewayAddresses(new Uri("http://127.0.0.1:1"), Hl7: new Uri($"mllp://{Hl7Gateway.Sender}@127.0.0.1:{Mllp.Endpoint(gateway).Port}")));
}
