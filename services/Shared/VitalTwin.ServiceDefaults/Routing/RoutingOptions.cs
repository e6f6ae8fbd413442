using System.ComponentModel.DataAnnotations;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Options;

namespace VitalTwin.ServiceDefaults.Routing;

/// <summary>How this instance tells the others where it answers for the partitions it holds (<c>Routing</c>).</summary>
public sealed class RoutingOptions
{
    public const string SectionName = "Routing";

    /// <summary>
    /// The gRPC base address other replicas reach this one at. Empty: the address Kestrel bound its <c>Grpc</c>
    /// endpoint to, with a wildcard host replaced by <c>POD_IP</c> (set from the pod's status in Kubernetes).
    /// </summary>
    public string? AdvertisedAddress { get; set; }

    /// <summary>How long a forwarded call may take before the caller is told to retry.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00")]
    public TimeSpan ForwardTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The name the replicas' TLS certificates carry (e.g. the Service's DNS name), checked on a relay over https
    /// instead of the advertised address's host: a pod IP, which no certificate names. Empty checks that host.
    /// </summary>
    public string? PeerServerName { get; set; }

    /// <summary>
    /// PEM file of the CA certificate(s) that issue the replicas' certificates, trusted for relays alone besides the
    /// system store. Empty trusts the system store only.
    /// </summary>
    public string? PeerCaPath { get; set; }

    /// <summary>The CA certificates of <see cref="PeerCaPath"/>; empty when it is unset.</summary>
    public X509Certificate2Collection LoadPeerCas()
    {
        var cas = new X509Certificate2Collection();
        if (!string.IsNullOrEmpty(PeerCaPath))
        {
            cas.ImportFromPemFile(PeerCaPath);
        }
        return cas;
    }

    public sealed class Validator : IValidateOptions<RoutingOptions>
    {
        public ValidateOptionsResult Validate(string? name, RoutingOptions options)
        {
            var failures = new List<string>();
            if (!string.IsNullOrEmpty(options.AdvertisedAddress) && !Uri.TryCreate(options.AdvertisedAddress, UriKind.Absolute, out _))
            {
                failures.Add($"{SectionName}:{nameof(AdvertisedAddress)} must be an absolute URI, e.g. https://10.0.0.7:5001");
            }
            if (!string.IsNullOrEmpty(options.PeerServerName) && Uri.CheckHostName(options.PeerServerName) != UriHostNameType.Dns)
            {
                failures.Add($"{SectionName}:{nameof(PeerServerName)} must be a DNS name");
            }
            if (!string.IsNullOrEmpty(options.PeerCaPath) && CheckCas(options) is { } failure)
            {
                failures.Add(failure);
            }
            return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
        }

        private static string? CheckCas(RoutingOptions options)
        {
            if (!File.Exists(options.PeerCaPath))
            {
                return $"{SectionName}:{nameof(PeerCaPath)} names no file";
            }
            X509Certificate2Collection cas;
            try
            {
                cas = options.LoadPeerCas();
            }
            catch (CryptographicException)
            {
                return $"{SectionName}:{nameof(PeerCaPath)} is not a PEM file of certificates";
            }
            if (cas.Count == 0)
            {
                return $"{SectionName}:{nameof(PeerCaPath)} holds no certificate";
            }
            return cas.Any(ca => ca.Extensions.OfType<X509BasicConstraintsExtension>().SingleOrDefault() is not { CertificateAuthority: true })
                ? $"{SectionName}:{nameof(PeerCaPath)} holds a certificate that is not a CA"
                : null;
        }
    }
}
