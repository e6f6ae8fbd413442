using VitalTwin.Contracts.Telemetry.V1;
using VitalTwin.Kafka;
using VitalTwin.Kafka.Embedded;

namespace VitalTwin.Gateway.Tests.Hl7;

/// <summary>
/// The Gateway with its HL7 door on a free loopback port. Two senders are listed by address: <see cref="Sender"/>
/// connects from 127.0.0.1, <see cref="OtherSender"/> from 127.0.0.2; 127.0.0.3 is on no list.
/// </summary>
internal static class Hl7Gateway
{
    public const string Sender = "bedside-gw";
    public const string OtherSender = "other-gw";
    public const string SenderAddress = "127.0.0.1";
    public const string OtherSenderAddress = "127.0.0.2";
    public const string UnlistedAddress = "127.0.0.3";

    public static Task<GatewayServer> StartAsync(
        EmbeddedKafka kafka,
        KafkaTopics topics,
        TimeProvider clock,
        IReadOnlyDictionary<string, string?>? gateway = null,
        IReadOnlyDictionary<string, string?>? host = null,
        bool listSenders = true)
    {
        var settings = new Dictionary<string, string?> { ["Hl7:Enabled"] = "true" };
        if (listSenders)
        {
            settings["Hl7:Senders:0:Name"] = Sender;
            settings["Hl7:Senders:0:Networks:0"] = $"{SenderAddress}/32";
            settings["Hl7:Senders:1:Name"] = OtherSender;
            settings["Hl7:Senders:1:Networks:0"] = OtherSenderAddress;
        }
        foreach (var (key, value) in gateway ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }
        var hostSettings = new Dictionary<string, string?> { ["Kestrel:Endpoints:Hl7:Url"] = "http://127.0.0.1:0" };
        foreach (var (key, value) in host ?? new Dictionary<string, string?>())
        {
            hostSettings[key] = value;
        }
        return GatewayServer.StartAsync(kafka, topics, clock, settings, hostSettings);
    }

    public static List<VitalSignReading> Telemetry(this GatewayServer gateway) =>
        gateway.ReadAll(gateway.Topics.Telemetry).Select(r => VitalSignsRecorded.Parser.ParseFrom(r.Message.Value).Reading).ToList();

    public static List<ReadingRejected> Rejected(this GatewayServer gateway) =>
        gateway.ReadAll(gateway.Topics.TelemetryRejected).Select(r => ReadingRejected.Parser.ParseFrom(r.Message.Value)).ToList();
}
