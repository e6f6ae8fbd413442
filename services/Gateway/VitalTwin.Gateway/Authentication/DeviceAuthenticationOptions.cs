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

    /// <summary>
    /// PEM file of the CA certificate(s) that issue the certificates of sending systems: an MQTT bridge of the
    /// hospital's broker, an HL7 v2 sender. A certificate chained to one of them authenticates the system named by
    /// its subject common name, which sends for the devices registered with that name as their <c>ingest_system</c>.
    /// Keep it apart from <see cref="ClientCaPath"/>: a device certificate must never pass for a system's.
    /// </summary>
    public string? SystemCaPath { get; set; }

    /// <summary>The CA certificates of <see cref="ClientCaPath"/>; throws what <see cref="Validator"/> reports at start.</summary>
    public X509Certificate2Collection LoadClientCas() => Load(ClientCaPath);

    /// <summary>The CA certificates of <see cref="SystemCaPath"/>.</summary>
    public X509Certificate2Collection LoadSystemCas() => Load(SystemCaPath);

    private static X509Certificate2Collection Load(string? path)
    {
        var cas = new X509Certificate2Collection();
        if (path is not null)
        {
            cas.ImportFromPemFile(path);
        }
        return cas;
    }

    internal sealed class Validator : IValidateOptions<DeviceAuthenticationOptions>
    {
        public ValidateOptionsResult Validate(string? name, DeviceAuthenticationOptions options)
        {
            var failures = new[] { Check(options.ClientCaPath, nameof(ClientCaPath)), Check(options.SystemCaPath, nameof(SystemCaPath)) }
                .OfType<string>()
                .ToList();
            return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
        }

        private static string? Check(string? path, string option)
        {
            if (path is null)
            {
                return null;
            }
            if (!File.Exists(path))
            {
                return $"{SectionName}:{option} names no file";
            }
            X509Certificate2Collection cas;
            try
            {
                cas = Load(path);
            }
            catch (CryptographicException)
            {
                return $"{SectionName}:{option} is not a PEM file of certificates";
            }
            if (cas.Count == 0)
            {
                return $"{SectionName}:{option} holds no certificate";
            }
            // A leaf certificate trusted as a root would let anyone it was given to sign devices in.
            return cas.Any(ca => ca.Extensions.OfType<X509BasicConstraintsExtension>().SingleOrDefault() is not { CertificateAuthority: true })
                ? $"{SectionName}:{option} holds a certificate that is not a CA"
                : null;
        }
    }
}
