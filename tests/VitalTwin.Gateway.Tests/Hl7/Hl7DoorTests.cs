using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using VitalTwin.Contracts.Telemetry.V1;
using VitalTwin.Gateway.Ingestion;
using VitalTwin.Kafka;
using VitalTwin.Kafka.Embedded;

namespace VitalTwin.Gateway.Tests.Hl7;

/// <summary>ORU^R01 messages sent over MLLP by Debian's socat, the door's answers read back from its output.</summary>
public sealed class Hl7DoorTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _clock = new(Readings.Now);
    private readonly KafkaTopics _topics = GatewayServer.NewTopics();
    private EmbeddedKafka _kafka = null!;
    private GatewayServer _gateway = null!;

    public async Task InitializeAsync()
    {
        _kafka = EmbeddedKafka.Start([], brokerCount: 1);
        _gateway = await Hl7Gateway.StartAsync(_kafka, _topics, _clock);
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        _kafka.Dispose();
    }

    [Fact]
    public async Task A_good_message_is_acknowledged_AA_with_its_readings_on_the_telemetry_topic_normalised_and_in_time_order()
    {
        await _gateway.RegisterAsync(Readings.DeviceId, Readings.PatientId, ingestSystem: Hl7Gateway.Sender);
        var message = Oru.Message("MSG-1",
        [
            Oru.Obx("8867-4^Heart rate^LN", "72", "bpm", secondsBefore: 5),
            Oru.Obx("150456^MDC_PULS_OXIM_SAT_O2^MDC", "97", "262688^MDC_DIM_PERCENT^MDC", secondsBefore: 20),
            Oru.Obx("8310-5^Body temperature^LN", "98.6", "degF", secondsBefore: 10),
        ]);

        var ack = Ack.Parse(Assert.Single(await Mllp.SocatAsync(_gateway, Hl7Gateway.SenderAddress, message)));

        Assert.Equal(("AA", "MSG-1", "2.5"), (ack.Code, ack.ControlId, ack.Version));
        Assert.Empty(ack.Errors);
        var telemetry = _gateway.Telemetry();
        Assert.Equal(["59408-5", "8310-5", "8867-4"], telemetry.Select(r => r.Code.Loinc));
        Assert.Equal(["MDC_PULS_OXIM_SAT_O2", "MDC_TEMP_BODY", "MDC_ECG_HEART_RATE"], telemetry.Select(r => r.Code.Mdc));
        Assert.Equal(["%", "Cel", "/min"], telemetry.Select(r => r.Unit));
        Assert.Equal(37, telemetry[1].Value, 1e-9);
        Assert.Equal([Readings.Now.AddSeconds(-20), Readings.Now.AddSeconds(-10), Readings.Now.AddSeconds(-5)], telemetry.Select(r => r.ObservedAt.ToDateTimeOffset()));
        Assert.All(telemetry, r => Assert.Equal((Readings.PatientId, Readings.DeviceId, DerivedIdentity.BootId), (r.PatientId, r.DeviceId, r.BootId)));
        Assert.Empty(_gateway.Rejected());
    }

    [Fact]
    public async Task A_message_sent_again_is_acknowledged_again_without_a_second_copy()
    {
        await _gateway.RegisterAsync(Readings.DeviceId, Readings.PatientId, ingestSystem: Hl7Gateway.Sender);
        var message = Oru.Message("MSG-1", [Oru.HeartRate()]);

        var acks = await Mllp.SocatAsync(_gateway, Hl7Gateway.SenderAddress, message, message);

        Assert.Equal(["AA", "AA"], acks.Select(a => Ack.Parse(a).Code));
        Assert.Single(_gateway.Telemetry());
    }

    [Fact]
    public async Task A_message_with_refused_OBX_segments_is_acknowledged_AE_with_an_ERR_naming_each_and_the_others_are_stored()
    {
        await _gateway.RegisterAsync(Readings.DeviceId, Readings.PatientId, ingestSystem: Hl7Gateway.Sender);
        var message = Oru.Message("MSG-2",
        [
            Oru.HeartRate("72", secondsBefore: 12),
            Oru.Obx("8867-4^Heart rate^LN", "73", "furlongs", secondsBefore: 11),
            Oru.Obx("8867-4^Heart rate^LN", "high", "/min", secondsBefore: 10, type: "ST"),
            Oru.Obx("8867-4^Heart rate^LN", "74", "/min", secondsBefore: 9, status: "X"),
        ]);

        var ack = Ack.Parse(Assert.Single(await Mllp.SocatAsync(_gateway, Hl7Gateway.SenderAddress, message)));

        Assert.Equal(("AE", "MSG-2"), (ack.Code, ack.ControlId));
        Assert.Equal(
            [("OBX^2", "103", "UNKNOWN_UNIT"), ("OBX^3", "102", "MALFORMED"), ("OBX^4", "102", "MALFORMED")],
            ack.Errors.Select(e => (e.Location, e.Code, e.Reason)));
        Assert.Contains("OBX-2", ack.Errors[1].Text);
        Assert.Contains("OBX-11", ack.Errors[2].Text);
        Assert.Equal([72.0], _gateway.Telemetry().Select(r => r.Value));
        // The core keeps what it refused; the door refused the others before it, as not readings at all.
        Assert.Equal(RejectionReason.UnknownUnit, Assert.Single(_gateway.Rejected()).Reason);
    }

    [Fact]
    public async Task A_connection_from_no_listed_network_is_refused_AR_and_closed_before_any_reading_is_read()
    {
        await _gateway.RegisterAsync(Readings.DeviceId, Readings.PatientId, ingestSystem: Hl7Gateway.Sender);

        var acks = await Mllp.SocatAsync(_gateway, Hl7Gateway.UnlistedAddress, Oru.Message("MSG-3", [Oru.HeartRate()]), Oru.Message("MSG-4", [Oru.HeartRate(secondsBefore: 5)]));

        var ack = Ack.Parse(Assert.Single(acks));
        Assert.Equal(("AR", "MSG-3"), (ack.Code, ack.ControlId));
        Assert.Equal("SENDER_UNKNOWN", Assert.Single(ack.Errors).Reason);
        Assert.Empty(_gateway.Telemetry());
        Assert.Empty(_gateway.Rejected());
        Assert.Contains(_gateway.Log, line => line.Contains("proved no sender", StringComparison.Ordinal));
        Assert.DoesNotContain(_gateway.Log, line => line.Contains(Readings.DeviceId, StringComparison.Ordinal) || line.Contains(Readings.PatientId, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_sender_speaks_only_for_the_devices_registered_with_it_and_not_for_a_revoked_one()
    {
        await _gateway.RegisterAsync("monitor-other", Readings.PatientId, ingestSystem: Hl7Gateway.OtherSender);
        await _gateway.RegisterAsync("monitor-revoked", Readings.PatientId, ingestSystem: Hl7Gateway.Sender);
        await _gateway.RevokeAsync("monitor-revoked");
        await _gateway.RegisterAsync("monitor-own", Readings.PatientId, ingestSystem: Hl7Gateway.Sender);
        await _gateway.RegisterAsync("monitor-direct", Readings.PatientId);
        var message = Oru.Message("MSG-5",
        [
            Oru.HeartRate(device: "monitor-other"),
            Oru.HeartRate(device: "monitor-revoked"),
            Oru.HeartRate(device: "monitor-unregistered"),
            Oru.HeartRate(device: "monitor-direct"),
            Oru.HeartRate(device: "monitor-own"),
        ]);

        var ack = Ack.Parse(Assert.Single(await Mllp.SocatAsync(_gateway, Hl7Gateway.SenderAddress, message)));

        Assert.Equal("AE", ack.Code);
        Assert.Equal(["OBX^1", "OBX^2", "OBX^3", "OBX^4"], ack.Errors.Select(e => e.Location));
        Assert.All(ack.Errors, e => Assert.Equal(("204", "DEVICE_MISMATCH"), (e.Code, e.Reason)));
        Assert.Equal("the device is revoked", ack.Errors[1].Text);
        Assert.Equal("the device is not registered", ack.Errors[2].Text);
        Assert.Equal(["monitor-own"], _gateway.Telemetry().Select(r => r.DeviceId));
        Assert.Empty(_gateway.Rejected());
    }

    [Theory]
    [InlineData("2.3")]
    [InlineData("2.3.1")]
    [InlineData("2.4")]
    [InlineData("2.5.1")]
    [InlineData("2.6")]
    public async Task Every_version_from_2_3_to_2_6_is_taken_and_answered_in_its_own_version(string version)
    {
        await _gateway.RegisterAsync(Readings.DeviceId, Readings.PatientId, ingestSystem: Hl7Gateway.Sender);

        var ack = Ack.Parse(Assert.Single(await Mllp.SocatAsync(_gateway, Hl7Gateway.SenderAddress, Oru.Message("MSG-V", [Oru.HeartRate()], version: version))));

        Assert.Equal(("AA", version), (ack.Code, ack.Version));
        Assert.Single(_gateway.Telemetry());
    }

    [Theory]
    [InlineData("2.7", "ORU^R01", "203", "UNSUPPORTED_VERSION")]
    [InlineData("2.2", "ORU^R01", "203", "UNSUPPORTED_VERSION")]
    [InlineData("2.5", "ADT^A01", "200", "UNSUPPORTED_MESSAGE")]
    [InlineData("2.5", "ORU^R30", "200", "UNSUPPORTED_MESSAGE")]
    public async Task A_message_of_another_version_or_type_is_refused_whole_and_the_connection_goes_on(string version, string type, string code, string reason)
    {
        await _gateway.RegisterAsync(Readings.DeviceId, Readings.PatientId, ingestSystem: Hl7Gateway.Sender);
        var refused = Oru.Message("MSG-X", [Oru.HeartRate(secondsBefore: 20)], version: version).Replace("ORU^R01^ORU_R01", type, StringComparison.Ordinal);

        var acks = await Mllp.SocatAsync(_gateway, Hl7Gateway.SenderAddress, refused, Oru.Message("MSG-Y", [Oru.HeartRate(secondsBefore: 10)]));

        var ack = Ack.Parse(acks[0]);
        Assert.Equal(("AR", "MSG-X"), (ack.Code, ack.ControlId));
        Assert.Equal((code, reason), (Assert.Single(ack.Errors).Code, ack.Errors[0].Reason));
        Assert.Equal("AA", Ack.Parse(acks[1]).Code);
        Assert.Equal([Readings.Now.AddSeconds(-10)], _gateway.Telemetry().Select(r => r.ObservedAt.ToDateTimeOffset()));
    }

    [Fact]
    public async Task Escape_sequences_are_read_and_an_unsupported_one_refuses_its_OBX_by_name()
    {
        await _gateway.RegisterAsync("ward&7\\bed^1", "MRN|42", ingestSystem: Hl7Gateway.Sender);
        await _gateway.RegisterAsync("monitor-9", "MRN|42", ingestSystem: Hl7Gateway.Sender);
        var message = Oru.Message("MSG-E",
        [
            Oru.HeartRate("70", secondsBefore: 12, device: "ward\\T\\7\\E\\bed\\S\\1"),
            Oru.HeartRate("71", secondsBefore: 11, device: "monitor\\X2D\\9"),
            Oru.HeartRate("7\\H\\2", secondsBefore: 10, device: "monitor-9"),
        ], patient: "MRN\\F\\42");

        var ack = Ack.Parse(Assert.Single(await Mllp.SocatAsync(_gateway, Hl7Gateway.SenderAddress, message)));

        Assert.Equal("AE", ack.Code);
        var error = Assert.Single(ack.Errors);
        Assert.Equal(("OBX^3", "MALFORMED"), (error.Location, error.Reason));
        Assert.Contains("not supported", error.Text);
        Assert.Equal([("ward&7\\bed^1", "MRN|42"), ("monitor-9", "MRN|42")], _gateway.Telemetry().Select(r => (r.DeviceId, r.PatientId)));
    }

    [Fact]
    public async Task An_OBX_without_its_device_or_a_time_with_an_offset_is_refused_and_OBR_7_stands_in_for_a_missing_OBX_14()
    {
        await _gateway.RegisterAsync(Readings.DeviceId, Readings.PatientId, ingestSystem: Hl7Gateway.Sender);
        var message = Oru.Message("MSG-T",
        [
            Oru.HeartRate(device: ""),
            Oru.HeartRate().Replace(Oru.Time(10), "20250601075950", StringComparison.Ordinal),
            Oru.HeartRate().Replace(Oru.Time(10), "", StringComparison.Ordinal),
        ]);

        var ack = Ack.Parse(Assert.Single(await Mllp.SocatAsync(_gateway, Hl7Gateway.SenderAddress, message)));

        Assert.Equal([("OBX^1", "MALFORMED"), ("OBX^2", "MALFORMED")], ack.Errors.Select(e => (e.Location, e.Reason)));
        Assert.Contains("OBX-18", ack.Errors[0].Text);
        Assert.Contains("UTC offset", ack.Errors[1].Text);
        Assert.Equal([Readings.Now.AddSeconds(-30)], _gateway.Telemetry().Select(r => r.ObservedAt.ToDateTimeOffset()));
    }

    [Theory]
    [InlineData("Senders:0:Networks:0", "10.0.0.300/8", "neither an address nor a CIDR range")]
    [InlineData("Senders:1:Networks:0", "127.0.0.0/8", "share addresses")]
    [InlineData("MaxMessageBytes", "10", "MaxMessageBytes")]
    public async Task A_door_setting_that_cannot_work_stops_the_gateway_at_start(string key, string value, string expected)
    {
        var failure = await Assert.ThrowsAsync<OptionsValidationException>(() =>
            Hl7Gateway.StartAsync(_kafka, GatewayServer.NewTopics(), _clock, new Dictionary<string, string?> { [$"Hl7:{key}"] = value }));

        Assert.Contains(expected, failure.Message);
    }

    [Theory]
    [InlineData("true", null)]
    [InlineData("false", "http://127.0.0.1:0")]
    public async Task The_door_and_its_kestrel_endpoint_one_without_the_other_stop_the_gateway_at_start(string enabled, string? url)
    {
        var failure = await Assert.ThrowsAsync<OptionsValidationException>(() => Hl7Gateway.StartAsync(
            _kafka,
            GatewayServer.NewTopics(),
            _clock,
            new Dictionary<string, string?> { ["Hl7:Enabled"] = enabled },
            new Dictionary<string, string?> { ["Kestrel:Endpoints:Hl7:Url"] = url }));

        Assert.Contains("Kestrel:Endpoints:Hl7", failure.Message);
    }
}
