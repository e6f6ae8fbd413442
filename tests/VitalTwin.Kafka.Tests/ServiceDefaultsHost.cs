using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using VitalTwin.ServiceDefaults;
using Xunit.Abstractions;

namespace VitalTwin.Kafka.Tests;

/// <summary>A service as every VitalTwin service starts: service defaults, their endpoints, Kestrel on a free loopback port.</summary>
internal static class ServiceDefaultsHost
{
    public static async Task<WebApplication> StartAsync(IReadOnlyDictionary<string, string?> settings, ITestOutputHelper output)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ApplicationName = "VitalTwin.Kafka.Tests", EnvironmentName = "Production" });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders().AddProvider(new TestOutputLoggerProvider(output));
        builder.AddServiceDefaults();
        var app = builder.Build();
        app.MapDefaultEndpoints();
        await app.StartAsync();
        return app;
    }

    public static Uri Address(this WebApplication app) => new(app.Urls.Single());
}
