using Microsoft.Extensions.Options;
using VitalTwin.AnomalyDetection.Core;
using VitalTwin.Clinical;
using VitalTwin.Notification.Core;
using VitalTwin.TwinState.Core;

namespace VitalTwin.TwinState.WhatIf;

internal static class SettingsSimulationExtensions
{
    // Notification's AlertClockOptions.Tick default; read from the same key when a deployment sets it for TwinState too.
    private static readonly TimeSpan DefaultPolicyTick = TimeSpan.FromSeconds(1);

    /// <summary>
    /// SimulateSettings' replay, run with the configuration the services run with: the twin's settings as this host has
    /// them, and AnomalyDetection's <c>Detection</c> and Notification's <c>AlertPolicy</c> and <c>AlertClock:Tick</c>
    /// bound from this host's configuration under the same names (their defaults are what those services ship), so a
    /// deployment that changes them there sets them here too.
    /// </summary>
    public static IServiceCollection AddSettingsSimulation(this IServiceCollection services)
    {
        services.AddOptions<DetectionOptions>().BindConfiguration(DetectionOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<AlertPolicyOptions>().BindConfiguration(AlertPolicyOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton(provider =>
        {
            var configuration = provider.GetRequiredService<IConfiguration>();
            return new SettingsReplay(
                new ReplayConfiguration(
                    provider.GetRequiredService<TwinRegistry>().Settings,
                    provider.GetRequiredService<IOptions<DetectionOptions>>().Value,
                    provider.GetRequiredService<IOptions<AlertPolicyOptions>>().Value,
                    provider.GetRequiredService<IOptions<TwinQueryOptions>>().Value.StalenessCheckInterval,
                    configuration.GetValue("AlertClock:Tick", DefaultPolicyTick)),
                provider.GetRequiredService<VitalCatalogue>());
        });
        services.AddSingleton<SettingsSimulationHistory>();
        services.AddSingleton<SettingsSimulator>();
        return services;
    }
}
