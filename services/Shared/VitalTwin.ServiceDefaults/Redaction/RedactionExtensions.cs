using Microsoft.Extensions.Compliance.Redaction;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using VitalTwin.Privacy;

namespace VitalTwin.ServiceDefaults.Redaction;

public static class RedactionExtensions
{
    /// <summary>
    /// Redacts every <c>[LoggerMessage]</c> parameter classified with <see cref="VitalTwinTaxonomy"/> before any log
    /// provider (console, OTLP) sees it: erased, or an HMAC token where <c>Redaction:HmacKey</c> is configured.
    /// </summary>
    public static TBuilder AddLogRedaction<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<RedactionOptions>().BindConfiguration(RedactionOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        var options = builder.Configuration.GetSection(RedactionOptions.SectionName).Get<RedactionOptions>() ?? new RedactionOptions();
        builder.Services.AddRedaction(redaction =>
        {
            // Anything classified that no redactor below names is erased too: never shown by default.
            redaction.SetFallbackRedactor<ErasingRedactor>();
            // An empty key (an optional secret left unset in a deployment) means no key, not a malformed one.
            if (options.HmacKey is { Length: > 0 } key)
            {
                redaction.SetHmacRedactor(
                    hmac =>
                    {
                        hmac.Key = key;
                        hmac.KeyId = options.HmacKeyId;
                    },
                    [.. VitalTwinTaxonomy.All]);
            }
            else
            {
                redaction.SetRedactor<ErasingRedactor>([.. VitalTwinTaxonomy.All]);
            }
        });
        // Without the discriminator a patient's token is the same whatever a message calls the parameter, so one
        // patient's lines match across messages and services.
        builder.Logging.EnableRedaction(logging => logging.ApplyDiscriminator = false);
        return builder;
    }
}
