using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using VitalTwin.Kafka;

namespace VitalTwin.ServiceDefaults.Routing;

public static class RoutingExtensions
{
    /// <summary>
    /// The ownership directory and the router of a service whose replicas each hold some partitions: its consumer
    /// claims and releases them on the <see cref="OwnershipDirectory"/>, its gRPC services relay with <see cref="PatientRouter"/>.
    /// </summary>
    public static IServiceCollection AddPartitionRouting(this IServiceCollection services)
    {
        services.AddOptions<RoutingOptions>().BindConfiguration(RoutingOptions.SectionName).ValidateDataAnnotations()
            .Validate(options => string.IsNullOrEmpty(options.AdvertisedAddress) || Uri.TryCreate(options.AdvertisedAddress, UriKind.Absolute, out _), "Routing:AdvertisedAddress must be an absolute URI, e.g. http://10.0.0.7:5001")
            .ValidateOnStart();
        services.AddSingleton<OwnershipDirectory>();
        // Each replica claims its partitions on the members topic and reads every other replica's claims from it.
        services.AddKafkaTopology(topology => topology.Produces(topics => topics.Members).Follows(topics => topics.Members));
        services.AddHostedService(sp => sp.GetRequiredService<OwnershipDirectory>());
        services.AddSingleton<PatientRouter>();
        return services;
    }
}
