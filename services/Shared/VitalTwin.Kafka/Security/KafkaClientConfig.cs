using Confluent.Kafka;

namespace VitalTwin.Kafka.Security;

/// <summary>
/// The one place a librdkafka client learns where the cluster is and how to reach it safely: every producer,
/// consumer and admin client VitalTwin builds goes through <see cref="Connect{TConfig}"/>.
/// </summary>
public static class KafkaClientConfig
{
    /// <summary>Sets the bootstrap servers and the security settings of <paramref name="kafka"/> on <paramref name="config"/>.</summary>
    public static TConfig Connect<TConfig>(this KafkaOptions kafka, TConfig config) where TConfig : ClientConfig
    {
        ArgumentNullException.ThrowIfNull(kafka);
        ArgumentNullException.ThrowIfNull(config);
        config.BootstrapServers = kafka.BootstrapServers;
        var security = kafka.Security;
        config.SecurityProtocol = security.Protocol;
        if (security.UsesSasl)
        {
            config.SaslMechanism = security.SaslMechanism;
            if (security.SaslMechanism == SaslMechanism.OAuthBearer)
            {
                config.SaslOauthbearerMethod = SaslOauthbearerMethod.Oidc;
                config.SaslOauthbearerTokenEndpointUrl = security.OAuthBearerTokenEndpoint?.ToString();
                config.SaslOauthbearerClientId = security.OAuthBearerClientId;
                config.SaslOauthbearerClientSecret = security.OAuthBearerClientSecret;
                config.SaslOauthbearerScope = security.OAuthBearerScope;
            }
            else
            {
                config.SaslUsername = security.SaslUsername;
                config.SaslPassword = security.SaslPassword;
            }
        }
        if (security.UsesTls)
        {
            config.SslCaLocation = security.CaLocation;
            config.SslCaPem = security.CaPem;
            config.SslCertificateLocation = security.CertificateLocation;
            config.SslKeyLocation = security.KeyLocation;
            config.SslKeyPassword = security.KeyPassword;
            config.SslEndpointIdentificationAlgorithm = security.EndpointIdentification
                ? SslEndpointIdentificationAlgorithm.Https
                : SslEndpointIdentificationAlgorithm.None;
        }
        return config;
    }
}
