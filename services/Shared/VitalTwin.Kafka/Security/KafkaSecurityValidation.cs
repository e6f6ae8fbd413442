using Confluent.Kafka;
using Microsoft.Extensions.Options;

namespace VitalTwin.Kafka.Security;

/// <summary>
/// Refuses, at start, security settings librdkafka would only reject at the first connection, or silently ignore:
/// SASL without its credentials, TLS material on a plaintext connection, a certificate without its key. Messages name
/// settings, never their values.
/// </summary>
internal sealed class KafkaSecurityValidation : IValidateOptions<KafkaOptions>
{
    private const string Section = KafkaOptions.SectionName + ":" + nameof(KafkaOptions.Security);

    public ValidateOptionsResult Validate(string? name, KafkaOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var security = options.Security;
        var failures = new List<string>();
        if (security.UsesSasl)
        {
            ValidateSasl(security, failures);
        }
        else if (security.SaslMechanism is not null || Any(security.SaslUsername, security.SaslPassword, security.OAuthBearerClientId, security.OAuthBearerClientSecret))
        {
            failures.Add($"{Section}: SASL settings are given but {nameof(security.Protocol)} is {security.Protocol}; use SaslSsl (or SaslPlaintext).");
        }
        if (security.UsesTls)
        {
            ValidateTls(security, failures);
        }
        else if (Any(security.CaLocation, security.CaPem, security.CertificateLocation, security.KeyLocation, security.KeyPassword))
        {
            failures.Add($"{Section}: TLS settings are given but {nameof(security.Protocol)} is {security.Protocol}; use Ssl or SaslSsl.");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void ValidateSasl(KafkaSecurityOptions security, List<string> failures)
    {
        switch (security.SaslMechanism)
        {
            case null:
                failures.Add($"{Section}:{nameof(security.SaslMechanism)} is required with {security.Protocol}.");
                break;
            case SaslMechanism.Plain or SaslMechanism.ScramSha256 or SaslMechanism.ScramSha512:
                if (string.IsNullOrWhiteSpace(security.SaslUsername) || string.IsNullOrEmpty(security.SaslPassword))
                {
                    failures.Add($"{Section}: {security.SaslMechanism} needs {nameof(security.SaslUsername)} and {nameof(security.SaslPassword)}.");
                }
                break;
            case SaslMechanism.OAuthBearer:
                if (security.OAuthBearerTokenEndpoint is not { IsAbsoluteUri: true } endpoint || endpoint.Scheme != Uri.UriSchemeHttps
                    || string.IsNullOrWhiteSpace(security.OAuthBearerClientId) || string.IsNullOrEmpty(security.OAuthBearerClientSecret))
                {
                    failures.Add($"{Section}: OAuthBearer needs an https {nameof(security.OAuthBearerTokenEndpoint)}, {nameof(security.OAuthBearerClientId)} and {nameof(security.OAuthBearerClientSecret)}.");
                }
                break;
            default:
                // GSSAPI needs Kerberos libraries the client here is not built with.
                failures.Add($"{Section}:{nameof(security.SaslMechanism)} {security.SaslMechanism} is not supported; use Plain, ScramSha256, ScramSha512 or OAuthBearer.");
                break;
        }
    }

    private static void ValidateTls(KafkaSecurityOptions security, List<string> failures)
    {
        if (security.CaLocation is not null && security.CaPem is not null)
        {
            failures.Add($"{Section}: give {nameof(security.CaLocation)} or {nameof(security.CaPem)}, not both.");
        }
        if ((security.CertificateLocation is null) != (security.KeyLocation is null))
        {
            failures.Add($"{Section}: {nameof(security.CertificateLocation)} and {nameof(security.KeyLocation)} go together.");
        }
        foreach (var (setting, path) in new[]
                 {
                     (nameof(security.CaLocation), security.CaLocation),
                     (nameof(security.CertificateLocation), security.CertificateLocation),
                     (nameof(security.KeyLocation), security.KeyLocation),
                 })
        {
            if (path is not null && !File.Exists(path))
            {
                failures.Add($"{Section}:{setting}: no such file.");
            }
        }
    }

    private static bool Any(params string?[] values) => values.Any(v => !string.IsNullOrEmpty(v));
}
