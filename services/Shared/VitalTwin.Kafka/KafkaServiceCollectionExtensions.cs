using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using VitalTwin.Kafka.Security;

namespace VitalTwin.Kafka;

public static class KafkaServiceCollectionExtensions
{
    /// <summary>Kafka options (validated at start), the process's one producer, and the pipeline's metrics.</summary>
    public static IServiceCollection AddKafka(this IServiceCollection services)
    {
        services.AddOptions<KafkaOptions>().BindConfiguration(KafkaOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<KafkaOptions>, KafkaSecurityValidation>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, KafkaSecurityReport>());
        services.AddOptions<KafkaTopics>().BindConfiguration(KafkaTopics.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddMetrics();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<KafkaMetrics>();
        services.TryAddSingleton<PipelineMetrics>();
        services.AddSingleton<EventProducer>();
        services.TryAddSingleton<EventConsumerContext>();
        return services;
    }

    /// <summary>
    /// Adds the Kafka reachability probe (see <see cref="KafkaHealthCheck"/>). It is one singleton, so its cached
    /// answer and its client outlive each probe.
    /// </summary>
    public static IHealthChecksBuilder AddKafka(this IHealthChecksBuilder checks, params string[] tags)
    {
        ArgumentNullException.ThrowIfNull(checks);
        checks.Services.TryAddSingleton(TimeProvider.System);
        checks.Services.TryAddSingleton<KafkaHealthCheck>();
        return checks.AddCheck<KafkaHealthCheck>("kafka", HealthStatus.Unhealthy, tags);
    }

    /// <summary>
    /// Declares topics the service produces, consumes or follows (see <see cref="KafkaTopology"/>): call it where the
    /// code that uses them is registered. Declarations add up.
    /// </summary>
    public static IServiceCollection AddKafkaTopology(this IServiceCollection services, Action<KafkaTopology> declare)
    {
        ArgumentNullException.ThrowIfNull(declare);
        services.Configure(declare);
        return services;
    }

    /// <summary>
    /// Registers a consumer as a hosted service, resolvable by its type too (tests and health checks wait on it), that
    /// subscribes to <paramref name="topics"/> in the service's group and dead-letters what it cannot handle.
    /// </summary>
    public static IServiceCollection AddEventConsumer<TConsumer>(this IServiceCollection services, params Func<KafkaTopics, string>[] topics)
        where TConsumer : EventConsumer
    {
        ArgumentOutOfRangeException.ThrowIfZero(topics.Length);
        services.AddKafkaTopology(topology => topology.Consumes<TConsumer>(topics).Produces(t => t.DeadLetter));
        services.AddSingleton<TConsumer>();
        services.AddHostedService(sp => sp.GetRequiredService<TConsumer>());
        return services;
    }
}
