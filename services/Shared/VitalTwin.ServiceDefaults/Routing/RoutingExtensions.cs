using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
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
        services.AddOptions<RoutingOptions>().BindConfiguration(RoutingOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IValidateOptions<RoutingOptions>, RoutingOptions.Validator>();
        services.AddSingleton<OwnershipDirectory>();
        // Each replica claims its partitions on the members topic and reads every other replica's claims from it.
        services.AddKafkaTopology(topology => topology.Produces(topics => topics.Members).Follows(topics => topics.Members));
        services.AddHostedService(sp => sp.GetRequiredService<OwnershipDirectory>());
        services.AddSingleton<RelayChannels>();
        services.AddSingleton<PatientRouter>();
        return services;
    }
}
