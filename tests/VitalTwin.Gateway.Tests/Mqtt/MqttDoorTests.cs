using System.Globalization;
using Google.Protobuf;
using Microsoft.Extensions.Time.Testing;
using VitalTwin.Contracts.Telemetry.V1;
using VitalTwin.DeviceTransports;
using VitalTwin.Gateway.Ingestion;
using VitalTwin.Gateway.Mqtt;
using VitalTwin.Kafka;
using VitalTwin.Kafka.Embedded;

namespace VitalTwin.Gateway.Tests.Mqtt;

/// <summary>
/// The MQTT door of the real Gateway (embedded Kafka, free ports), driven by Debian's mosquitto_pub and mosquitto_sub
/// and by the device-side <see cref="MqttDeviceTransport"/>.
/// </summary>
public sealed class MqttDoorTests : IAsyncLifetime, IDisposable
{
    private const string Device = Readings.DeviceId;
    private const string Topic = $"vitaltwin/v1/devices/{Device}/readings";

    private readonly FakeTimeProvider _clock = new(Readings.Now);
    private readonly KafkaTopics _topics = GatewayServer.NewTopics();
    private readonly string _directory = Directory.CreateTempSubdirectory("vitaltwin-mqtt-").FullName;
    private EmbeddedKafka _kafka = null!;
    private GatewayServer _gateway = null!;
    private ulong _sequence;

    private Uri Mqtt => _gateway.MqttAddresses.Single();

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

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Theory]
    [InlineData("311")]
    [InlineData("5")]
    public async Task A_device_signed_in_with_its_key_publishes_a_protobuf_batch_at_qos_1_and_kafka_has_it_when_the_puback_comes(string version)
    {
        var key = await _gateway.RegisterAsync(Device, Readings.PatientId);
        var batch = new VitalSignBatch { Readings = { Reading(72), Reading(74) } };

        var (exitCode, output) = await Publish(version, Device, key, Topic, "-f", File(batch.ToByteArray()));

        Assert.True(exitCode == 0, output);
        // Read once, right after mosquitto_pub had its PUBACK: had the PUBACK come first, Kafka could still lack them.
        Assert.Equal([72.0, 74.0], Telemetry().Select(r => r.Reading.Value));
        Assert.All(Telemetry(), r => Assert.Equal(Readings.PatientId, r.Reading.PatientId));
    }

    [Theory]
    [InlineData("311")]
    [InlineData("5")]
    public async Task A_qos_2_publish_is_taken_like_qos_1_with_its_pubrec_after_kafka(string version)
    {
        var key = await _gateway.RegisterAsync(Device, Readings.PatientId);
        var batch = new VitalSignBatch { Readings = { Reading(81) } };

        var (exitCode, output) = await OutsideProcess.RunAsync("mosquitto_pub", "-h", Mqtt.Host, "-p", Port, "-V", version == "5" ? "5" : "mqttv311", "-q", "2",
            "-i", $"pub-{Guid.NewGuid():N}", "-u", Device, "-P", key, "-t", Topic, "-f", File(batch.ToByteArray()));

        Assert.True(exitCode == 0, output);
        Assert.Equal([81.0], Telemetry().Select(r => r.Reading.Value));
    }

    [Theory]
    [InlineData("311")]
    [InlineData("5")]
    public async Task A_senml_pack_becomes_readings_of_the_bound_patient_with_catalogue_codes_ucum_units_and_a_derived_identity(string version)
    {
        await _gateway.RegisterAsync(Device, Readings.PatientId);
        var key = await _gateway.RegisterAsync(Device, Readings.PatientId);
        var at = Readings.Now.AddSeconds(-10).ToUnixTimeSeconds();
        // Out of time order on purpose, with base name, base time and base unit, a short name, a LOINC and an MDC code.
        var pack = $$"""[{"bn":"urn:dev:ward-3:{{Device}}:","bt":{{at}},"bu":"bpm","n":"heart-rate","v":80,"t":2},{"n":"59408-5","u":"%","v":97},{"n":"MDC_TEMP_BODY","u":"degF","v":98.6,"t":1}]""";
        string[] contentType = version == "5" ? ["-D", "publish", "content-type", SenmlReadings.ContentType] : [];

        var (exitCode, output) = await Publish(version, Device, key, Topic, [.. contentType, "-m", pack]);

        Assert.True(exitCode == 0, output);
        var readings = Telemetry().Select(r => r.Reading).ToList();
        Assert.Equal(["59408-5", "8310-5", "8867-4"], readings.Select(r => r.Code.Loinc));
        Assert.Equal(["%", "Cel", "/min"], readings.Select(r => r.Unit));
        Assert.Equal(37.0, readings[1].Value, precision: 6);
        Assert.Equal([at, at + 1, at + 2], readings.Select(r => r.ObservedAt.Seconds));
        Assert.All(readings, r => Assert.Equal((Readings.PatientId, Device, DerivedIdentity.BootId), (r.PatientId, r.DeviceId, r.BootId)));

        // The same pack again is recognised: whatever is published again carries the same event ids.
        var again = await Publish(version, Device, key, Topic, [.. contentType, "-m", pack]);
        Assert.True(again.ExitCode == 0, again.Output);
        Assert.Equal(3, Telemetry().Select(r => r.EventId).Distinct().Count());
    }

    [Theory]
    [InlineData("311")]
    [InlineData("5")]
    public async Task A_wrong_key_is_refused_at_connect_as_a_bad_user_name_or_password(string version)
    {
        var key = await _gateway.RegisterAsync(Device, Readings.PatientId);
        await _gateway.RegisterAsync("monitor-2", "patient-2");
        var otherKey = await _gateway.RegisterAsync("monitor-3", "patient-3");

        var garbled = await Publish(version, Device, key[..^4] + "AAAA", Topic, "-m", "[]");
        var anotherDevicesKey = await Publish(version, Device, otherKey, Topic, "-m", "[]");

        Assert.NotEqual(0, garbled.ExitCode);
        Assert.Contains("bad user name or password", garbled.Output, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("bad user name or password", anotherDevicesKey.Output, StringComparison.OrdinalIgnoreCase);
        Assert.Empty(Telemetry());
    }

    [Theory]
    [InlineData("311")]
    [InlineData("5")]
    public async Task A_revoked_device_is_refused_at_connect_as_not_authorized(string version)
    {
        var key = await _gateway.RegisterAsync(Device, Readings.PatientId);
        await _gateway.RevokeAsync(Device);

        var (exitCode, output) = await Publish(version, Device, key, Topic, "-f", File(new VitalSignBatch { Readings = { Reading(72) } }.ToByteArray()));

        Assert.NotEqual(0, exitCode);
        Assert.Contains("not authori", output, StringComparison.OrdinalIgnoreCase);
        Assert.Empty(Telemetry());
    }

    [Fact]
    public async Task A_revocation_ends_a_signed_in_session_at_its_next_publish()
    {
        var key = await _gateway.RegisterAsync(Device, Readings.PatientId);
        await using var transport = new MqttDeviceTransport(Mqtt);
        var login = new DeviceLogin(Device, key);
        var before = await transport.SendAsync(login, [Reading(70)], CancellationToken.None);

        await _gateway.RevokeAsync(Device);
        await Assert.ThrowsAsync<GatewayUnavailableException>(() => transport.SendAsync(login, [Reading(71)], CancellationToken.None));
        await Assert.ThrowsAsync<DeviceRefusedException>(() => transport.SendAsync(login, [Reading(72)], CancellationToken.None));

        Assert.Equal(1u, before.Accepted);
        Assert.Equal([70.0], Telemetry().Select(r => r.Reading.Value));
    }

    [Theory]
    [InlineData("311", "vitaltwin/v1/devices/monitor-2/readings")]
    [InlineData("5", "vitaltwin/v1/devices/monitor-2/readings")]
    [InlineData("5", "vitaltwin/v1/devices/monitor-1/elsewhere")]
    [InlineData("5", "some/other/topic")]
    public async Task Publishing_anywhere_but_under_its_own_readings_topic_is_refused_and_nothing_is_stored(string version, string topic)
    {
        var key = await _gateway.RegisterAsync(Device, Readings.PatientId);
        await _gateway.RegisterAsync("monitor-2", "patient-2");
        var batch = new VitalSignBatch { Readings = { Reading(72) } };
        batch.Readings[0].DeviceId = "monitor-2";
        batch.Readings[0].PatientId = "patient-2";

        var (exitCode, output) = await Publish(version, Device, key, topic, "-f", File(batch.ToByteArray()));

        if (version == "5")
        {
            Assert.Matches("(?i)not authori[sz]ed|topic name invalid", output);
        }
        else
        {
            Assert.NotEqual(0, exitCode);
        }
        Assert.Empty(Telemetry());
        Assert.Empty(_gateway.ReadAll(_topics.TelemetryRejected));
    }

    [Theory]
    [InlineData("311", "not a batch \u0001\u0002")]
    [InlineData("5", "not a batch \u0001\u0002")]
    [InlineData("5", "[{\"n\":\"heart-rate\",\"v\":\"seventy\"}]")]
    [InlineData("5", "[1,2,3]")]
    [InlineData("5", "[{\"n\":\"heart-rate\",\"v\":70,\"x_\":1}]")]
    public async Task A_malformed_payload_is_refused_as_payload_format_invalid_and_a_311_client_is_not_told_it_was_stored(string version, string payload)
    {
        var key = await _gateway.RegisterAsync(Device, Readings.PatientId);

        var (exitCode, output) = await Publish(version, Device, key, Topic, "-m", payload);

        if (version == "5")
        {
            Assert.Contains("payload format invalid", output, StringComparison.OrdinalIgnoreCase);
        }
        else
        {
            // No PUBACK: the connection is closed, as MQTT 3.1.1 refuses a publish.
            Assert.NotEqual(0, exitCode);
        }
        Assert.Empty(Telemetry());
    }

    [Theory]
    [InlineData("311")]
    [InlineData("5")]
    public async Task When_kafka_does_not_take_the_readings_no_puback_says_they_were_stored(string version)
    {
        var key = await _gateway.RegisterAsync(Device, Readings.PatientId);
        _kafka.PushRequestErrors(KafkaApi.Produce, Confluent.Kafka.ErrorCode.InvalidRecord);

        var (exitCode, output) = await Publish(version, Device, key, Topic, "-f", File(new VitalSignBatch { Readings = { Reading(72) } }.ToByteArray()));

        // No PUBACK in either version, not even an error one (which would end an MQTT 5 delivery): the connection is
        // closed, so the client still holds the message and sends it again when it reconnects.
        Assert.NotEqual(0, exitCode);
        Assert.DoesNotContain("PUBACK", output, StringComparison.Ordinal);
        Assert.Empty(Telemetry());
    }

    [Fact]
    public async Task With_mqtt_5_refused_readings_come_back_as_a_reason_code_and_each_one_on_the_devices_ack_topic()
    {
        var key = await _gateway.RegisterAsync(Device, Readings.PatientId);
        await using var acks = OutsideProcess.Start("stdbuf", "-oL", "mosquitto_sub", "-h", Mqtt.Host, "-p", Port, "-V", "5", "-u", Device, "-P", key,
            "-t", $"vitaltwin/v1/devices/{Device}/acks", "-C", "1", "-W", "30", "-d");
        await acks.WaitForOutputAsync("SUBACK", TimeSpan.FromSeconds(30));
        var at = Readings.Now.AddSeconds(-5).ToUnixTimeSeconds();
        var pack = $$"""[{"bt":{{at}},"n":"heart-rate","u":"/min","v":75},{"n":"heart-rate","u":"furlongs","v":76,"t":1},{"n":"heart-rate","u":"/min","v":900,"t":2}]""";

        var (_, output) = await Publish("5", Device, key, Topic, "-D", "publish", "correlation-data", "abc", "-m", pack);
        await acks.WaitForExitAsync(TimeSpan.FromSeconds(30));

        Assert.Contains("implementation specific error", output, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("\"accepted\": 1", acks.Output, StringComparison.Ordinal);
        Assert.Contains("\"index\": 1, \"deviceId\": \"monitor-1\"", acks.Output.Replace("  ", " "), StringComparison.Ordinal);
        Assert.Contains("UNKNOWN_UNIT", acks.Output, StringComparison.Ordinal);
        Assert.Contains("OUT_OF_RANGE", acks.Output, StringComparison.Ordinal);
        Assert.Equal([75.0], Telemetry().Select(r => r.Reading.Value));
        Assert.Equal(2, _gateway.ReadAll(_topics.TelemetryRejected).Count);
    }

    [Fact]
    public async Task A_device_may_subscribe_neither_to_another_devices_acknowledgements_nor_to_everything()
    {
        await _gateway.RegisterAsync(Device, Readings.PatientId);
        var otherKey = await _gateway.RegisterAsync("monitor-2", "patient-2");

        var (_, output) = await OutsideProcess.RunAsync("mosquitto_sub", "-h", Mqtt.Host, "-p", Port, "-V", "5", "-u", "monitor-2", "-P", otherKey,
            "-t", $"vitaltwin/v1/devices/{Device}/acks", "-t", "#", "-C", "1", "-W", "30", "-d");

        Assert.Contains("All subscription requests were denied", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_mqtt_transport_sends_through_the_real_door_and_returns_the_gateways_acknowledgement()
    {
        var key = await _gateway.RegisterAsync(Device, Readings.PatientId);
        await using var transport = DeviceTransports.DeviceTransports.Open(DeviceTransportKind.Mqtt, new GatewayAddresses(new Uri("http://unused"), Mqtt));
        var outOfRange = Reading(900);

        var ack = await transport.SendAsync(new DeviceLogin(Device, key), [Reading(72), outOfRange, Reading(73)], CancellationToken.None);
        var refused = await Assert.ThrowsAsync<DeviceRefusedException>(() => transport.SendAsync(new DeviceLogin("monitor-2", key), [Reading(74)], CancellationToken.None));

        Assert.Equal((2u, 1u), (ack.Accepted, ack.Rejected));
        Assert.Equal((1u, RejectionReason.OutOfRange), (ack.Rejections[0].Index, ack.Rejections[0].Reason));
        Assert.Equal([72.0, 73.0], Telemetry().Select(r => r.Reading.Value));
        Assert.Contains("BadUserNameOrPassword", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_mqtt_endpoint_name_that_kestrel_does_not_have_stops_the_gateway_at_start()
    {
        var failure = await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(() => GatewayServer.StartAsync(
            _kafka, GatewayServer.NewTopics(), _clock, new Dictionary<string, string?> { ["Mqtt:Endpoints:0"] = "MqttTypo" }));

        Assert.Contains("MqttTypo", failure.Message, StringComparison.Ordinal);
    }

    private string Port => Mqtt.Port.ToString(CultureInfo.InvariantCulture);

    private Task<(int ExitCode, string Output)> Publish(string version, string user, string key, string topic, params string[] payload) =>
        // MQTT 5 clients send no client id (the Gateway assigns one); 3.1.1 clients must.
        OutsideProcess.RunAsync("mosquitto_pub", ["-h", Mqtt.Host, "-p", Port, .. version == "5" ? new[] { "-V", "5" } : ["-V", "mqttv311", "-i", $"pub-{Guid.NewGuid():N}"],
            "-q", "1", "-u", user, "-P", key, "-t", topic, "-d", .. payload]);

    private string File(byte[] bytes)
    {
        var path = Path.Combine(_directory, $"{Guid.NewGuid():N}.bin");
        System.IO.File.WriteAllBytes(path, bytes);
        return path;
    }

    private VitalSignReading Reading(double value)
    {
        var reading = Readings.HeartRate(value, Readings.Now.AddSeconds(-30).AddMilliseconds(++_sequence));
        reading.SequenceNumber = _sequence;
        return reading;
    }

    private List<VitalSignsRecorded> Telemetry() =>
        _gateway.ReadAll(_topics.Telemetry).Select(r => VitalSignsRecorded.Parser.ParseFrom(r.Message.Value)).ToList();
}
