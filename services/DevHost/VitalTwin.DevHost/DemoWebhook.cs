using System.Security.Cryptography;

namespace VitalTwin.DevHost;

/// <summary>
/// The demo's <c>--webhook=&lt;url&gt;[,&lt;format&gt;]</c>: one subscriber, named <c>demo</c>, that Notification
/// POSTs every alert event to, as its <c>Delivery:Webhooks</c> configuration would, signed with a secret made for the
/// run (printed, so the receiver can check signatures).
/// </summary>
public static class DemoWebhook
{
    private static readonly string[] Formats = ["Json", "FhirR4"];

    /// <summary>Notification's settings for the subscriber, or the reason the option is wrong.</summary>
    public static (IReadOnlyDictionary<string, string>? Settings, string? Problem) Parse(string option)
    {
        ArgumentNullException.ThrowIfNull(option);
        var parts = option.Split(',', 2, StringSplitOptions.TrimEntries);
        if (!Uri.TryCreate(parts[0], UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
        {
            return (null, $"--webhook: '{parts[0]}' is not an absolute http or https URL.");
        }
        var format = parts.Length > 1 ? Formats.FirstOrDefault(f => string.Equals(f, parts[1], StringComparison.OrdinalIgnoreCase)) : Formats[0];
        if (format is null)
        {
            return (null, $"--webhook: the format '{parts[1]}' is not one of {string.Join(", ", Formats)}.");
        }
        var settings = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["Delivery__Webhooks__0__Name"] = "demo",
            ["Delivery__Webhooks__0__Url"] = url.AbsoluteUri,
            ["Delivery__Webhooks__0__Format"] = format,
            ["Delivery__Webhooks__0__Secret"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
        };
        if (url.Scheme == Uri.UriSchemeHttp)
        {
            // Notification takes a plain-http subscriber only in Development; a receiver on this machine rarely has a
            // certificate. The demo's services are a development setup anyway.
            settings["DOTNET_ENVIRONMENT"] = "Development";
        }
        return (settings, null);
    }
}
