using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace VitalTwin.ContainerSmoke;

/// <summary>
/// A certificate authority that lives for one run, and the services' server certificate it issued for 127.0.0.1 and
/// localhost, written as PEM files into <see cref="Directory"/> for Kestrel (<c>Certificate:Path</c>/<c>KeyPath</c>).
/// Clients trust <see cref="Authority"/> alone, never the machine's store.
/// </summary>
internal sealed class ThrowawayCa : IDisposable
{
    public const string CertificateFile = "server.crt";
    public const string KeyFile = "server.key";

    private ThrowawayCa(X509Certificate2 authority, string directory)
    {
        Authority = authority;
        Directory = directory;
    }

    public X509Certificate2 Authority { get; }

    public string Directory { get; }

    public static ThrowawayCa Create(string directory, TimeProvider clock)
    {
        var now = clock.GetUtcNow();
        using var authorityKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var authorityRequest = new CertificateRequest("CN=VitalTwin throw-away CA", authorityKey, HashAlgorithmName.SHA256);
        authorityRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        authorityRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        authorityRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(authorityRequest.PublicKey, false));
        // A little in the past: a container's clock is the host's, but a certificate valid from "now" is easily early.
        var authority = authorityRequest.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(1));

        using var serverKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var serverRequest = new CertificateRequest("CN=localhost", serverKey, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        serverRequest.CertificateExtensions.Add(names.Build());
        serverRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        serverRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        serverRequest.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        serverRequest.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(authority, true, false));
        using var server = serverRequest.Create(authority, now.AddMinutes(-5), now.AddDays(1), RandomNumberGenerator.GetBytes(16));

        File.WriteAllText(Path.Combine(directory, CertificateFile), server.ExportCertificatePem());
        var keyPath = Path.Combine(directory, KeyFile);
        File.WriteAllText(keyPath, serverKey.ExportPkcs8PrivateKeyPem());
        if (!OperatingSystem.IsWindows())
        {
            // The owner alone: podman hands the folder to the containers' user (the :U mount option).
            File.SetUnixFileMode(keyPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        return new ThrowawayCa(authority, directory);
    }

    /// <summary>A handler for gRPC over HTTPS that accepts a server certificate only if it chains to <see cref="Authority"/>.</summary>
    public SocketsHttpHandler TrustingHandler()
    {
        var policy = new X509ChainPolicy
        {
            TrustMode = X509ChainTrustMode.CustomRootTrust,
            // A throw-away CA publishes no revocation list.
            RevocationMode = X509RevocationMode.NoCheck,
        };
        policy.CustomTrustStore.Add(Authority);
        return new SocketsHttpHandler
        {
            SslOptions = new System.Net.Security.SslClientAuthenticationOptions { CertificateChainPolicy = policy },
            EnableMultipleHttp2Connections = true,
        };
    }

    public void Dispose() => Authority.Dispose();
}
