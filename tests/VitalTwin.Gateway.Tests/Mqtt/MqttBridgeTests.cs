using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Time.Testing;
using VitalTwin.Contracts.Telemetry.V1;
using VitalTwin.Kafka;
using VitalTwin.Kafka.Embedded;

namespace VitalTwin.Gateway.Tests.Mqtt;

/// <summary>
/// A hospital's own broker, Debian's mosquitto, bridging its devices' readings to the Gateway over TLS with the
/// bridge's system certificate, as the README configures it; the Gateway restarts while the bridge holds messages.
/// </summary>
public sealed class MqttBridgeTests : IAsyncLifetime, IDisposable
{
    private const string BridgeName = "hospital-bridge";
    private const string Device = "bedside-7";
    private const string Patient = "patient-7";

    private readonly FakeTimeProvider _clock = new(Readings.Now);
    private readonly KafkaTopics _topics = GatewayServer.NewTopics();
    private readonly string _directory = Directory.CreateTempSubdirectory("vitaltwin-mqtt-bridge-").FullName;
    private EmbeddedKafka _kafka = null!;

    public Task InitializeAsync()
    {
        _kafka = EmbeddedKafka.Start([], brokerCount: 1);
        return Task.CompletedTask;
    }

    public Task DisposeAsync()
    {
        _kafka.Dispose();
        return Task.CompletedTask;
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task A_mosquitto_bridge_with_a_system_certificate_forwards_its_devices_readings_and_loses_none_across_a_gateway_restart()
    {
        using var systemCa = TestCertificates.Authority("CN=VitalTwin test system CA");
        using var bridgeCertificate = TestCertificates.Issue(systemCa, BridgeName);
        using var serverCertificate = TestCertificates.Server();
        var systemCaPath = Write("system-ca.pem", systemCa.ExportCertificatePem());
        var serverPfx = Path.Combine(_directory, "server.pfx");
        File.WriteAllBytes(serverPfx, serverCertificate.Export(X509ContentType.Pkcs12, "test"));
        var gateway = await StartGatewayAsync(systemCaPath, serverPfx, tlsPort: 0, restart: false);
        var tlsPort = gateway.MqttAddresses.Single(a => a.Scheme == "mqtts").Port;
        await gateway.RegisterAsync(Device, Patient, ingestSystem: BridgeName);
        var localPort = FreePort();
        var configuration = Write("mosquitto.conf", string.Join('\n',
            $"listener {localPort} 127.0.0.1",
            "allow_anonymous true",
            "persistence false",
            "log_dest stderr",
            "log_type all",
            "user root",
            "connection vitaltwin",
            $"address 127.0.0.1:{tlsPort}",
            "topic vitaltwin/v1/devices/+/readings out 1",
            "bridge_protocol_version mqttv50",
            "try_private false",
            "notifications false",
            "cleansession false",
            "restart_timeout 1",
            $"remote_clientid {BridgeName}",
            $"bridge_cafile {Write("server.pem", serverCertificate.ExportCertificatePem())}",
            $"bridge_certfile {Write("bridge.pem", bridgeCertificate.ExportCertificatePem())}",
            $"bridge_keyfile {Write("bridge.key", bridgeCertificate.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem())}",
            ""));
        await using var broker = OutsideProcess.Start("mosquitto", "-c", configuration);
        await broker.WaitForOutputAsync("Received CONNACK on connection", TimeSpan.FromSeconds(30));

        try
        {
            for (var i = 0; i < 3; i++)
            {
                await PublishLocallyAsync(localPort, i);
            }
            await WaitForTelemetryAsync(gateway, count: 3);
            await gateway.DisposeAsync();

            // The Gateway is down: the bridge holds these QoS 1 messages and sends them once it is back.
            for (var i = 3; i < 6; i++)
            {
                await PublishLocallyAsync(localPort, i);
            }
            gateway = await StartGatewayAsync(systemCaPath, serverPfx, tlsPort, restart: true);
            var telemetry = await WaitForTelemetryAsync(gateway, count: 6);

            Assert.Equal(Enumerable.Range(0, 6).Select(i => 70.0 + i), telemetry.Select(r => r.Reading.Value).Distinct().Order());
            Assert.Equal(6, telemetry.Select(r => r.EventId).Distinct().Count());
            Assert.All(telemetry, r => Assert.Equal((Device, Patient), (r.Reading.DeviceId, r.Reading.PatientId)));
        }
        finally
        {
            await gateway.DisposeAsync();
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_device_signs_in_with_a_client_certificate_of_the_device_ca_and_a_revoked_one_is_not_authorized(bool revoked)
    {
        const string certified = "monitor-c";
        using var deviceCa = TestCertificates.Authority("CN=VitalTwin test device CA");
        using var deviceCertificate = TestCertificates.Issue(deviceCa, certified);
        using var serverCertificate = TestCertificates.Server();
        var serverPfx = Path.Combine(_directory, "server.pfx");
        File.WriteAllBytes(serverPfx, serverCertificate.Export(X509ContentType.Pkcs12, "test"));
        await using var gateway = await StartGatewayAsync(systemCaPath: null, serverPfx, tlsPort: 0, restart: false, deviceCaPath: Write("device-ca.pem", deviceCa.ExportCertificatePem()));
        await gateway.RegisterAsync(certified, "patient-c");
        if (revoked)
        {
            await gateway.RevokeAsync(certified);
        }
        var tls = gateway.MqttAddresses.Single(a => a.Scheme == "mqtts");
        var at = Readings.Now.AddSeconds(-5).ToUnixTimeSeconds();

        var (exitCode, output) = await OutsideProcess.RunAsync("mosquitto_pub", "-h", "127.0.0.1", "-p", tls.Port.ToString(CultureInfo.InvariantCulture), "-V", "5", "-q", "1",
            "--cafile", Write("server.pem", serverCertificate.ExportCertificatePem()),
            "--cert", Write("device.pem", deviceCertificate.ExportCertificatePem()),
            "--key", Write("device.key", deviceCertificate.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem()),
            "-t", $"vitaltwin/v1/devices/{certified}/readings", "-m", $$"""[{"n":"heart-rate","u":"/min","v":66,"t":{{at}}}]""");

        var telemetry = gateway.ReadAll(gateway.Topics.Telemetry).Select(r => VitalSignsRecorded.Parser.ParseFrom(r.Message.Value)).ToList();
        if (revoked)
        {
            Assert.Contains("not authori", output, StringComparison.OrdinalIgnoreCase);
            Assert.Empty(telemetry);
        }
        else
        {
            Assert.True(exitCode == 0, output);
            Assert.Equal((certified, "patient-c", 66.0), (telemetry.Single().Reading.DeviceId, telemetry.Single().Reading.PatientId, telemetry.Single().Reading.Value));
        }
    }

    private async Task PublishLocallyAsync(int port, int i)
    {
        var at = Readings.Now.AddMinutes(-10).AddSeconds(i).ToUnixTimeSeconds();
        var (exitCode, output) = await OutsideProcess.RunAsync("mosquitto_pub", "-h", "127.0.0.1", "-p", port.ToString(CultureInfo.InvariantCulture),
            "-q", "1", "-i", $"bedside-{Guid.NewGuid():N}", "-t", $"vitaltwin/v1/devices/{Device}/readings",
            "-m", $$"""[{"n":"heart-rate","u":"/min","v":{{70 + i}},"t":{{at}}}]""");
        Assert.True(exitCode == 0, output);
    }

    private Task<GatewayServer> StartGatewayAsync(string? systemCaPath, string serverPfx, int tlsPort, bool restart, string? deviceCaPath = null) => GatewayServer.StartAsync(
        _kafka,
        _topics,
        _clock,
        new Dictionary<string, string?>
        {
            ["DeviceAuthentication:SystemCaPath"] = systemCaPath,
            ["DeviceAuthentication:ClientCaPath"] = deviceCaPath,
            ["Mqtt:Endpoints:0"] = "Mqtt",
            ["Mqtt:Endpoints:1"] = "MqttTls",
        },
        new Dictionary<string, string?>
        {
            ["Kestrel:Endpoints:MqttTls:Url"] = $"https://127.0.0.1:{tlsPort}",
            ["Kestrel:Endpoints:MqttTls:Protocols"] = "Http1",
            ["Kestrel:Endpoints:MqttTls:Certificate:Path"] = serverPfx,
            ["Kestrel:Endpoints:MqttTls:Certificate:Password"] = "test",
        },
        restart);

    /// <summary>Reads the telemetry topic until it holds <paramref name="count"/> distinct readings, for at most 60 s.</summary>
    private static async Task<List<VitalSignsRecorded>> WaitForTelemetryAsync(GatewayServer gateway, int count)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (true)
        {
            var records = gateway.ReadAll(gateway.Topics.Telemetry).Select(r => VitalSignsRecorded.Parser.ParseFrom(r.Message.Value)).ToList();
            if (records.Select(r => r.EventId).Distinct().Count() >= count)
            {
                return records;
            }
            // Each read is a round trip to Kafka; the bridge's resend comes when it has reconnected.
            await Task.Yield();
            deadline.Token.ThrowIfCancellationRequested();
        }
    }

    private string Write(string name, string text)
    {
        var path = Path.Combine(_directory, name);
        File.WriteAllText(path, text);
        return path;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
