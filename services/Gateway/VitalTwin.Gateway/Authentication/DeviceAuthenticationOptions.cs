using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Options;

namespace VitalTwin.Gateway.Authentication;

/// <summary>
/// How devices prove who they are, bound from <c>Gateway:DeviceAuthentication</c>. Every device can use the key
/// RegisterDevice issued; devices with a client certificate can use mutual TLS once a device CA is configured.
/// </summary>
internal sealed class DeviceAuthenticationOptions
{
    public const string SectionName = "Gateway:DeviceAuthentication";

    /// <summary>
    /// PEM file of the CA certificate(s) that issue device certificates; unset, no certificate is accepted. A
    /// certificate chained to one of them authenticates the device named by its subject common name (CN), on
    /// an HTTPS endpoint (client certificates are then requested on every HTTPS endpoint of the Gateway).
    /// </summary>
    public string? ClientCaPath { get; set; }

    /// <summary>The CA certificates of <see cref="ClientCaPath"/>; throws what <see cref="Validator"/> reports at start.</summary>
    public X509Certificate2Collection LoadClientCas()
    {
        var cas = new X509Certificate2Collection();
        if (ClientCaPath is not null)
        {
            cas.ImportFromPemFile(ClientCaPath);
        }
        return cas;
    }

    internal sealed class Validator : IValidateOptions<DeviceAuthenticationOptions>
    {
        public ValidateOptionsResult Validate(string? name, DeviceAuthenticationOptions options)
        {
            if (options.ClientCaPath is null)
            {
                return ValidateOptionsResult.Success;
            }
            if (!File.Exists(options.ClientCaPath))
            {
                return ValidateOptionsResult.Fail($"{SectionName}:{nameof(ClientCaPath)} names no file");
            }
            X509Certificate2Collection cas;
            try
            {
                cas = options.LoadClientCas();
            }
            catch (CryptographicException)
            {
                return ValidateOptionsResult.Fail($"{SectionName}:{nameof(ClientCaPath)} is not a PEM file of certificates");
            }
            if (cas.Count == 0)
            {
                return ValidateOptionsResult.Fail($"{SectionName}:{nameof(ClientCaPath)} holds no certificate");
            }
            // A leaf certificate trusted as a root would let anyone it was given to sign devices in.
            if (cas.Any(ca => ca.Extensions.OfType<X509BasicConstraintsExtension>().SingleOrDefault() is not { CertificateAuthority: true }))
            {
                return ValidateOptionsResult.Fail($"{SectionName}:{nameof(ClientCaPath)} holds a certificate that is not a CA");
            }
            return ValidateOptionsResult.Success;
        }
    }
}
