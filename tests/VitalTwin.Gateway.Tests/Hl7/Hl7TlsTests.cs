using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Time.Testing;
using VitalTwin.Kafka;
using VitalTwin.Kafka.Embedded;

namespace VitalTwin.Gateway.Tests.Hl7;

/// <summary>
/// The door over TLS, with senders proved by a client certificate of the system CA; socat's OPENSSL address is the
/// outside client. The allow-list stays configured: the certificate wins over the address it connects from.
/// </summary>
public sealed class Hl7TlsTests : IAsyncLifetime, IDisposable
{
    private readonly FakeTimeProvider _clock = new(Readings.Now);
    private readonly KafkaTopics _topics = GatewayServer.NewTopics();
    private readonly string _directory = Directory.CreateTempSubdirectory("vitaltwin-hl7-tls-").FullName;
    private readonly X509Certificate2 _systemCa = TestCertificates.Authority("CN=VitalTwin test system CA");
    private readonly X509Certificate2 _otherCa = TestCertificates.Authority("CN=Some other CA");
    private EmbeddedKafka _kafka = null!;
    private GatewayServer _gateway = null!;

    public async Task InitializeAsync()
    {
        var caPath = Path.Combine(_directory, "system-ca.pem");
        File.WriteAllText(caPath, _systemCa.ExportCertificatePem());
        using var server = TestCertificates.Server();
        File.WriteAllBytes(Path.Combine(_directory, "server.pfx"), server.Export(X509ContentType.Pkcs12, "test"));
        _kafka = EmbeddedKafka.Start([], brokerCount: 1);
        _gateway = await Hl7Gateway.StartAsync(_kafka, _topics, _clock,
            new Dictionary<string, string?> { ["DeviceAuthentication:SystemCaPath"] = caPath },
            new Dictionary<string, string?>
            {
                ["Kestrel:Endpoints:Hl7:Url"] = "https://127.0.0.1:0",
                ["Kestrel:Endpoints:Hl7:Certificate:Path"] = Path.Combine(_directory, "server.pfx"),
                ["Kestrel:Endpoints:Hl7:Certificate:Password"] = "test",
            });
        await _gateway.RegisterAsync(Readings.DeviceId, Readings.PatientId, ingestSystem: Hl7Gateway.Sender);
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        _kafka.Dispose();
    }

    public void Dispose()
    {
        _systemCa.Dispose();
        _otherCa.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task A_sender_with_a_certificate_of_the_system_ca_sends_for_its_devices_from_an_address_on_no_list()
    {
        var ack = Ack.Parse(Assert.Single(await SendAsync(TestCertificates.WritePem(TestCertificates.Issue(_systemCa, Hl7Gateway.Sender), _directory), Hl7Gateway.UnlistedAddress)));

        Assert.Equal(("AA", "TLS-1"), (ack.Code, ack.ControlId));
        Assert.Equal([Readings.DeviceId], _gateway.Telemetry().Select(r => r.DeviceId));
    }

    [Fact]
    public async Task The_certificate_wins_over_the_address_it_connects_from()
    {
        var ack = Ack.Parse(Assert.Single(await SendAsync(TestCertificates.WritePem(TestCertificates.Issue(_systemCa, Hl7Gateway.OtherSender), _directory), Hl7Gateway.SenderAddress)));

        // Sent from the listed address of the device's own sender, but as the system the certificate names.
        Assert.Equal("AE", ack.Code);
        Assert.Equal(("OBX^1", "DEVICE_MISMATCH"), (Assert.Single(ack.Errors).Location, ack.Errors[0].Reason));
        Assert.Empty(_gateway.Telemetry());
    }

    [Fact]
    public async Task A_certificate_of_another_ca_is_refused_AR_even_from_a_listed_address()
    {
        var ack = Ack.Parse(Assert.Single(await SendAsync(TestCertificates.WritePem(TestCertificates.Issue(_otherCa, Hl7Gateway.Sender), _directory), Hl7Gateway.SenderAddress)));

        Assert.Equal(("AR", "SENDER_UNKNOWN"), (ack.Code, Assert.Single(ack.Errors).Reason));
        Assert.Empty(_gateway.Telemetry());
    }

    [Fact]
    public async Task Without_a_certificate_the_allow_list_decides_over_TLS_too()
    {
        var listed = Ack.Parse(Assert.Single(await SendAsync(null, Hl7Gateway.SenderAddress)));
        var unlisted = Ack.Parse(Assert.Single(await SendAsync(null, Hl7Gateway.UnlistedAddress)));

        Assert.Equal(("AA", "AR"), (listed.Code, unlisted.Code));
        Assert.Single(_gateway.Telemetry());
    }

    /// <summary>One message through socat's TLS client, presenting <paramref name="certificate"/> (PEM files) when given.</summary>
    private Task<IReadOnlyList<string>> SendAsync((string Certificate, string Key)? certificate, string bind)
    {
        var presented = certificate is { } files ? $",cert={files.Certificate},key={files.Key}" : "";
        return Mllp.SocatAsync(Mllp.Frame(Oru.Message("TLS-1", [Oru.HeartRate()])), $"OPENSSL:127.0.0.1:{Mllp.Endpoint(_gateway).Port},bind={bind},verify=0{presented}");
    }
}
