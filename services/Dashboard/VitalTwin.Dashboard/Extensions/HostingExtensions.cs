using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Options;

namespace VitalTwin.Dashboard.Extensions;

internal static class HostingExtensions
{
    /// <summary>
    /// Several replicas behind a TLS-terminating proxy (<c>Dashboard:Hosting</c>): a cookie or antiforgery token one
    /// replica wrote, another reads, because they share one key ring; and each request has the scheme and host the
    /// browser used, so that the OpenID Connect redirect address is the public one and the session cookie is Secure.
    /// </summary>
    public static void AddDashboardHosting(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<DashboardHostingOptions>().BindConfiguration(DashboardHostingOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        var hosting = builder.Configuration.GetSection(DashboardHostingOptions.SectionName).Get<DashboardHostingOptions>() ?? new DashboardHostingOptions();
        var dataProtection = builder.Services.AddDataProtection().SetApplicationName(hosting.ApplicationName);
        if (hosting.KeysDirectory.Length > 0)
        {
            dataProtection.PersistKeysToFileSystem(new DirectoryInfo(hosting.KeysDirectory));
        }

        // ASP.NET Core believes every sender when no proxy is named, so without one the headers are not read at all.
        if (hosting.TrustedProxies.Count == 0)
        {
            return;
        }
        builder.Services.AddOptions<ForwardedHeadersOptions>().Configure<IOptions<DashboardHostingOptions>>((forwarded, options) =>
        {
            forwarded.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto | ForwardedHeaders.XForwardedHost;
            // The proxies named and no other: by default loopback is believed, which in a pod is any sidecar.
            forwarded.KnownProxies.Clear();
            forwarded.KnownIPNetworks.Clear();
            foreach (var network in options.Value.TrustedNetworks())
            {
                forwarded.KnownIPNetworks.Add(network);
            }
        });
        // Ahead of every other middleware, as ASP.NET Core's own ASPNETCORE_FORWARDEDHEADERS_ENABLED does: HSTS,
        // sign-in and the cookie must all see the browser's scheme and host.
        builder.Services.AddTransient<IStartupFilter, ForwardedHeadersFirst>();
    }

    private sealed class ForwardedHeadersFirst : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.UseForwardedHeaders();
            next(app);
        };
    }
}
