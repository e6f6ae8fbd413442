using System.ComponentModel.DataAnnotations;
using System.Net;

namespace VitalTwin.Dashboard;

/// <summary>
/// What running several replicas behind a TLS-terminating proxy needs, bound from <c>Dashboard:Hosting</c>: one
/// Data Protection key ring for all of them, and the proxies whose forwarded scheme, host and client address are believed.
/// </summary>
public sealed class DashboardHostingOptions : IValidatableObject
{
    public const string SectionName = "Dashboard:Hosting";

    /// <summary>
    /// A directory every replica shares, holding the keys that encrypt the session cookie and antiforgery tokens;
    /// empty keeps ASP.NET Core's default (this user's profile), which suits one process on one machine only.
    /// </summary>
    public string KeysDirectory { get; set; } = string.Empty;

    /// <summary>Isolates this application's protected payloads; the same in every replica and every release.</summary>
    [Required, StringLength(100, MinimumLength = 1)] public string ApplicationName { get; set; } = "VitalTwin.Dashboard";

    /// <summary>
    /// Addresses (<c>10.0.0.7</c>) or networks (<c>10.0.0.0/8</c>) of the proxies whose X-Forwarded-Proto, -Host and
    /// -For headers are believed; empty believes no proxy, and the request is taken as it arrived.
    /// </summary>
    public IList<string> TrustedProxies { get; } = [];

    internal IReadOnlyList<IPNetwork> TrustedNetworks() =>
        TrustedProxies.Select(proxy => IPNetwork.TryParse(proxy, out var network)
            ? network
            : new IPNetwork(IPAddress.Parse(proxy), IPAddress.Parse(proxy).GetAddressBytes().Length * 8)).ToList();

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var proxy in TrustedProxies.Where(proxy => !IPNetwork.TryParse(proxy, out _) && !IPAddress.TryParse(proxy, out _)))
        {
            yield return new ValidationResult($"Dashboard:Hosting:TrustedProxies holds '{proxy}', which is neither an IP address nor a network (10.0.0.0/8)", [nameof(TrustedProxies)]);
        }
        if (KeysDirectory.Length > 0 && !Path.IsPathFullyQualified(KeysDirectory))
        {
            yield return new ValidationResult("Dashboard:Hosting:KeysDirectory must be an absolute path", [nameof(KeysDirectory)]);
        }
    }
}
