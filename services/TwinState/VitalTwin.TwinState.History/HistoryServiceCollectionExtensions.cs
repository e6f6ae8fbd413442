using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;
using VitalTwin.TwinState.History;

namespace Microsoft.Extensions.DependencyInjection;

public static class HistoryServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="IVitalsStore"/> from the <c>History</c> section: InfluxDB when
    /// <c>History:Influx:Url</c> is set, bounded memory otherwise. Options are validated at start.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configuration">Configuration holding the <c>History</c> section; <see langword="null"/> uses the host's.</param>
    public static IServiceCollection AddVitalsHistory(this IServiceCollection services, IConfiguration? configuration = null)
    {
        ArgumentNullException.ThrowIfNull(services);

        var options = services.AddOptions<HistoryOptions>();
        if (configuration is null)
        {
            options.BindConfiguration(HistoryOptions.SectionName);
        }
        else
        {
            options.Bind(configuration.GetSection(HistoryOptions.SectionName));
        }

        options.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<HistoryOptions>, HistoryOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);

        services.AddResiliencePipeline(InfluxWriteResilience.PipelineName, static (builder, context) =>
            InfluxWriteResilience.Configure(builder, context.ServiceProvider.GetRequiredService<IOptions<HistoryOptions>>().Value.Influx));

        // The store is a singleton holding this typed client: connections are recycled by the pool's
        // lifetime instead of by handler rotation, which a captured client would never see.
        services.AddHttpClient<InfluxQueryClient>()
            .UseSocketsHttpHandler((handler, _) => handler.PooledConnectionLifetime = TimeSpan.FromMinutes(2))
            .SetHandlerLifetime(Timeout.InfiniteTimeSpan);

        services.TryAddSingleton<InfluxVitalsStore>();
        services.TryAddSingleton<InMemoryVitalsStore>();
        services.TryAddSingleton<IVitalsStore>(static provider =>
        {
            var history = provider.GetRequiredService<IOptions<HistoryOptions>>().Value;
            if (history.Influx.IsConfigured)
            {
                return provider.GetRequiredService<InfluxVitalsStore>();
            }

            HistoryLog.MemoryStoreSelected(provider.GetRequiredService<ILogger<InMemoryVitalsStore>>(), history.Memory.MaxPointsPerSeries);
            return provider.GetRequiredService<InMemoryVitalsStore>();
        });

        return services;
    }
}
