using Dapr;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Retry;

namespace VitalTwin.TwinState.Snapshots;

public static class SnapshotStoreServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="ISnapshotStore"/> as chosen by <c>Snapshots:Store</c>: <c>Memory</c> (default) or
    /// <c>Dapr</c>. The options are validated when the host starts.
    /// </summary>
    public static IServiceCollection AddSnapshotStore(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);

        services.AddOptions<SnapshotOptions>().Bind(configuration.GetSection(SnapshotOptions.SectionName)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SnapshotOptions>, SnapshotOptionsValidator>());

        services.TryAddSingleton<InMemorySnapshotStore>();
        services.TryAddKeyedSingleton(
            DaprSnapshotStore.ClientKey,
            static (sp, _) => DaprSnapshotStore.CreateClient(sp.GetRequiredService<IOptions<SnapshotOptions>>().Value.Dapr));
        services.TryAddSingleton<DaprSnapshotStore>();
        services.AddResiliencePipeline(DaprSnapshotStore.PipelineName, static (builder, context) =>
        {
            var dapr = context.ServiceProvider.GetRequiredService<IOptions<SnapshotOptions>>().Value.Dapr;
            if (dapr.MaxRetryAttempts == 0)
            {
                return;
            }

            // The only retry on this path: DaprClient and its gRPC channel retry nothing themselves.
            builder.AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<DaprException>(DaprSnapshotStore.IsTransient),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                MaxRetryAttempts = dapr.MaxRetryAttempts,
                Delay = dapr.RetryBaseDelay,
            });
        });

        // Resolved lazily, so the Memory store never builds a DaprClient.
        services.TryAddSingleton<ISnapshotStore>(static sp => sp.GetRequiredService<IOptions<SnapshotOptions>>().Value.UsesDapr
            ? sp.GetRequiredService<DaprSnapshotStore>()
            : sp.GetRequiredService<InMemorySnapshotStore>());
        return services;
    }
}
