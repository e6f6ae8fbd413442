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
    private static readonly DateTimeOffset ValidFrom = Readings.Now.AddDays(-1);
    // Valid on the test's clock and on the real one, whichever the TLS stack and the chain check read.
    private static readonly DateTimeOffset ValidUntil = DateTimeOffset.UtcNow.AddDays(30);

    private readonly FakeTimeProvider _clock = new(Readings.Now);
    private readonly KafkaTopics _topics = GatewayServer.NewTopics();
    private readonly string _directory = Directory.CreateTempSubdirectory("vitaltwin-hl7-tls-").FullName;
    private readonly X509Certificate2 _systemCa = CertificateAuthority("CN=VitalTwin test system CA");
    private readonly X509Certificate2 _otherCa = CertificateAuthority("CN=Some other CA");
    private EmbeddedKafka _kafka = null!;
    private GatewayServer _gateway = null!;

    public async Task InitializeAsync()
    {
        var caPath = Path.Combine(_directory, "system-ca.pem");
        File.WriteAllText(caPath, _systemCa.ExportCertificatePem());
        using var server = ServerCertificate();
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
        var ack = Ack.Parse(Assert.Single(await SendAsync(ClientCertificate(_systemCa, Hl7Gateway.Sender), Hl7Gateway.UnlistedAddress)));

        Assert.Equal(("AA", "TLS-1"), (ack.Code, ack.ControlId));
        Assert.Equal([Readings.DeviceId], _gateway.Telemetry().Select(r => r.DeviceId));
    }

    [Fact]
    public async Task The_certificate_wins_over_the_address_it_connects_from()
    {
        var ack = Ack.Parse(Assert.Single(await SendAsync(ClientCertificate(_systemCa, Hl7Gateway.OtherSender), Hl7Gateway.SenderAddress)));

        // Sent from the listed address of the device's own sender, but as the system the certificate names.
        Assert.Equal("AE", ack.Code);
        Assert.Equal(("OBX^1", "DEVICE_MISMATCH"), (Assert.Single(ack.Errors).Location, ack.Errors[0].Reason));
        Assert.Empty(_gateway.Telemetry());
    }

    [Fact]
    public async Task A_certificate_of_another_ca_is_refused_AR_even_from_a_listed_address()
    {
        var ack = Ack.Parse(Assert.Single(await SendAsync(ClientCertificate(_otherCa, Hl7Gateway.Sender), Hl7Gateway.SenderAddress)));

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

    /// <summary>A client certificate issued by <paramref name="ca"/> naming <paramref name="commonName"/>, written as PEM files for socat.</summary>
    private (string Certificate, string Key) ClientCertificate(X509Certificate2 ca, string commonName)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={commonName}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.2")], false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, includeKeyIdentifier: true, includeIssuerAndSerial: false));
        using var issued = request.Create(ca, ValidFrom, ValidUntil, RandomNumberGenerator.GetBytes(16));
        var name = Guid.NewGuid().ToString("N");
        var files = (Path.Combine(_directory, $"{name}.pem"), Path.Combine(_directory, $"{name}.key"));
        File.WriteAllText(files.Item1, issued.ExportCertificatePem());
        File.WriteAllText(files.Item2, key.ExportPkcs8PrivateKeyPem());
        return files;
    }

    private static X509Certificate2 CertificateAuthority(string subject)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        return Exportable(request.CreateSelfSigned(ValidFrom.AddDays(-1), ValidUntil.AddDays(1)));
    }

    private static X509Certificate2 ServerCertificate()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(System.Net.IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        return Exportable(request.CreateSelfSigned(ValidFrom, ValidUntil));
    }

    // TLS on Linux wants a certificate whose key it can hand to OpenSSL: a PKCS#12 round trip gives one.
    private static X509Certificate2 Exportable(X509Certificate2 certificate)
    {
        using (certificate)
        {
            return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), password: null, X509KeyStorageFlags.Exportable);
        }
    }
}
