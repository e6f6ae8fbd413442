using Confluent.Kafka;

namespace VitalTwin.Kafka.Security;

/// <summary>
/// How every Kafka client of the process authenticates and encrypts, bound from <c>Kafka:Security</c> and passed
/// through to librdkafka. The default is plaintext, which suits the embedded cluster on loopback only.
/// </summary>
public sealed class KafkaSecurityOptions
{
    /// <summary><c>Plaintext</c>, <c>Ssl</c>, <c>SaslPlaintext</c> or <c>SaslSsl</c>.</summary>
    public SecurityProtocol Protocol { get; set; } = SecurityProtocol.Plaintext;

    /// <summary><c>Plain</c>, <c>ScramSha256</c>, <c>ScramSha512</c> or <c>OAuthBearer</c> (OIDC client credentials); SASL protocols only.</summary>
    public SaslMechanism? SaslMechanism { get; set; }

    public string? SaslUsername { get; set; }

    /// <summary>A secret: give it from a secret store or an environment variable, never from a checked-in file.</summary>
    public string? SaslPassword { get; set; }

    /// <summary>The identity provider's token endpoint, for <c>OAuthBearer</c>.</summary>
    public Uri? OAuthBearerTokenEndpoint { get; set; }

    public string? OAuthBearerClientId { get; set; }

    /// <summary>A secret, as <see cref="SaslPassword"/>.</summary>
    public string? OAuthBearerClientSecret { get; set; }

    public string? OAuthBearerScope { get; set; }

    /// <summary>File of the CA certificates that signed the brokers' certificates; unset, the system's trust store.</summary>
    public string? CaLocation { get; set; }

    /// <summary>The same CA certificates as PEM text (e.g. from a Kubernetes secret); instead of <see cref="CaLocation"/>.</summary>
    public string? CaPem { get; set; }

    /// <summary>Client certificate file (PEM), for brokers that require mutual TLS; with <see cref="KeyLocation"/>.</summary>
    public string? CertificateLocation { get; set; }

    /// <summary>Private key file (PEM) of <see cref="CertificateLocation"/>.</summary>
    public string? KeyLocation { get; set; }

    /// <summary>A secret: the password of an encrypted <see cref="KeyLocation"/>.</summary>
    public string? KeyPassword { get; set; }

    /// <summary>
    /// Whether the broker's certificate must name the host the client connected to. Turn off only where brokers are
    /// reached by addresses their certificates do not carry; the certificate chain is still verified.
    /// </summary>
    public bool EndpointIdentification { get; set; } = true;

    internal bool UsesTls => Protocol is SecurityProtocol.Ssl or SecurityProtocol.SaslSsl;

    internal bool UsesSasl => Protocol is SecurityProtocol.SaslPlaintext or SecurityProtocol.SaslSsl;
}
