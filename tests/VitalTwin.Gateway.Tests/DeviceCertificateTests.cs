using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using VitalTwin.Contracts.Telemetry.V1;
using VitalTwin.Kafka;
using VitalTwin.Kafka.Embedded;

namespace VitalTwin.Gateway.Tests;

/// <summary>
/// Devices authenticating with a client certificate (mutual TLS) on the Gateway's HTTPS endpoint, against a device
/// CA the test makes and configures; the device id is the certificate's subject common name.
/// </summary>
public sealed class DeviceCertificateTests : IAsyncLifetime, IDisposable
{
    private const string DeviceA = "monitor-a";
    private const string PatientA = "patient-a";

    private readonly FakeTimeProvider _clock = new(Readings.Now);
    private readonly KafkaTopics _topics = GatewayServer.NewTopics();
    private readonly string _directory = Directory.CreateTempSubdirectory("vitaltwin-device-ca-").FullName;
    private readonly X509Certificate2 _deviceCa = TestCertificates.Authority("CN=VitalTwin test device CA");
    private readonly X509Certificate2 _otherCa = TestCertificates.Authority("CN=Some other CA");
    private readonly X509Certificate2 _serverCertificate = TestCertificates.Server();
    private EmbeddedKafka _kafka = null!;
    private GatewayServer _gateway = null!;
    private ulong _sequence;

    private string DeviceCaPath => Path.Combine(_directory, "device-ca.pem");

    public async Task InitializeAsync()
    {
        File.WriteAllText(DeviceCaPath, _deviceCa.ExportCertificatePem());
        File.WriteAllBytes(Path.Combine(_directory, "server.pfx"), _serverCertificate.Export(X509ContentType.Pkcs12, "test"));
        _kafka = EmbeddedKafka.Start([], brokerCount: 1);
        _gateway = await StartAsync(DeviceCaPath);
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        _kafka.Dispose();
    }

    public void Dispose()
    {
        foreach (var certificate in new[] { _deviceCa, _otherCa, _serverCertificate })
        {
            certificate.Dispose();
        }
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task A_certificate_from_the_device_ca_authenticates_its_registered_device_on_both_methods_without_a_key()
    {
        await _gateway.RegisterAsync(DeviceA, PatientA);
        using var certificate = TestCertificates.Issue(_deviceCa, DeviceA);
        using var channel = MutualTlsChannel(certificate);
        var ingestion = new VitalSignIngestion.VitalSignIngestionClient(channel);
        var first = Reading(DeviceA, PatientA);
        var second = Reading(DeviceA, PatientA);
        var ofB = Reading("monitor-b", "patient-b");

        var unary = await ingestion.IngestAsync(Batch(first, ofB));
        using var call = ingestion.IngestStream();
        await call.RequestStream.WriteAsync(Batch(second));
        await call.RequestStream.CompleteAsync();
        var streamed = await call.ResponseAsync;

        Assert.Equal((1u, 1u), (unary.Accepted, unary.Rejected));
        Assert.Equal(RejectionReason.DeviceMismatch, Assert.Single(unary.Rejections).Reason);
        Assert.Equal((1u, 0u), (streamed.Accepted, streamed.Rejected));
        Assert.Equal([first.SequenceNumber, second.SequenceNumber], Telemetry().Select(r => r.Reading.SequenceNumber));
        Assert.Empty(_gateway.ReadAll(_topics.TelemetryRejected));
    }

    public static TheoryData<string> Refused => ["from another CA", "self-signed", "of an unregistered device", "of a revoked device", "for servers only"];

    [Theory]
    [MemberData(nameof(Refused))]
    public async Task A_certificate_that_proves_no_allowed_device_is_unauthenticated_and_nothing_of_the_call_reaches_kafka(string kind)
    {
        var credential = await _gateway.RegisterAsync(DeviceA, PatientA);
        using var selfSignedKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var certificate = kind switch
        {
            "from another CA" => TestCertificates.Issue(_otherCa, DeviceA),
            "self-signed" => TestCertificates.Exportable(TestCertificates.Request(DeviceA, selfSignedKey).CreateSelfSigned(TestCertificates.ValidFrom, TestCertificates.ValidUntil)),
            "of an unregistered device" => TestCertificates.Issue(_deviceCa, "monitor-unregistered"),
            "for servers only" => TestCertificates.Issue(_deviceCa, DeviceA, usage: "1.3.6.1.5.5.7.3.1"),
            _ => TestCertificates.Issue(_deviceCa, DeviceA),
        };
        if (kind == "of a revoked device")
        {
            await _gateway.RevokeAsync(DeviceA);
        }
        using var channel = MutualTlsChannel(certificate);
        var ingestion = new VitalSignIngestion.VitalSignIngestionClient(channel);
        var device = kind == "of an unregistered device" ? "monitor-unregistered" : DeviceA;

        var unary = await Assert.ThrowsAsync<RpcException>(() => ingestion.IngestAsync(Batch(Reading(device, PatientA))).ResponseAsync);
        using var call = ingestion.IngestStream();
        try
        {
            await call.RequestStream.WriteAsync(Batch(Reading(device, PatientA)));
            await call.RequestStream.CompleteAsync();
        }
        catch (RpcException)
        {
            // Refused already; the status follows.
        }
        var stream = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync);

        Assert.Equal((StatusCode.Unauthenticated, StatusCode.Unauthenticated), (unary.StatusCode, stream.StatusCode));
        Assert.Empty(Telemetry());
        Assert.Empty(_gateway.ReadAll(_topics.TelemetryRejected));
        if (kind != "of a revoked device")
        {
            // The same device, with its key, on the same TLS endpoint: the Gateway was able to take the reading.
            var ack = await ingestion.IngestAsync(Batch(Reading(DeviceA, PatientA)), GatewayServer.Device(credential));
            Assert.Equal(1u, ack.Accepted);
        }
    }

    [Fact]
    public async Task A_certificate_under_an_intermediate_ca_not_configured_is_refused_without_fetching_the_intermediate_from_the_address_it_names()
    {
        await _gateway.RegisterAsync(DeviceA, PatientA);
        using var wardCa = TestCertificates.Authority("CN=VitalTwin test ward CA", _deviceCa);
        await using var publication = await IssuerPublication.StartAsync(wardCa);
        // The certificate names where its issuer can be fetched (AIA), and the issuer, signed by the device CA, is there.
        using var certificate = TestCertificates.Issue(wardCa, DeviceA, issuerAddress: publication.Address);
        using var channel = MutualTlsChannel(certificate);

        var refused = await Assert.ThrowsAsync<RpcException>(() => new VitalSignIngestion.VitalSignIngestionClient(channel).IngestAsync(Batch(Reading(DeviceA, PatientA))).ResponseAsync);

        Assert.Equal(StatusCode.Unauthenticated, refused.StatusCode);
        Assert.Equal(0, publication.Requests);
        Assert.Empty(Telemetry());
    }

    [Fact]
    public async Task A_certificate_under_an_intermediate_ca_configured_beside_its_root_authenticates_its_device()
    {
        using var wardCa = TestCertificates.Authority("CN=VitalTwin test ward CA", _deviceCa);
        var caPath = Path.Combine(_directory, "device-and-ward-ca.pem");
        File.WriteAllText(caPath, _deviceCa.ExportCertificatePem() + "\n" + wardCa.ExportCertificatePem());
        await using var gateway = await StartAsync(caPath, GatewayServer.NewTopics());
        await gateway.RegisterAsync(DeviceA, PatientA);
        using var certificate = TestCertificates.Issue(wardCa, DeviceA);
        using var channel = MutualTlsChannel(certificate, gateway);

        var ack = await new VitalSignIngestion.VitalSignIngestionClient(channel).IngestAsync(Batch(Reading(DeviceA, PatientA)));

        Assert.Equal((1u, 0u), (ack.Accepted, ack.Rejected));
    }

    [Fact]
    public async Task A_revoked_device_gets_in_again_with_its_certificate_once_registered_again()
    {
        await _gateway.RegisterAsync(DeviceA, PatientA);
        await _gateway.RevokeAsync(DeviceA);
        using var certificate = TestCertificates.Issue(_deviceCa, DeviceA);
        using var channel = MutualTlsChannel(certificate);
        var ingestion = new VitalSignIngestion.VitalSignIngestionClient(channel);
        var refused = await Assert.ThrowsAsync<RpcException>(() => ingestion.IngestAsync(Batch(Reading(DeviceA, PatientA))).ResponseAsync);

        await _gateway.RegisterAsync(DeviceA, PatientA);
        var ack = await ingestion.IngestAsync(Batch(Reading(DeviceA, PatientA)));

        Assert.Equal(StatusCode.Unauthenticated, refused.StatusCode);
        Assert.Equal((1u, 0u), (ack.Accepted, ack.Rejected));
    }

    [Theory]
    [InlineData("missing file")]
    [InlineData("not PEM")]
    [InlineData("a device certificate, not a CA")]
    public async Task A_device_CA_setting_that_cannot_be_trusted_stops_the_gateway_at_start(string kind)
    {
        var path = Path.Combine(_directory, "bad-ca.pem");
        using var leaf = TestCertificates.Issue(_deviceCa, DeviceA);
        switch (kind)
        {
            case "not PEM": File.WriteAllText(path, "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n"); break;
            case "a device certificate, not a CA": File.WriteAllText(path, leaf.ExportCertificatePem()); break;
        }

        var failure = await Assert.ThrowsAsync<OptionsValidationException>(() => StartAsync(path, new KafkaTopics
        {
            Telemetry = $"unused-{Guid.NewGuid():N}",
            TelemetryRejected = $"unused-{Guid.NewGuid():N}",
            Devices = $"unused-{Guid.NewGuid():N}",
        }));

        Assert.Contains("ClientCaPath", failure.Message);
    }

    private Task<GatewayServer> StartAsync(string caPath, KafkaTopics? topics = null) => GatewayServer.StartAsync(
        _kafka,
        topics ?? _topics,
        _clock,
        new Dictionary<string, string?> { ["DeviceAuthentication:ClientCaPath"] = caPath },
        new Dictionary<string, string?>
        {
            ["Kestrel:Endpoints:Devices:Url"] = "https://127.0.0.1:0",
            ["Kestrel:Endpoints:Devices:Protocols"] = "Http2",
            ["Kestrel:Endpoints:Devices:Certificate:Path"] = Path.Combine(_directory, "server.pfx"),
            ["Kestrel:Endpoints:Devices:Certificate:Password"] = "test",
        });

    /// <summary>A channel to <paramref name="gateway"/> (the class's by default) presenting <paramref name="clientCertificate"/>.</summary>
    private GrpcChannel MutualTlsChannel(X509Certificate2 clientCertificate, GatewayServer? gateway = null)
    {
        var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                // Offered whatever CA names the server lists (or none). Built offline: the client fetches no issuer either.
                ClientCertificateContext = SslStreamCertificateContext.Create(clientCertificate, additionalCertificates: null, offline: true),
                RemoteCertificateValidationCallback = (_, certificate, _, _) => certificate is not null && certificate.GetCertHashString() == _serverCertificate.Thumbprint,
            },
        };
        var address = (gateway ?? _gateway).Addresses.Single(a => a.StartsWith("https://", StringComparison.Ordinal));
        return GrpcChannel.ForAddress(address, new GrpcChannelOptions { HttpHandler = handler, DisposeHttpClient = true });
    }

    private VitalSignReading Reading(string device, string patient)
    {
        var reading = Readings.HeartRate(72, Readings.Now.AddSeconds(-1));
        reading.DeviceId = device;
        reading.PatientId = patient;
        reading.SequenceNumber = ++_sequence;
        return reading;
    }

    private static VitalSignBatch Batch(params VitalSignReading[] readings) => new() { Readings = { readings } };

    private List<VitalSignsRecorded> Telemetry() =>
        _gateway.ReadAll(_topics.Telemetry).Select(r => VitalSignsRecorded.Parser.ParseFrom(r.Message.Value)).ToList();

    /// <summary>An issuer certificate served over HTTP on a free loopback port, as a CA publishes it for AIA, counting the requests for it.</summary>
    private sealed class IssuerPublication : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private int _requests;

        private IssuerPublication(WebApplication app) => _app = app;

        public Uri Address { get; private set; } = null!;

        public int Requests => Volatile.Read(ref _requests);

        public static async Task<IssuerPublication> StartAsync(X509Certificate2 issuer)
        {
            var builder = WebApplication.CreateSlimBuilder();
            // Not the Gateway's appsettings.json beside the tests, with its endpoints: one loopback port of its own.
            builder.Configuration.Sources.Clear();
            builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(System.Net.IPAddress.Loopback, 0));
            builder.Logging.ClearProviders();
            var publication = new IssuerPublication(builder.Build());
            publication._app.Use((context, next) =>
            {
                Interlocked.Increment(ref publication._requests);
                return next(context);
            });
            publication._app.MapGet("/ward-ca.cer", () => Results.Bytes(issuer.RawData, "application/pkix-cert"));
            await publication._app.StartAsync();
            var address = publication._app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
            publication.Address = new Uri(new Uri(address), "/ward-ca.cer");
            return publication;
        }

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}
