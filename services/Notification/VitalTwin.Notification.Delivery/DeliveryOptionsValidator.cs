using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using VitalTwin.Contracts.Alerting.V1;

namespace VitalTwin.Notification.Delivery;

/// <summary>
/// What data annotations cannot say: each subscription on its own, names unique (they name consumer groups),
/// URLs absolute and never link-local or a cloud metadata service. Outside Development a subscriber also gets
/// https only and a signature with a strong secret: alerts name patients. Every failure names the entry (never the
/// secret), so a bad configuration is fixed from the start-up error alone.
/// </summary>
internal sealed class DeliveryOptionsValidator(IConfiguration configuration, IHostEnvironment environment) : IValidateOptions<DeliveryOptions>
{
    /// <summary>The least random a secret must carry outside Development, as the bytes its base64 text decodes to.</summary>
    public const int MinimumSecretBytes = 32;

    public ValidateOptionsResult Validate(string? name, DeliveryOptions options)
    {
        var failures = UnreadableEntries(options);
        if (!string.IsNullOrEmpty(options.Source) && (!Uri.TryCreate(options.Source, UriKind.RelativeOrAbsolute, out _) || !System.Text.Ascii.IsValid(options.Source)))
        {
            failures.Add($"{DeliveryOptions.SectionName}:Source '{options.Source}' is not a URI reference (CloudEvents requires one, in ASCII).");
        }
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < options.Webhooks.Count; i++)
        {
            var subscription = options.Webhooks[i];
            var entry = $"{DeliveryOptions.SectionName}:Webhooks:{i}{(string.IsNullOrEmpty(subscription.Name) ? string.Empty : $" ({subscription.Name})")}";
            var results = new List<ValidationResult>();
            Validator.TryValidateObject(subscription, new ValidationContext(subscription), results, validateAllProperties: true);
            failures.AddRange(results.Select(r => $"{entry}: {r.ErrorMessage}"));
            if (!string.IsNullOrEmpty(subscription.Name) && !names.Add(subscription.Name))
            {
                failures.Add($"{entry}: Name '{subscription.Name}' is used by another subscription (names are compared ignoring case).");
            }
            if (!string.IsNullOrEmpty(subscription.Url))
            {
                if (!(Uri.TryCreate(subscription.Url, UriKind.Absolute, out var url) && (url.Scheme == Uri.UriSchemeHttp || url.Scheme == Uri.UriSchemeHttps)))
                {
                    failures.Add($"{entry}: Url '{subscription.Url}' is not an absolute http or https URL.");
                }
                else if (WebhookTargets.IsRefused(url))
                {
                    failures.Add($"{entry}: Url '{subscription.Url}' points at a link-local address or a cloud metadata service.");
                }
                else if (url.Scheme != Uri.UriSchemeHttps && !environment.IsDevelopment())
                {
                    failures.Add($"{entry}: Url '{subscription.Url}' must be https outside Development.");
                }
            }
            if (!environment.IsDevelopment() && !IsStrongSecret(subscription.Secret))
            {
                failures.Add($"{entry}: Secret is required outside Development: base64 of at least {MinimumSecretBytes} random bytes (e.g. openssl rand -base64 32).");
            }
            if (subscription.MinPriority is AlertPriority.Unspecified)
            {
                failures.Add($"{entry}: MinPriority must be Low, Medium or High, or left out.");
            }
            if (!Enum.IsDefined(subscription.Format))
            {
                failures.Add($"{entry}: Format must be Json or FhirR4.");
            }
        }
        if (options.Fhir is { } fhir)
        {
            if (!Enum.IsDefined(fhir.PatientReference))
            {
                failures.Add($"{DeliveryOptions.SectionName}:Fhir: PatientReference must be Identifier or Literal.");
            }
            if (!Uri.TryCreate(fhir.PatientIdentifierSystem, UriKind.Absolute, out _))
            {
                failures.Add($"{DeliveryOptions.SectionName}:Fhir: PatientIdentifierSystem '{fhir.PatientIdentifierSystem}' is not an absolute URI.");
            }
        }
        var resilience = options.Resilience;
        if (resilience is not null)
        {
            var results = new List<ValidationResult>();
            Validator.TryValidateObject(resilience, new ValidationContext(resilience), results, validateAllProperties: true);
            failures.AddRange(results.Select(r => $"{DeliveryOptions.SectionName}:Resilience: {r.ErrorMessage}"));
            if (resilience.MaxRetryDelay < resilience.FirstRetryDelay)
            {
                failures.Add($"{DeliveryOptions.SectionName}:Resilience: MaxRetryDelay must not be shorter than FirstRetryDelay.");
            }
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static bool IsStrongSecret(string? secret)
    {
        if (string.IsNullOrEmpty(secret))
        {
            return false;
        }
        var bytes = new byte[secret.Length];
        return Convert.TryFromBase64String(secret, bytes, out var written) && written >= MinimumSecretBytes;
    }

    /// <summary>
    /// The binder drops a list entry whose value it cannot convert, without a word: a subscription with a typo in
    /// its format would silently receive nothing. So the raw entries are read again here.
    /// </summary>
    private List<string> UnreadableEntries(DeliveryOptions options)
    {
        var failures = new List<string>();
        var entries = configuration.GetSection($"{DeliveryOptions.SectionName}:Webhooks").GetChildren().ToList();
        foreach (var entry in entries)
        {
            var label = $"{DeliveryOptions.SectionName}:Webhooks:{entry.Key}{(entry["Name"] is { Length: > 0 } entryName ? $" ({entryName})" : string.Empty)}";
            if (entry[nameof(WebhookSubscription.Format)] is { Length: > 0 } format && !Enum.TryParse<WebhookFormat>(format, ignoreCase: true, out _))
            {
                failures.Add($"{label}: Format '{format}' is not Json or FhirR4.");
            }
            if (entry[nameof(WebhookSubscription.MinPriority)] is { Length: > 0 } priority && !Enum.TryParse<AlertPriority>(priority, ignoreCase: true, out _))
            {
                failures.Add($"{label}: MinPriority '{priority}' is not Low, Medium or High.");
            }
        }
        if (failures.Count == 0 && entries.Count != options.Webhooks.Count)
        {
            failures.Add($"{DeliveryOptions.SectionName}:Webhooks: {entries.Count - options.Webhooks.Count} of {entries.Count} entries could not be read.");
        }
        return failures;
    }
}
