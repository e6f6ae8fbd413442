using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using VitalTwin.Clinical;
using VitalTwin.Kafka;

namespace VitalTwin.PersonalSettings;

public static class AlarmSettingsServiceCollectionExtensions
{
    /// <summary>
    /// The book of every patient's personal alarm settings, kept current from the settings topic by an
    /// <see cref="AlarmSettingsFollower"/> (resolvable by its type, so a writer can wait to read its own write). Needs
    /// the Kafka options and a <see cref="TimeProvider"/>.
    /// </summary>
    public static IServiceCollection AddAlarmSettingsBook(this IServiceCollection services)
    {
        services.TryAddSingleton(VitalCatalogue.Default);
        services.AddSingleton<AlarmSettingsBook>();
        services.AddSingleton<AlarmSettingsFollower>();
        services.AddHostedService(sp => sp.GetRequiredService<AlarmSettingsFollower>());
        services.AddKafkaTopology(topology => topology.Follows(topics => topics.PatientSettings));
        return services;
    }
}
