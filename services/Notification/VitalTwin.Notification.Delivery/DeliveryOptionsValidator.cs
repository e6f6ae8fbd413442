using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using VitalTwin.Contracts.Alerting.V1;

namespace VitalTwin.Notification.Delivery;

/// <summary>
/// What data annotations cannot say: each subscription on its own, names unique (they name consumer groups),
/// URLs absolute. Every failure names the entry, so a bad configuration is fixed from the start-up error alone.
/// </summary>
internal sealed class DeliveryOptionsValidator(IConfiguration configuration) : IValidateOptions<DeliveryOptions>
{
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
            if (!string.IsNullOrEmpty(subscription.Url)
                && !(Uri.TryCreate(subscription.Url, UriKind.Absolute, out var url) && (url.Scheme == Uri.UriSchemeHttp || url.Scheme == Uri.UriSchemeHttps)))
            {
                failures.Add($"{entry}: Url '{subscription.Url}' is not an absolute http or https URL.");
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
