using Microsoft.Extensions.DependencyInjection;

namespace VitalTwin.Kafka;

public static class KafkaServiceCollectionExtensions
{
    /// <summary>Kafka options (validated at start) and the process's one producer.</summary>
    public static IServiceCollection AddKafka(this IServiceCollection services)
    {
        services.AddOptions<KafkaOptions>().BindConfiguration(KafkaOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<KafkaTopics>().BindConfiguration(KafkaTopics.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<EventProducer>();
        return services;
    }

    /// <summary>Registers a consumer as a hosted service, resolvable by its type too (tests and health checks wait on it).</summary>
    public static IServiceCollection AddEventConsumer<TConsumer>(this IServiceCollection services)
        where TConsumer : EventConsumer
    {
        services.AddSingleton<TConsumer>();
        services.AddHostedService(sp => sp.GetRequiredService<TConsumer>());
        return services;
    }
}
