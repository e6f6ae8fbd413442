using System.Net;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using Grpc.Health.V1;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using VitalTwin.ServiceDefaults.Routing;

namespace VitalTwin.TwinState.Tests;

/// <summary>
/// A relay to another replica over TLS, as in a cluster: the replica is reached at its IP (here loopback), its
/// certificate is issued by the release's CA for the Service's name, and the relay trusts that CA and checks that name.
/// The certificates are made here, by a throw-away CA.
/// </summary>
public sealed class RelayChannelsTests : IDisposable
{
    private const string ServiceName = "vitaltwin-twin-state";

    private readonly DirectoryInfo _files = Directory.CreateTempSubdirectory("vitaltwin-relay-tls-");
    private readonly X509Certificate2 _ca = CreateCa("CN=release-ca");
    private readonly X509Certificate2 _otherCa = CreateCa("CN=other-ca");

    [Fact]
    public async Task A_relay_reaches_a_replica_at_its_ip_address_trusting_the_peer_ca_for_the_peer_server_name()
    {
        await using var replica = await StartReplicaAsync(ServiceName);
        using var channels = new RelayChannels(Options(ServiceName, WritePem("ca.crt", _ca)));

        await new Grpc.Health.V1.Health.HealthClient(channels.For(replica.Address).CreateCallInvoker()).CheckAsync(new HealthCheckRequest(), deadline: Deadline());
        var seen = await replica.FirstRequest.WaitAsync(TwinStateServer.Patience);

        Assert.True(seen.IsHttps, "The relay reached the replica without TLS.");
        Assert.Equal($"{ServiceName}:{new Uri(replica.Address).Port}", seen.Authority);
    }

    [Fact]
    public async Task Without_the_peer_server_name_the_ip_address_the_certificate_does_not_name_is_refused()
    {
        await using var replica = await StartReplicaAsync(ServiceName);
        using var channels = new RelayChannels(Options(serverName: null, WritePem("ca.crt", _ca)));

        var handshake = await RefusedHandshakeAsync(channels, replica.Address);

        Assert.Contains("RemoteCertificateNameMismatch", handshake.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_replica_whose_certificate_names_another_service_is_refused()
    {
        await using var replica = await StartReplicaAsync("vitaltwin-notification");
        using var channels = new RelayChannels(Options(ServiceName, WritePem("ca.crt", _ca)));

        var handshake = await RefusedHandshakeAsync(channels, replica.Address);

        Assert.Contains("RemoteCertificateNameMismatch", handshake.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_replica_whose_certificate_another_ca_issued_is_refused()
    {
        await using var replica = await StartReplicaAsync(ServiceName);
        using var channels = new RelayChannels(Options(ServiceName, WritePem("other-ca.crt", _otherCa)));

        var handshake = await RefusedHandshakeAsync(channels, replica.Address);

        Assert.Contains("errors in the certificate chain", handshake.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Peer_settings_that_cannot_work_are_refused_at_start()
    {
        using var leaf = Issue(_ca, ServiceName);
        var validator = new RoutingOptions.Validator();

        string Failure(RoutingOptions options) => string.Join("; ", validator.Validate(null, options).Failures ?? []);

        Assert.True(validator.Validate(null, new RoutingOptions { PeerServerName = ServiceName, PeerCaPath = WritePem("ca.crt", _ca) }).Succeeded);
        Assert.Contains("PeerCaPath holds a certificate that is not a CA", Failure(new RoutingOptions { PeerCaPath = WritePem("leaf.crt", leaf) }), StringComparison.Ordinal);
        Assert.Contains("PeerCaPath names no file", Failure(new RoutingOptions { PeerCaPath = Path.Combine(_files.FullName, "absent.crt") }), StringComparison.Ordinal);
        Assert.Contains("PeerServerName must be a DNS name", Failure(new RoutingOptions { PeerServerName = "https://twin-state" }), StringComparison.Ordinal);
        Assert.Contains("AdvertisedAddress must be an absolute URI", Failure(new RoutingOptions { AdvertisedAddress = "10.0.0.7:8080" }), StringComparison.Ordinal);
    }

    private static async Task<AuthenticationException> RefusedHandshakeAsync(RelayChannels channels, string address)
    {
        var refused = await Assert.ThrowsAsync<RpcException>(() =>
            new Grpc.Health.V1.Health.HealthClient(channels.For(address).CreateCallInvoker()).CheckAsync(new HealthCheckRequest(), deadline: Deadline()).ResponseAsync);
        return Assert.IsType<AuthenticationException>(Assert.IsType<HttpRequestException>(refused.Status.DebugException).InnerException);
    }

    /// <summary>A replica's gRPC endpoint over TLS on loopback, with a certificate for <paramref name="serverName"/> alone.</summary>
    private async Task<Replica> StartReplicaAsync(string serverName)
    {
        var certificate = Issue(_ca, serverName);
        // Rooted in the test's own directory: the service's appsettings.json beside the tests names fixed ports.
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = _files.FullName, EnvironmentName = "Production" });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen =>
        {
            listen.Protocols = HttpProtocols.Http2;
            listen.UseHttps(certificate);
        }));
        builder.Services.AddGrpc();
        builder.Services.AddGrpcHealthChecks();
        var app = builder.Build();
        var firstRequest = new TaskCompletionSource<SeenRequest>(TaskCreationOptions.RunContinuationsAsynchronously);
        app.Use((context, next) =>
        {
            firstRequest.TrySetResult(new SeenRequest(context.Request.IsHttps, context.Request.Host.Value ?? ""));
            return next(context);
        });
        app.MapGrpcHealthChecksService();
        await app.StartAsync();
        return new Replica(app, certificate, firstRequest.Task);
    }

    private static IOptions<RoutingOptions> Options(string? serverName, string caPath) =>
        Microsoft.Extensions.Options.Options.Create(new RoutingOptions { PeerServerName = serverName, PeerCaPath = caPath });

    private string WritePem(string name, X509Certificate2 certificate)
    {
        var path = Path.Combine(_files.FullName, name);
        File.WriteAllText(path, certificate.ExportCertificatePem());
        return path;
    }

    private static X509Certificate2 CreateCa(string subject)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: false, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, critical: true));
        var now = DateTimeOffset.UtcNow;
        return request.CreateSelfSigned(now.AddMinutes(-5), now.AddHours(1));
    }

    /// <summary>A server certificate for <paramref name="serverName"/> (no IP address), with its key.</summary>
    private static X509Certificate2 Issue(X509Certificate2 ca, string serverName)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={serverName}", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(serverName);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: false, hasPathLengthConstraint: false, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        var now = DateTimeOffset.UtcNow;
        using var issued = request.Create(ca, now.AddMinutes(-4), now.AddMinutes(50), RandomNumberGenerator.GetBytes(8));
        using var withKey = issued.CopyWithPrivateKey(key);
        // A key that lives only in memory cannot serve TLS on Linux once exported and re-read: PKCS#12 round trip.
        return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), password: null);
    }

    private static DateTime Deadline() => DateTime.UtcNow.Add(TwinStateServer.Patience);

    public void Dispose()
    {
        _ca.Dispose();
        _otherCa.Dispose();
        _files.Delete(recursive: true);
    }

    /// <summary>What the replica saw of a call: whether it came over TLS, and the name it was addressed to.</summary>
    private sealed record SeenRequest(bool IsHttps, string Authority);

    private sealed class Replica(WebApplication app, X509Certificate2 certificate, Task<SeenRequest> firstRequest) : IAsyncDisposable
    {
        public Task<SeenRequest> FirstRequest => firstRequest;

        /// <summary>The replica's address as another would advertise it: by IP, as a pod's.</summary>
        public string Address { get; } = app.Urls.Single().TrimEnd('/');

        public async ValueTask DisposeAsync()
        {
            await app.DisposeAsync();
            certificate.Dispose();
        }
    }
}
