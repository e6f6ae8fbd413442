using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace VitalTwin.ServiceDefaults.Security;

/// <summary>Says at start when no identity provider is configured, because every API call will then be refused.</summary>
internal sealed partial class AuthConfigurationCheck(IOptions<ApiAuthenticationOptions> options, ILogger<AuthConfigurationCheck> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (!options.Value.IsConfigured)
        {
            LogNotConfigured(logger);
        }
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Warning, Message = "No identity provider is configured (Auth:Authority or Auth:SigningKeys): every API call that needs a bearer token is refused")]
    private static partial void LogNotConfigured(ILogger logger);
}
