using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using VitalTwin.ServiceDefaults;
using VitalTwin.TwinState.Extensions;

namespace VitalTwin.TwinState.Tests;

/// <summary>
/// A service serves gRPC over TLS with nothing but Kestrel's own endpoint configuration
/// (<c>Kestrel:Endpoints:&lt;name&gt;:Url</c> with <c>https</c> and <c>Certificate:Path/KeyPath</c>), the service
/// defaults included: a client that trusts the certificate is answered, one that does not is refused.
/// </summary>
public sealed class TlsEndpointTests(EmbeddedKafkaFixture cluster) : IClassFixture<EmbeddedKafkaFixture>, IDisposable
{
    private readonly DirectoryInfo _files = Directory.CreateTempSubdirectory("vitaltwin-tls-");

    [Fact]
    public async Task TwinState_serves_grpc_over_tls_from_kestrel_configuration_to_a_client_that_trusts_its_certificate_and_no_other()
    {
        using var certificate = SelfSignedServerCertificate();
        var (certificatePath, keyPath) = (Path.Combine(_files.FullName, "twinstate.crt"), Path.Combine(_files.FullName, "twinstate.key"));
        await File.WriteAllTextAsync(certificatePath, certificate.ExportCertificatePem());
        await File.WriteAllTextAsync(keyPath, certificate.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
        var address = new Uri($"https://127.0.0.1:{FreePort()}");
        await using var app = await StartAsync(new Dictionary<string, string?>
        {
            ["Kestrel:Endpoints:Grpc:Url"] = address.ToString(),
            ["Kestrel:Endpoints:Grpc:Protocols"] = "Http2",
            ["Kestrel:Endpoints:Grpc:Certificate:Path"] = certificatePath,
            ["Kestrel:Endpoints:Grpc:Certificate:KeyPath"] = keyPath,
            // The service's own appsettings.json names a fixed port for its plain HTTP endpoint.
            ["Kestrel:Endpoints:Http:Url"] = $"http://127.0.0.1:{FreePort()}",
        });

        using var trusting = GrpcChannel.ForAddress(address, new GrpcChannelOptions { HttpHandler = Trusting(certificate) });
        using var untrusting = GrpcChannel.ForAddress(address, new GrpcChannelOptions { HttpHandler = new SocketsHttpHandler() });
        var answer = await new Grpc.Health.V1.Health.HealthClient(trusting).CheckAsync(new HealthCheckRequest(), deadline: Deadline());
        var refused = await Assert.ThrowsAsync<RpcException>(() => new Grpc.Health.V1.Health.HealthClient(untrusting).CheckAsync(new HealthCheckRequest(), deadline: Deadline()).ResponseAsync);

        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, answer.Status);
        // Refused by the client's own certificate check, before any request reached the service.
        var handshake = Assert.IsType<AuthenticationException>(Assert.IsType<HttpRequestException>(refused.Status.DebugException).InnerException);
        Assert.Contains("UntrustedRoot", handshake.Message, StringComparison.Ordinal);
    }

    private async Task<WebApplication> StartAsync(Dictionary<string, string?> kestrel)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ApplicationName = "VitalTwin.TwinState.Tests", EnvironmentName = "Production" });
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(cluster.Settings(cluster.CreateTopics(), $"test-tls-{Guid.NewGuid():N}"));
        builder.Configuration.AddInMemoryCollection(kestrel);
        builder.AddServiceDefaults();
        builder.AddTwinState();
        var app = builder.Build();
        app.MapDefaultEndpoints();
        app.MapTwinState();
        await app.StartAsync();
        return app;
    }

    /// <summary>Trusts exactly <paramref name="certificate"/> as a root, as a client given the deployment's CA would.</summary>
    private static SocketsHttpHandler Trusting(X509Certificate2 certificate) => new()
    {
        SslOptions = new SslClientAuthenticationOptions
        {
            CertificateChainPolicy = new X509ChainPolicy
            {
                TrustMode = X509ChainTrustMode.CustomRootTrust,
                CustomTrustStore = { X509CertificateLoader.LoadCertificate(certificate.RawData) },
                RevocationMode = X509RevocationMode.NoCheck,
            },
        },
    };

    private static X509Certificate2 SelfSignedServerCertificate()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=twinstate.test", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: false, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        var now = DateTimeOffset.UtcNow;
        return request.CreateSelfSigned(now.AddMinutes(-5), now.AddHours(1));
    }

    private static DateTime Deadline() => DateTime.UtcNow.Add(TwinStateServer.Patience);

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public void Dispose() => _files.Delete(recursive: true);
}
