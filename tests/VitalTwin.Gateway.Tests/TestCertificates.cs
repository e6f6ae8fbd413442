using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace VitalTwin.Gateway.Tests;

/// <summary>
/// Certificates for the TLS tests of every door: CAs (a root, or an intermediate under one), the certificates they issue
/// to devices and sending systems, and the Gateway's own server certificate; valid around <see cref="Readings.Now"/>
/// and the real clock alike, since the TLS stack reads the real one.
/// </summary>
internal static class TestCertificates
{
    public const string ClientAuthentication = "1.3.6.1.5.5.7.3.2";
    public const string ServerAuthentication = "1.3.6.1.5.5.7.3.1";

    public static readonly DateTimeOffset ValidFrom = Readings.Now.AddDays(-1);

    public static readonly DateTimeOffset ValidUntil = DateTimeOffset.UtcNow.AddDays(30);

    /// <summary>A CA: self-signed, or under <paramref name="root"/> as a hospital may issue from an intermediate.</summary>
    public static X509Certificate2 Authority(string subject, X509Certificate2? root = null)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        if (root is null)
        {
            return Exportable(request.CreateSelfSigned(ValidFrom.AddDays(-1), ValidUntil.AddDays(1)));
        }
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(root, includeKeyIdentifier: true, includeIssuerAndSerial: false));
        using var issued = request.Create(root, ValidFrom, ValidUntil, RandomNumberGenerator.GetBytes(16));
        return Exportable(issued.CopyWithPrivateKey(key));
    }

    /// <summary>A leaf request for <paramref name="commonName"/> with <paramref name="usage"/>, to issue or to self-sign.</summary>
    public static CertificateRequest Request(string commonName, ECDsa key, string usage = ClientAuthentication)
    {
        var request = new CertificateRequest($"CN={commonName}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(usage)], false));
        return request;
    }

    /// <summary>A certificate <paramref name="ca"/> issues to <paramref name="commonName"/> (a device, a sending system); <paramref name="issuerAddress"/> becomes its AIA address.</summary>
    public static X509Certificate2 Issue(X509Certificate2 ca, string commonName, string usage = ClientAuthentication, Uri? issuerAddress = null)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = Request(commonName, key, usage);
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, includeKeyIdentifier: true, includeIssuerAndSerial: false));
        if (issuerAddress is not null)
        {
            request.CertificateExtensions.Add(new X509AuthorityInformationAccessExtension(ocspUris: null, caIssuersUris: [issuerAddress.ToString()]));
        }
        using var issued = request.Create(ca, ValidFrom, ValidUntil, RandomNumberGenerator.GetBytes(16));
        return Exportable(issued.CopyWithPrivateKey(key));
    }

    /// <summary>The Gateway's self-signed server certificate for loopback (clients in the tests do not verify it).</summary>
    public static X509Certificate2 Server()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(ServerAuthentication)], false));
        return Exportable(request.CreateSelfSigned(ValidFrom, ValidUntil));
    }

    /// <summary>Writes the certificate and its private key as PEM files into <paramref name="directory"/>, for outside clients (socat, mosquitto).</summary>
    public static (string Certificate, string Key) WritePem(X509Certificate2 certificate, string directory)
    {
        var name = Guid.NewGuid().ToString("N");
        var files = (Certificate: Path.Combine(directory, $"{name}.pem"), Key: Path.Combine(directory, $"{name}.key"));
        File.WriteAllText(files.Certificate, certificate.ExportCertificatePem());
        using var key = certificate.GetECDsaPrivateKey() ?? throw new InvalidOperationException("the certificate has no EC private key");
        File.WriteAllText(files.Key, key.ExportPkcs8PrivateKeyPem());
        return files;
    }

    // TLS on Linux wants a certificate whose key it can hand to OpenSSL: a PKCS#12 round trip gives one.
    public static X509Certificate2 Exportable(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        using (certificate)
        {
            return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), password: null, X509KeyStorageFlags.Exportable);
        }
    }
}
