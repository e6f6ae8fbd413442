using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using VitalTwin.Clinical.Consent;
using VitalTwin.Kafka;

namespace VitalTwin.Consent;

public static class ConsentServiceCollectionExtensions
{
    /// <summary>
    /// The consent book (option <c>Consent:WithoutRecord</c>, validated at start), kept current from the whole consent
    /// topic by a <see cref="ConsentFollower"/>, which is resolvable by its type too (a writer waits on it to read its own
    /// write). Needs the Kafka options and a <see cref="TimeProvider"/>.
    /// </summary>
    public static IServiceCollection AddConsentBook(this IServiceCollection services)
    {
        services.AddOptions<ConsentOptions>().BindConfiguration(ConsentOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton(sp => new ConsentBook(sp.GetRequiredService<IOptions<ConsentOptions>>().Value.WithoutRecord));
        services.AddSingleton<ConsentFollower>();
        services.AddHostedService(sp => sp.GetRequiredService<ConsentFollower>());
        services.AddKafkaTopology(topology => topology.Follows(topics => topics.Consent));
        return services;
    }

    /// <summary>
    /// The consents of the partitions a consumer of patient-keyed topics holds (<see cref="PartitionConsents"/>, option
    /// <c>Consent:WithoutRecord</c>, validated at start). Needs the Kafka plumbing (<c>AddKafka</c>).
    /// </summary>
    public static IServiceCollection AddPartitionConsents(this IServiceCollection services)
    {
        services.AddOptions<ConsentOptions>().BindConfiguration(ConsentOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<PartitionConsents>();
        return services;
    }
}
